"""Feature extraction: log-mel, MFCC + deltas, voicing (whole files, blocks, or a stream); feature dims.

Frames follow vadkit.features.grid.  Every frame is analysed from its own window alone (`log_mel`: its mel
bands in dB and, with `voicing`, its voicing strength), so blocks and streams give the whole file's rows."""
from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np

from vadkit import io
from vadkit.config import FeatureConfig
from vadkit.errors import InputError
from vadkit.features.grid import FrameGrid


def static_dim(cfg: FeatureConfig) -> int:
    """Static features per frame: n_mfcc MFCCs, n_mels bands (kind logmel, pcen) or both (mfcc_pcen); + 1 with
    voicing."""
    return {"mfcc": cfg.n_mfcc, "mfcc_pcen": cfg.n_mfcc + cfg.n_mels}.get(cfg.kind, cfg.n_mels) + int(cfg.voicing)


def feature_dim(cfg: FeatureConfig) -> int:
    """Dims per frame, in this order: the spectral statics and their deltas (the notebook's 60), then voicing
    and its deltas, so a model's input_dims can leave the voicing out."""
    return static_dim(cfg) * (1 + cfg.deltas)


def features_read(cfg: FeatureConfig, input_dims: int) -> FeatureConfig:
    """What a model reading the first input_dims dims of cfg's features needs computed: cfg, without the
    voicing when the model stops before it (a 60-dim model trained on a cache with voicing)."""
    plain = dataclasses.replace(cfg, voicing=False)
    return plain if cfg.voicing and input_dims <= feature_dim(plain) else cfg


FRONT_ENDS = ("mfcc", "pcen")   # the kinds a kind mfcc_pcen cache holds side by side
PCEN_KEYS = tuple(f.name for f in dataclasses.fields(FeatureConfig) if f.name.startswith("pcen_"))


