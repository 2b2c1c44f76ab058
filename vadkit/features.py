"""Features and the frame grid: MFCC + deltas, the seconds<->frames rule, normalisation stats.

The frame grid (written once here and in the README):
  * frame k covers samples [k*hop, k*hop + win) with win = 25 ms, hop = 10 ms (conf/features.yaml);
  * frame k is centred at t_k = k*hop_s + win_s/2  (k*10 ms + 12.5 ms);
  * a recording of n samples has 1 + (n - win) // hop frames (0 if n < win): the last partial
    frame is dropped, so every frame sees a full window;
  * a frame is speech when its centre t_k lies inside a reference region [start, end);
  * frames a..b-1 become the region [t_a - hop_s/2, t_b - hop_s/2): the two rules round-trip.
Every seconds-to-frames conversion in the recipe calls FrameGrid.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from vadkit import io
from vadkit.config import FeatureConfig
from vadkit.errors import InputError


@dataclass(frozen=True)
class FrameGrid:
    win_s: float = 0.025
    hop_s: float = 0.010

    @classmethod
    def from_config(cls, cfg: FeatureConfig) -> "FrameGrid":
        return cls(cfg.win_ms / 1000.0, cfg.hop_ms / 1000.0)

    def samples(self, sample_rate_hz: int) -> tuple[int, int]:
        """(win, hop) in samples at a given rate."""
        return round(self.win_s * sample_rate_hz), round(self.hop_s * sample_rate_hz)

    def n_frames(self, n_samples: int, sample_rate_hz: int) -> int:
        win, hop = self.samples(sample_rate_hz)
        return 0 if n_samples < win else 1 + (n_samples - win) // hop

    def n_frames_for_duration(self, duration_s: float) -> int:
        """Frames of a recording lasting duration_s (rounded to whole microseconds first)."""
        n_us, win_us, hop_us = (round(v * 1e6) for v in (duration_s, self.win_s, self.hop_s))
        return 0 if n_us < win_us else 1 + (n_us - win_us) // hop_us

    def centres(self, n_frames: int) -> np.ndarray:
        """(n_frames,) float64 centre times in seconds."""
        return np.arange(n_frames) * self.hop_s + self.win_s / 2

    def labels(self, regions: io.Segments, n_frames: int) -> np.ndarray:
        """Speech regions [(start_s, end_s)] -> (n_frames,) int8 0/1 by the centre rule."""
        y = np.zeros(n_frames, dtype=np.int8)
        c = self.centres(n_frames)
        for s, e in regions:
            y[np.searchsorted(c, s, "left"):np.searchsorted(c, e, "left")] = 1
        return y

    def segments(self, labels: np.ndarray) -> io.Segments:
        """(n_frames,) 0/1 decisions -> speech regions [(start_s, end_s)], times rounded to 0.1 ms."""
        y = np.concatenate([[0], np.asarray(labels).astype(np.int8) != 0, [0]]).astype(np.int8)
        d = np.diff(y)
        starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
        off = self.win_s / 2 - self.hop_s / 2
        return [(round(max(0.0, a * self.hop_s + off), 4), round(b * self.hop_s + off, 4))
                for a, b in zip(starts, ends)]


def static_dim(cfg: FeatureConfig) -> int:
    """Static features per frame: n_mfcc MFCCs, or n_mels log-mel bands (kind: logmel)."""
    return cfg.n_mels if cfg.kind == "logmel" else cfg.n_mfcc


def feature_dim(cfg: FeatureConfig) -> int:
    return static_dim(cfg) * (1 + cfg.deltas)


def compute_features(x: np.ndarray, sample_rate_hz: int, cfg: FeatureConfig) -> np.ndarray:
    """MFCCs or log-mels (+ deltas) of a mono signal: (n_frames, feature_dim(cfg)) float32.

    librosa's MFCC definition (Hann window, n_fft = window, no centring, so frame k really is centred
    at k*hop + win/2; Slaney mel bands; power in dB floored 80 dB below the recording's loudest mel
    bin; orthonormal DCT-II), computed with vectorised numpy (equal to librosa.feature.mfcc within
    float32 rounding, tested).  kind: logmel keeps the floored mel dB bands instead of their DCT.
    Shorter than one window: (0, dim).
    """
    lm = log_mel(x, sample_rate_hz, cfg)
    if len(lm) == 0:
        return np.zeros((0, feature_dim(cfg)), dtype=np.float32)
    return add_deltas(static_from_log_mel(lm, float(lm.max()) - TOP_DB, cfg), cfg)


TOP_DB = 80.0  # librosa.power_to_db's default floor below the loudest bin, which the models were trained with


@functools.lru_cache(maxsize=8)
def _analysis(sample_rate_hz: int, cfg_key: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(Hann window (win,), mel basis transposed (win//2+1, n_mels), DCT-II ortho (n_mels, n_mfcc))."""
    import librosa
    from scipy.fft import dct
    win_ms, n_mels, fmin_hz, fmax_hz, n_mfcc = cfg_key
    win = round(win_ms / 1000 * sample_rate_hz)
    window = librosa.filters.get_window("hann", win, fftbins=True).astype(np.float32)
    mel = librosa.filters.mel(sr=sample_rate_hz, n_fft=win, n_mels=n_mels, fmin=fmin_hz, fmax=fmax_hz)
    dct_m = dct(np.eye(n_mels), type=2, norm="ortho", axis=0)[:n_mfcc].T
    return window, np.ascontiguousarray(mel.T, dtype=np.float32), np.ascontiguousarray(dct_m, dtype=np.float32)


def _analysis_for(sample_rate_hz: int, cfg: FeatureConfig):
    return _analysis(int(sample_rate_hz), (cfg.win_ms, cfg.n_mels, cfg.fmin_hz, cfg.fmax_hz, cfg.n_mfcc))