def union_columns(member: FeatureConfig, union: FeatureConfig, input_dims: int) -> list[int]:
    """Where the first input_dims feature columns of kind mfcc or pcen sit in the union's (kind mfcc_pcen): each
    delta order holds the n_mfcc MFCCs, then the n_mels PCEN bands."""
    width = member.n_mfcc if member.kind == "mfcc" else member.n_mels
    offset = 0 if member.kind == "mfcc" else union.n_mfcc
    block = union.n_mfcc + union.n_mels
    return [i // width * block + offset + i % width for i in range(input_dims)]


def kind_view(cached: FeatureConfig, kind: str) -> tuple[FeatureConfig, list[int] | None]:
    """What a model with model.input_kind `kind` reads of features cached with `cached`: (the feature config it is
    a model of, the cache's columns holding those features in order; None: all of them).  kind "" or the
    cache's own: the cache as it is.  mfcc or pcen from a kind mfcc_pcen cache: that front-end alone, the other
    front-end's keys at their defaults, so the model is the one a cache of that kind alone would have trained
    (steps/vad.py computes only its features)."""
    if kind in ("", cached.kind):
        return cached, None
    if cached.kind != "mfcc_pcen" or kind not in FRONT_ENDS or cached.voicing:
        raise InputError(f"model.input_kind {kind}: features of kind {cached.kind}"
                         f"{' with voicing' if cached.voicing else ''} hold no {kind} columns of their own; cache "
                         "kind mfcc_pcen without voicing (--feat-conf conf/features_mfcc_pcen.yaml) or leave "
                         "input_kind empty")
    default = FeatureConfig()
    keys = {k: getattr(default, k) for k in PCEN_KEYS} if kind == "mfcc" else {"n_mfcc": default.n_mfcc}
    view = dataclasses.replace(cached, kind=kind, **keys)
    return view, union_columns(view, cached, feature_dim(view))


def model_columns(model: FeatureConfig, cached: FeatureConfig) -> list[int] | None:
    """The columns of features cached with `cached` that a model of `model`'s features reads: None (all) when
    the configs are equal; one front-end's columns when the cache is kind mfcc_pcen and the model is of that
    front-end (kind_view).  InputError otherwise."""
    if model == cached:
        return None
    if cached.kind == "mfcc_pcen" and model.kind in FRONT_ENDS and not cached.voicing:
        view, columns = kind_view(cached, model.kind)
        if view == model:
            return columns
    raise InputError(f"features were cached with kind {cached.kind} and another config than the model's "
                     f"(kind {model.kind})")


def analysis_dim(cfg: FeatureConfig) -> int:
    """Columns of log_mel's rows: the n_mels bands in dB, then the voicing strength (with voicing)."""
    return cfg.n_mels + int(cfg.voicing)


def loudest_db(lm: np.ndarray, cfg: FeatureConfig) -> float:
    """The loudest mel bin of log_mel rows (the voicing column left out): the dB floor sits TOP_DB below it."""
    return float(lm[:, :cfg.n_mels].max())


def compute_features(x: np.ndarray, sample_rate_hz: int, cfg: FeatureConfig) -> np.ndarray:
    """MFCCs or log-mels (+ deltas) of a mono signal: (n_frames, feature_dim(cfg)) float32.

    librosa's MFCC definition (Hann window, n_fft = window, no centring, so frame k really is centred
    at k*hop + win/2; Slaney mel bands; power in dB floored 80 dB below the recording's loudest mel
    bin; orthonormal DCT-II), computed with vectorised numpy (equal to librosa.feature.mfcc within
    float32 rounding, tested).  kind: logmel keeps the floored mel dB bands instead of their DCT; pcen puts
    the bands through pcen_from_log_mel.
    Shorter than one window: (0, dim).
    """
    lm = log_mel(x, sample_rate_hz, cfg)
    if len(lm) == 0:
        return np.zeros((0, feature_dim(cfg)), dtype=np.float32)
    return voicing_last(add_deltas(static_from_log_mel(lm, loudest_db(lm, cfg) - TOP_DB, cfg)[0], cfg), cfg)


TOP_DB = 80.0  # librosa.power_to_db's default floor below the loudest bin, which the models were trained with


# The analysis matrices are computed here, not with librosa.filters and scipy.signal: importing those costs
# every feature job and VAD run ~2 s.  Each is computed as they compute it, equal to the last bit (tested).
def periodic_hann(n: int) -> np.ndarray:
    """(n,) float64: scipy.signal.get_window("hann", n), the periodic Hann window (one of n + 1 points dropped)."""
    return (0.5 + 0.5 * np.cos(np.linspace(-np.pi, np.pi, n + 1)))[:-1]


MEL_LINEAR_HZ, MEL_BREAK_HZ, MEL_LOG_STEP = 200.0 / 3, 1000.0, np.log(6.4) / 27.0   # Slaney's scale


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """Slaney's mel scale (librosa's default): linear, 200/3 Hz a mel, below 1 kHz; logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    log_part = np.log(np.maximum(hz, MEL_BREAK_HZ) / MEL_BREAK_HZ) / MEL_LOG_STEP   # 0 below the break
    return np.where(hz >= MEL_BREAK_HZ, MEL_BREAK_HZ / MEL_LINEAR_HZ + log_part, hz / MEL_LINEAR_HZ)


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    break_mel = MEL_BREAK_HZ / MEL_LINEAR_HZ
    return np.where(mel >= break_mel, MEL_BREAK_HZ * np.exp(MEL_LOG_STEP * (mel - break_mel)), MEL_LINEAR_HZ * mel)


def mel_filters(sample_rate_hz: int, n_fft: int, n_mels: int, fmin_hz: float, fmax_hz: float | None) -> np.ndarray:
    """(n_mels, n_fft//2 + 1) float32: librosa.filters.mel's triangles (Slaney scale, each band's area
    normalised), equally spaced in mel between fmin_hz and fmax_hz (None: half the sample rate)."""
    fmax_hz = sample_rate_hz / 2 if fmax_hz is None else fmax_hz
    bin_hz = np.fft.rfftfreq(n_fft, 1.0 / sample_rate_hz)
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin_hz), hz_to_mel(fmax_hz), n_mels + 2))
    width = np.diff(edges)
    to_edge = np.subtract.outer(edges, bin_hz)
    w = np.zeros((n_mels, len(bin_hz)), dtype=np.float32)
    for i in range(n_mels):   # rising from edge i to i + 1, falling to i + 2 (float64, stored as float32)
        w[i] = np.maximum(0, np.minimum(-to_edge[i] / width[i], to_edge[i + 2] / width[i + 1]))
    w *= (2.0 / (edges[2:n_mels + 2] - edges[:n_mels]))[:, np.newaxis]
    return w


@functools.lru_cache(maxsize=8)
def _analysis(sample_rate_hz: int, cfg_key: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(Hann window (win,), mel basis transposed (win//2+1, n_mels), DCT-II ortho (n_mels, n_mfcc))."""
    from scipy.fft import dct
    win_ms, n_mels, fmin_hz, fmax_hz, n_mfcc = cfg_key
    win = round(win_ms / 1000 * sample_rate_hz)
    window = periodic_hann(win).astype(np.float32)
    mel = mel_filters(sample_rate_hz, win, n_mels, fmin_hz, fmax_hz)
    dct_m = dct(np.eye(n_mels), type=2, norm="ortho", axis=0)[:n_mfcc].T
    return window, np.ascontiguousarray(mel.T, dtype=np.float32), np.ascontiguousarray(dct_m, dtype=np.float32)


def _analysis_for(sample_rate_hz: int, cfg: FeatureConfig):
    return _analysis(int(sample_rate_hz), (cfg.win_ms, cfg.n_mels, cfg.fmin_hz, cfg.fmax_hz, cfg.n_mfcc))


VOICING_RATE_HZ = 8000       # voicing is measured on each frame averaged down to about this rate: cheap
VOICING_F0_MAX_HZ = 400.0    # the highest pitch searched; the lowest is 2 / window (80 Hz at 25 ms)


@functools.lru_cache(maxsize=8)
def _voicing_analysis(sample_rate_hz: int, win: int) -> tuple[int, int, int, int, np.ndarray, np.ndarray]:
    """(decimation, FFT size, first and last lag searched, window, 1 / the window's own autocorrelation)."""
    from scipy.fft import next_fast_len
    q = max(1, sample_rate_hz // VOICING_RATE_HZ)
    n = win // q
    lag_min, lag_max = int(np.ceil(sample_rate_hz / q / VOICING_F0_MAX_HZ)), n // 2
    n_fft = next_fast_len(n + lag_max + 1, real=True)  # linear, not circular, autocorrelation
    window = periodic_hann(n)
    rw = np.fft.irfft(np.abs(np.fft.rfft(window, n_fft)) ** 2, n_fft)[:lag_max + 2]
    return q, n_fft, lag_min, lag_max, window.astype(np.float32), (rw[0] / rw).astype(np.float32)


def voicing(frames: np.ndarray, sample_rate_hz: int) -> np.ndarray:
    """(n, win) raw frames -> (n,) float32 voicing strength in [0, 1]: the highest normalised autocorrelation
    of the Hann-windowed frame over pitch lags, corrected by the window's own autocorrelation (Boersma's
    method), after averaging each frame down to about VOICING_RATE_HZ (the band where voiced harmonics are).
    Voiced speech and instrument notes come near 1; noise, clicks, footsteps and creaks stay low whatever
    their level; digital silence is 0."""
    from scipy.fft import irfft, rfft
    q, n_fft, lag_min, lag_max, window, inv_rw = _voicing_analysis(int(sample_rate_hz), frames.shape[1])
    f = frames[:, 0:len(window) * q:q].copy()   # the mean of each q samples: a cheap low-pass before decimating
    for k in range(1, q):
        f += frames[:, k:len(window) * q:q]
    f -= f.mean(axis=1, keepdims=True)
    spec = rfft(f * window, n_fft, axis=1, workers=1)
    r = irfft(spec.real ** 2 + spec.imag ** 2, n_fft, axis=1, workers=1)[:, :lag_max + 2] * inv_rw
    mid = r[:, lag_min:lag_max + 1]   # only local maxima count: rumble's autocorrelation just falls away
    peak = np.where((mid >= r[:, lag_min - 1:lag_max]) & (mid >= r[:, lag_min + 1:lag_max + 2]), mid, 0.0).max(axis=1)
    energy = r[:, 0]
    out = np.divide(peak, energy, out=np.zeros_like(peak), where=energy > 1e-20)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def log_mel(x: np.ndarray, sample_rate_hz: int, cfg: FeatureConfig, block_frames: int = 4096) -> np.ndarray:
    """Mel power in dB of every full frame of x (no floor yet), then with cfg.voicing each frame's voicing
    strength: (n_frames, analysis_dim(cfg)) float32.

    A frame depends only on its own samples, so blocks of a long signal can be done separately:
    log_mel(x[k*hop:]) gives frames k, k+1, ... of log_mel(x).
    """
    from scipy.fft import rfft
    grid = FrameGrid.from_config(cfg)
    win, hop = grid.samples(sample_rate_hz)
    n = grid.n_frames(len(x), sample_rate_hz)
    window, mel_t, _ = _analysis_for(sample_rate_hz, cfg)
    out = np.empty((n, analysis_dim(cfg)), dtype=np.float32)
    mel = out[:, :cfg.n_mels]
    x = np.asarray(x, dtype=np.float32)
    for a in range(0, n, block_frames):  # blocks bound the (frames, win) temporaries
        b = min(n, a + block_frames)
        frames = np.lib.stride_tricks.sliding_window_view(x[a * hop:(b - 1) * hop + win], win)[::hop]
        spec = rfft(frames * window, axis=1, workers=1)
        power = spec.real ** 2 + spec.imag ** 2
        mel[a:b] = power @ mel_t
        if cfg.voicing:
            out[a:b, cfg.n_mels] = voicing(frames, sample_rate_hz)
    np.maximum(mel, 1e-10, out=mel)  # power_to_db's amin
    np.log10(mel, out=mel)
    mel *= 10.0
    return out


def mfcc_from_log_mel(lm: np.ndarray, floor_db: float, cfg: FeatureConfig) -> np.ndarray:
    """(n, n_mels) dB -> (n, n_mfcc) static MFCCs, dB values below floor_db raised to it."""
    _, _, dct_m = _analysis_for(cfg.sample_rate_hz, cfg)
    return np.maximum(lm[:, :cfg.n_mels], np.float32(floor_db)) @ dct_m


def band_shift_direction(cfg: FeatureConfig, band_db: np.ndarray) -> np.ndarray:
    """How the features move when every mel band's dB level moves by `band_db` (n_mels,): (feature_dim,).

    Exact away from the floor: statics are linear in the dB bands (the DCT, or the bands themselves) and
    deltas of a constant shift are 0.  A gain of g dB is band_db = g everywhere; a spectral tilt is a ramp.
    The floor sits TOP_DB below the recording's loudest bin, so it moves with the gain too.  Voicing does
    not move: it is a ratio of the frame's own autocorrelations.  PCEN bands have no such shift (each band is
    divided by its own past), so kind pcen has none to give."""
    if cfg.has_pcen:
        raise ValueError(f"kind {cfg.kind}: a gain or tilt is not a fixed shift of PCEN features")
    band_db = np.asarray(band_db, dtype=np.float64)
    if cfg.kind == "logmel":
        static = band_db
    else:
        static = band_db @ _analysis_for(cfg.sample_rate_hz, cfg)[2].astype(np.float64)
    return np.concatenate([static, np.zeros(feature_dim(cfg) - len(static))])  # deltas of a constant: 0


def static_from_log_mel(lm: np.ndarray, floor_db: float, cfg: FeatureConfig,
                        pcen_state: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """log_mel rows -> ((n, static_dim(cfg)), pcen state): the statics of cfg.kind (MFCCs, the bands floored
    at floor_db, the PCEN bands continuing from pcen_state, None at a recording's start, or the MFCCs then the
    PCEN bands), then the voicing strength as it is.  The state is None for the kinds without PCEN."""
    if cfg.kind == "pcen":
        static, pcen_state = pcen_from_log_mel(lm, cfg, pcen_state)
    elif cfg.kind == "mfcc_pcen":
        pcen, pcen_state = pcen_from_log_mel(lm, cfg, pcen_state)
        static = np.concatenate([mfcc_from_log_mel(lm, floor_db, cfg), pcen], axis=1)
    elif cfg.kind == "logmel":
        static = np.maximum(lm[:, :cfg.n_mels], np.float32(floor_db)).astype(np.float32)
    else:
        static = mfcc_from_log_mel(lm, floor_db, cfg)
    return (np.concatenate([static, lm[:, cfg.n_mels:]], axis=1) if cfg.voicing else static), pcen_state


PCEN_SCALE = 2.0 ** 31   # samples in [-1, 1] read as 32-bit integers: the scale librosa.pcen's defaults assume
PCEN_EPS = 1e-6


def pcen_from_log_mel(lm: np.ndarray, cfg: FeatureConfig,
                      state: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """log_mel rows -> ((n, n_mels) float32 PCEN bands, the state to continue with on the next rows).

    Per-channel energy normalisation (Wang et al. 2017; librosa.pcen's formula and defaults): each band's
    magnitude E (the root of its mel power, at PCEN_SCALE) is divided by (eps + M)^gain, M its first-order
    smoothing over time (time constant pcen_time_ms), then compressed: (E / (eps + M)^gain + bias)^power -
    bias^power.  A steady sound (hum, engine, fan) tends to 0 in every band whatever its level; onsets and
    modulated sounds stand out.  Unlike librosa, M starts at the first frame's E, so a recording's start is
    not an onset; `state` (the last M of every band) makes blocks of a recording equal to the whole."""
    from scipy.signal import lfilter
    if len(lm) == 0:
        return np.zeros((0, cfg.n_mels), np.float32), state
    e = 10.0 ** (lm[:, :cfg.n_mels].astype(np.float64) / 20.0) * PCEN_SCALE
    t = cfg.pcen_time_ms / cfg.hop_ms                      # frames
    b = (np.sqrt(1 + 4 * t * t) - 1) / (2 * t * t)         # librosa.pcen's smoothing coefficient for t
    prev = e[0] if state is None else state
    m, _ = lfilter([b], [1, b - 1], e, axis=0, zi=((1 - b) * prev)[None])
    agc = e * (PCEN_EPS + m) ** -cfg.pcen_gain
    out = (agc + cfg.pcen_bias) ** cfg.pcen_power - cfg.pcen_bias ** cfg.pcen_power
    return out.astype(np.float32), m[-1]


def voicing_last(feats: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """add_deltas' rows (each static with its deltas, order by order) -> feature_dim's order: the voicing
    column of every order moved behind the spectral ones."""
    if not cfg.voicing or cfg.deltas == 0:
        return feats
    return feats[:, _voicing_last_order(static_dim(cfg), cfg.deltas)]   # fancy indexing: a contiguous copy


@functools.lru_cache(maxsize=8)
def _voicing_last_order(static: int, deltas: int) -> np.ndarray:
    v = [static * (o + 1) - 1 for o in range(deltas + 1)]
    return np.array([i for i in range(static * (deltas + 1)) if i not in v] + v)


@functools.lru_cache(maxsize=8)
def delta_kernel(width: int, order: int) -> np.ndarray:
    """Savitzky-Golay derivative filter of librosa.feature.delta: (width,) float64, applied as a correlation.
    Solved as scipy.signal.savgol_coeffs(width, order, deriv=order, use="dot") solves it (equal to the last bit)."""
    h = width // 2
    x = np.arange(-h, width - h, dtype=np.float64)
    target = np.zeros(order + 1)
    target[order] = math.factorial(order)   # the order-th derivative of the fitted polynomial at the centre
    return np.linalg.lstsq(x ** np.arange(order + 1).reshape(-1, 1), target, rcond=None)[0]


def add_deltas(static: np.ndarray, cfg: FeatureConfig, left: np.ndarray | None = None,
               right: np.ndarray | None = None) -> np.ndarray:
    """(n, n_mfcc) static MFCCs -> (n, n_mfcc * (1 + deltas)) float32 with delta orders 1..deltas.

    Each delta order is a (delta_width)-frame regression over the static MFCCs (librosa.feature.delta,
    mode "nearest": edge frames repeated).  `left`/`right`: the static frames just outside this block
    (up to delta_width//2 each), for blocks of a longer signal; None at the recording's edges.
    """
    if cfg.deltas == 0 or len(static) == 0:
        return np.ascontiguousarray(static, dtype=np.float32)
    h = cfg.delta_width // 2
    left = None if left is None or len(left) == 0 else left[-h:]
    right = None if right is None or len(right) == 0 else right[:h]
    # "nearest": the recording's first/last frame repeated (it may sit in the context, not this block)
    pad_l = np.repeat(static[:1] if left is None else left[:1], h - (0 if left is None else len(left)), 0)
    pad_r = np.repeat(static[-1:] if right is None else right[-1:], h - (0 if right is None else len(right)), 0)
    ctx = [pad_l] + ([] if left is None else [left]) + [static] + ([] if right is None else [right]) + [pad_r]
    ext = np.concatenate(ctx).astype(np.float64)
    win = np.lib.stride_tricks.sliding_window_view(ext, cfg.delta_width, axis=0)  # (n, dims, width)
    parts = [static] + [win @ delta_kernel(cfg.delta_width, o) for o in range(1, cfg.deltas + 1)]
    return np.ascontiguousarray(np.concatenate(parts, axis=1), dtype=np.float32)


def mel_spectrogram_db(x: np.ndarray, sample_rate_hz: int, n_mels: int = 23, hop_s: float = 0.010,
                       win_s: float = 0.020) -> np.ndarray:
    """Log-mel spectrogram for display, as the notebook's part 1 (23 bands, 20 ms window, 10 ms hop):
    (n_mels, 1 + len(x) // hop) float32 dB re the loudest bin; frame k centred at k * hop_s."""
    import librosa
    hop, win = max(1, round(hop_s * sample_rate_hz)), max(2, round(win_s * sample_rate_hz))
    n_fft = 1 << (win - 1).bit_length()  # FFT size: the window rounded up to a power of two
    mel = librosa.feature.melspectrogram(y=np.asarray(x, dtype=np.float32), sr=sample_rate_hz, n_fft=n_fft,
                                         win_length=win, hop_length=hop, n_mels=n_mels)
    return librosa.power_to_db(mel, ref=np.max).astype(np.float32)


def features_of_file(path: str, cfg: FeatureConfig) -> np.ndarray:
    """Read audio (resampled to cfg.sample_rate_hz) and compute its features; fail on < 1 frame."""
    x, sr = io.read_audio(path, cfg.sample_rate_hz)
    feats = compute_features(x, sr, cfg)
    if len(feats) == 0:
        raise InputError(f"{path}: audio is shorter than one {cfg.win_ms:g} ms frame; drop it from the list")
    if not np.all(np.isfinite(feats)):
        raise InputError(f"{path}: features contain NaN/inf; check the audio for corrupt samples")
    return feats


class FeatureStream:
    """Features of a signal fed in pieces, equal to compute_features on the whole signal.

    push(samples) returns the feature rows that are final so far: a frame needs its full window
    and, with deltas, delta_width//2 frames of look-ahead; flush() returns the rest at the end.
    The dB floor is TOP_DB below the loudest mel bin seen so far (a whole recording uses its overall
    loudest): the two agree unless a bin lies more than TOP_DB below a louder bin that comes later.
    `floor_db` fixes the floor instead (the offline two-pass file reader knows it).  `static_only`
    skips the deltas (for models that read only the static MFCCs: no look-ahead).
    """

    def __init__(self, sample_rate_hz: int, cfg: FeatureConfig, floor_db: float | None = None,
                 static_only: bool = False):
        self.sr, self.cfg, self.floor_db = sample_rate_hz, cfg, floor_db
        self.win, self.hop = FrameGrid.from_config(cfg).samples(sample_rate_hz)
        self.h = 0 if static_only or cfg.deltas == 0 else cfg.delta_width // 2
        self.static_only = static_only
        self.samples = np.zeros(0, np.float32)
        self.max_db = -np.inf
        self.pcen_state = None                                 # kind pcen: each band's smoother, carried on
        self.hist = np.zeros((0, static_dim(cfg)), np.float32)      # emitted statics kept as left context
        self.pending = np.zeros((0, static_dim(cfg)), np.float32)   # statics waiting for look-ahead
        self.n_frames = 0                                      # frames returned so far

    @property
    def dim(self) -> int:
        return static_dim(self.cfg) if self.static_only else feature_dim(self.cfg)

    def push_log_mel(self, lm: np.ndarray) -> np.ndarray:
        """Feed log-mel rows (from log_mel) instead of samples."""
        if len(lm) == 0:
            return np.zeros((0, self.dim), np.float32)
        if self.floor_db is None:
            self.max_db = max(self.max_db, loudest_db(lm, self.cfg))
        floor = self.floor_db if self.floor_db is not None else self.max_db - TOP_DB
        static, self.pcen_state = static_from_log_mel(lm, floor, self.cfg, self.pcen_state)
        if self.static_only or self.cfg.deltas == 0:
            self.n_frames += len(static)
            return static
        self.pending = np.concatenate([self.pending, static])
        return self._emit(len(self.pending) - self.h, final=False)

    def push(self, x: np.ndarray) -> np.ndarray:
        """(n,) float32 samples at sample_rate_hz -> (k, dim) float32 feature rows now final."""
        self.samples = np.concatenate([self.samples, np.asarray(x, np.float32)])
        n = FrameGrid.from_config(self.cfg).n_frames(len(self.samples), self.sr)
        lm = log_mel(self.samples, self.sr, self.cfg)
        self.samples = self.samples[n * self.hop:]
        return self.push_log_mel(lm)

    def flush(self) -> np.ndarray:
        """The remaining rows at the end of the recording (its last frames repeat as look-ahead)."""
        return self._emit(len(self.pending), final=True)

    def _emit(self, n: int, final: bool) -> np.ndarray:
        if n <= 0:
            return np.zeros((0, self.dim), np.float32)
        right = None if final else self.pending[n:]
        out = voicing_last(add_deltas(self.pending[:n], self.cfg, left=self.hist, right=right), self.cfg)
        self.hist = np.concatenate([self.hist, self.pending[:n]])[-self.h:]
        self.pending = self.pending[n:]
        self.n_frames += n
        return out