def log_mel(x: np.ndarray, sample_rate_hz: int, cfg: FeatureConfig, block_frames: int = 4096) -> np.ndarray:
    """Mel power in dB of every full frame of x (no floor yet): (n_frames, n_mels) float32.

    A frame depends only on its own samples, so blocks of a long signal can be done separately:
    log_mel(x[k*hop:]) gives frames k, k+1, ... of log_mel(x).
    """
    from scipy.fft import rfft
    grid = FrameGrid.from_config(cfg)
    win, hop = grid.samples(sample_rate_hz)
    n = grid.n_frames(len(x), sample_rate_hz)
    window, mel_t, _ = _analysis_for(sample_rate_hz, cfg)
    out = np.empty((n, mel_t.shape[1]), dtype=np.float32)
    x = np.asarray(x, dtype=np.float32)
    for a in range(0, n, block_frames):  # blocks bound the (frames, win) temporaries
        b = min(n, a + block_frames)
        frames = np.lib.stride_tricks.sliding_window_view(x[a * hop:(b - 1) * hop + win], win)[::hop]
        spec = rfft(frames * window, axis=1, workers=1)
        power = spec.real ** 2 + spec.imag ** 2
        out[a:b] = power @ mel_t
    np.maximum(out, 1e-10, out=out)  # power_to_db's amin
    np.log10(out, out=out)
    out *= 10.0
    return out


def mfcc_from_log_mel(lm: np.ndarray, floor_db: float, cfg: FeatureConfig) -> np.ndarray:
    """(n, n_mels) dB -> (n, n_mfcc) static MFCCs, dB values below floor_db raised to it."""
    _, _, dct_m = _analysis_for(cfg.sample_rate_hz, cfg)
    return np.maximum(lm, np.float32(floor_db)) @ dct_m


def static_from_log_mel(lm: np.ndarray, floor_db: float, cfg: FeatureConfig) -> np.ndarray:
    """(n, n_mels) dB -> the static features of cfg.kind (MFCCs, or the bands floored at floor_db)."""
    if cfg.kind == "logmel":
        return np.maximum(lm, np.float32(floor_db)).astype(np.float32)
    return mfcc_from_log_mel(lm, floor_db, cfg)


@functools.lru_cache(maxsize=8)
def delta_kernel(width: int, order: int) -> np.ndarray:
    """Savitzky-Golay derivative filter of librosa.feature.delta: (width,) float64, applied as a correlation."""
    from scipy.signal import savgol_coeffs
    return savgol_coeffs(width, order, deriv=order, use="dot")


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


@dataclass
class NormStats:
    """Global mean/variance normalisation: (dim,) float64 mean and std, from n_frames frames."""
    mean: np.ndarray
    std: np.ndarray
    n_frames: int

    @classmethod
    def accumulate(cls, mats) -> "NormStats":
        n, s1, s2 = 0, 0.0, 0.0
        for m in mats:
            m = np.asarray(m, dtype=np.float64)
            n, s1, s2 = n + len(m), s1 + m.sum(0), s2 + (m * m).sum(0)
        if n == 0:
            raise InputError("no frames to compute normalisation statistics from")
        mean = s1 / n
        std = np.sqrt(np.maximum(s2 / n - mean * mean, 1e-10))
        return cls(mean, std, n)

    def apply(self, feats: np.ndarray) -> np.ndarray:
        d = feats.shape[-1]
        return ((feats - self.mean[:d]) / self.std[:d]).astype(np.float32)

    def to_dict(self) -> dict:
        return {"n_frames": int(self.n_frames), "mean": self.mean.tolist(), "std": self.std.tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> "NormStats":
        return cls(np.asarray(d["mean"], dtype=np.float64), np.asarray(d["std"], dtype=np.float64),
                   int(d["n_frames"]))


CMVN_MODES = ("global", "file", "sliding")


def normalise(feats: np.ndarray, stats: NormStats, mode: str = "global", window: int = 300) -> np.ndarray:
    """Mean/variance normalisation of one recording (n, d): float32.

    global: the train set's stats (the default; streams).  file: the recording's own mean and std.
    sliding: causal, frame t by the mean and std of frames max(0, t - window + 1)..t (Kaldi's
    apply-cmvn-sliding --center=false --norm-vars=true); the first frames see a shorter window.
    """
    if mode == "global":
        return stats.apply(feats)
    f = np.asarray(feats, dtype=np.float64)
    if mode == "file":
        return ((f - f.mean(0)) / np.sqrt(np.maximum(f.var(0), 1e-10))).astype(np.float32)
    if mode != "sliding":
        raise InputError(f"unknown cmvn mode {mode!r}; choose one of {', '.join(CMVN_MODES)}")
    c1 = np.concatenate([np.zeros((1, f.shape[1])), np.cumsum(f, 0)])
    c2 = np.concatenate([np.zeros((1, f.shape[1])), np.cumsum(f * f, 0)])
    end = np.arange(1, len(f) + 1)
    start = np.maximum(0, end - window)
    n = (end - start)[:, None]
    mean = (c1[end] - c1[start]) / n
    var = np.maximum((c2[end] - c2[start]) / n - mean * mean, 1e-10)
    return ((f - mean) / np.sqrt(var)).astype(np.float32)


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
            self.max_db = max(self.max_db, float(lm.max()))
        floor = self.floor_db if self.floor_db is not None else self.max_db - TOP_DB
        static = static_from_log_mel(lm, floor, self.cfg)
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
        out = add_deltas(self.pending[:n], self.cfg, left=self.hist, right=right)
        self.hist = np.concatenate([self.hist, self.pending[:n]])[-self.h:]
        self.pending = self.pending[n:]
        self.n_frames += n
        return out
