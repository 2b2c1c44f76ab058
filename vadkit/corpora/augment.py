"""Signal augmentations of the mix corpus (vadkit.corpora.mix): reverberation, telephone, equaliser, speed, low-pass.

Every function is pure: randomness comes in through the caller's numpy Generator, so a recording is
the same for the same (seed, set, index).  The reference labels never change: they stay those of the
clean speech (the rule in vadkit.mix), whatever is done to the signal.

Reverberation (`rir`, `reverberate`): no room simulator is needed, so none is installed.  The impulse
response is the statistical model of Polack (1988), as in Lehmann & Johansson (2008): a direct path
(one unit tap at lag 0) followed, after a 2.5 ms gap, by Gaussian white noise under an exponential
envelope that falls 60 dB in RT60 seconds, scaled so that direct energy / reverberant energy equals the
drawn DRR (direct-to-reverberant ratio, dB).  The direct path stays at lag 0, so reverberant speech
starts where the clean speech started; the tail after the end of an utterance is labelled non-speech
(annotators mark the talker, not the room: this is the human RTTM's convention too).  The wet signal
is scaled to the peak of the dry one.

Image-source rooms (`image_rir`): a shoebox room (pyroomacoustics' image method, Allen & Berkley 1979) of
random size, walls of one absorption that gives the drawn RT60 by Sabine's formula, talker and microphone at
random places at least 0.5 m from every wall; up to IMAGE_MAX_ORDER reflections (so a small, very live room
decays faster than its RT60: the order that formula asks for would cost minutes).  It has the early
reflections, comb filtering and distance-dependent DRR the statistical model lacks.  The response is cut at
its direct path, so the labels keep their timing as above.  Deterministic: the geometry comes from the
caller's generator and the image method draws nothing.

Telephone channel (`telephone`): resampled to 8 kHz, band-passed 300-3400 Hz (4th-order Butterworth,
zero phase), then G.711 mu-law (mu = 255) or A-law (A = 87.6) companded and quantised to 8 bits and
expanded back, then resampled to the recording's rate.  Equaliser (`eq`): a spectral tilt of
`tilt_db` across the band (linear in log frequency from 100 Hz to Nyquist, 0 dB at 1 kHz) and a gain.
Speed (`speed`): an utterance resampled so it plays `factor` times as fast, pitch and tempo together.
Low-pass (`lowpass`): the whole mixture band-limited, as narrowband recordings are.

Voices (`vtlp`, `pitch_shift`, `whisper`, `shout`): other speakers and speaking styles from the same
utterance, by a source-filter split of its short-time spectrum (512-point frames at 16 kHz, 75 % overlap):
each frame's magnitude = a smooth envelope (the vocal tract: the log magnitude's cepstrum up to
ENVELOPE_LIFTER_S of quefrency) times the fine structure (the source: harmonics of the pitch, or noise).
`vtlp` warps the envelope along frequency by `alpha` (vocal-tract length perturbation on the signal: formants
move, the pitch stays), `pitch_shift` moves the pitch by librosa's phase vocoder and resampling and then puts
the original envelope back (the pitch moves, the formants stay), `whisper` keeps the envelope and replaces the
source with white noise (no voicing; the level contour stays), `shout` raises the pitch, tilts the spectrum
towards the highs and compresses the level (raised vocal effort).  Lengths and timing never change, so the
utterance's labels hold.
"""
from __future__ import annotations

import math

import numpy as np

from vadkit import io

_RIR_GAP_S = 0.0025          # direct path to the first reflection
TELEPHONE_BAND_HZ = (300.0, 3400.0)
CODECS = ("mulaw", "alaw")


# ---------------------------------------------------------------- reverberation
def rir(rng: np.random.Generator, sample_rate_hz: int, rt60_s: float, drr_db: float) -> np.ndarray:
    """Impulse response (n,) float64 of the model in the module docstring; h[0] = 1 is the direct path."""
    n = max(2, int(round(rt60_s * sample_rate_hz)))   # 60 dB down at the end
    t = np.arange(n) / sample_rate_hz
    tail = rng.standard_normal(n) * np.exp(-3 * math.log(10) * t / rt60_s)  # amplitude: -60 dB at rt60
    tail[:int(round(_RIR_GAP_S * sample_rate_hz)) + 1] = 0.0
    tail *= math.sqrt(10 ** (-drr_db / 10) / max(float(np.sum(tail ** 2)), 1e-20))
    tail[0] = 1.0
    return tail


IMAGE_MAX_ORDER = 40          # reflections per image-source response (about 0.25 s to compute)
ROOM_M = ((3.0, 10.0), (3.0, 10.0), (2.4, 4.0))   # shoebox size range, metres (x, y, height)


def image_rir(rng: np.random.Generator, sample_rate_hz: int, rt60_s: float) -> np.ndarray:
    """Impulse response (n,) float64 of a random shoebox room with that RT60 (module docstring): the direct
    path at lag 0, scaled to 1."""
    import pyroomacoustics as pra
    dims = [float(rng.uniform(a, b)) for a, b in ROOM_M]
    place = lambda lo, hi: [float(rng.uniform(0.5, d - 0.5)) for d in dims[:2]] + [float(rng.uniform(lo, hi))]
    talker, mic = place(1.2, 1.9), place(0.7, 1.5)
    try:
        absorption, order = pra.inverse_sabine(rt60_s, dims)
    except ValueError:   # the room is too big for that RT60 (absorption would exceed 1): take the deadest walls
        absorption, order = 0.99, 2
    room = pra.ShoeBox(dims, fs=sample_rate_hz, materials=pra.Material(absorption),
                       max_order=int(min(order, IMAGE_MAX_ORDER)), air_absorption=False)
    room.add_source(talker)
    room.add_microphone(mic)
    room.compute_rir()
    h = np.asarray(room.rir[0][0], dtype=np.float64)
    h = h[int(np.argmax(np.abs(h))):]   # the direct path (the strongest tap) at lag 0
    return h / h[0]


def reverberate(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """x convolved with h, cut to len(x) (the direct path keeps x's timing), at x's peak; float32."""
    from scipy.signal import fftconvolve
    if not np.any(x):
        return np.asarray(x, np.float32)
    y = fftconvolve(np.asarray(x, np.float64), h)[:len(x)]
    return (y * (np.max(np.abs(x)) / max(float(np.max(np.abs(y))), 1e-12))).astype(np.float32)


# ---------------------------------------------------------------- telephone channel
def mulaw(x: np.ndarray, mu: float = 255.0) -> np.ndarray:
    """G.711 mu-law round trip of x in [-1, 1]: compress, quantise to 8 bits, expand."""
    x = np.clip(x, -1.0, 1.0)
    y = np.sign(x) * np.log1p(mu * np.abs(x)) / math.log1p(mu)
    y = np.round(y * 127.5 - 0.5) / 127.5 + 0.5 / 127.5   # 256 levels over [-1, 1]
    return np.sign(y) * np.expm1(np.abs(y) * math.log1p(mu)) / mu


def alaw(x: np.ndarray, a: float = 87.6) -> np.ndarray:
    """G.711 A-law round trip of x in [-1, 1]: compress, quantise to 8 bits, expand."""
    x = np.clip(x, -1.0, 1.0)
    ax = np.abs(x)
    lna = 1 + math.log(a)
    y = np.sign(x) * np.where(ax < 1 / a, a * ax / lna, (1 + np.log(np.maximum(ax * a, 1.0))) / lna)
    y = np.round(y * 127.5 - 0.5) / 127.5 + 0.5 / 127.5
    ay = np.abs(y)
    return np.sign(y) * np.where(ay < 1 / lna, ay * lna / a, np.exp(ay * lna - 1) / a)


def telephone(x: np.ndarray, sample_rate_hz: int, codec: str) -> np.ndarray:
    """x through an 8 kHz telephone channel (module docstring), back at sample_rate_hz; float32."""
    from scipy.signal import butter, sosfiltfilt
    if codec not in CODECS:
        raise ValueError(f"codec must be one of {CODECS}, not {codec!r}")
    y = io.resample(np.asarray(x, np.float32), sample_rate_hz, 8000).astype(np.float64)
    sos = butter(4, TELEPHONE_BAND_HZ, btype="bandpass", fs=8000, output="sos")
    y = sosfiltfilt(sos, y)
    y = mulaw(y) if codec == "mulaw" else alaw(y)
    return io.resample(y, 8000, sample_rate_hz)[:len(x)]


# ---------------------------------------------------------------- equaliser
def eq(x: np.ndarray, sample_rate_hz: int, tilt_db: float, gain_db: float) -> np.ndarray:
    """x with a spectral tilt (tilt_db more at Nyquist than at 100 Hz, 0 dB at 1 kHz) and a gain,
    clipped to [-1, 1] as a real channel would; float32."""
    spec = np.fft.rfft(np.asarray(x, np.float64))
    f = np.maximum(np.fft.rfftfreq(len(x), 1 / sample_rate_hz), 100.0)
    octaves = np.log2(f / 1000.0) / math.log2(sample_rate_hz / 2 / 100.0)
    spec *= 10 ** ((tilt_db * octaves + gain_db) / 20)
    return np.clip(np.fft.irfft(spec, len(x)), -1.0, 1.0).astype(np.float32)


def speed(x: np.ndarray, factor: float) -> np.ndarray:
    """x played `factor` times as fast (tempo and pitch together, Kaldi's speed perturbation): resampled
    by the nearest ratio of integers up to 100."""
    from fractions import Fraction
    from scipy.signal import resample_poly
    f = Fraction(factor).limit_denominator(100)
    if f == 1:
        return np.asarray(x, dtype=np.float32)
    return resample_poly(np.asarray(x, dtype=np.float64), f.denominator, f.numerator).astype(np.float32)


def lowpass(x: np.ndarray, sample_rate_hz: int, cutoff_hz: float) -> np.ndarray:
    """x through an 8th-order Butterworth low-pass at cutoff_hz (zero phase)."""
    from scipy.signal import butter, sosfiltfilt
    sos = butter(8, cutoff_hz, btype="low", fs=sample_rate_hz, output="sos")
    return sosfiltfilt(sos, np.asarray(x, dtype=np.float64)).astype(np.float32)


# ---------------------------------------------------------------- voices (source-filter on the STFT)
ENVELOPE_LIFTER_S = 0.0015   # quefrencies kept in the envelope: below the pitch period of any voice (< 667 Hz)
_FRAME_S = 0.032             # 512 samples at 16 kHz; hop a quarter of it


def _stft(x: np.ndarray, sample_rate_hz: int) -> tuple[np.ndarray, int]:
    from scipy.signal import stft
    n = 1 << int(round(math.log2(_FRAME_S * sample_rate_hz)))
    return stft(np.asarray(x, np.float64), nperseg=n, noverlap=3 * n // 4, window="hann", boundary="even")[2], n


def _istft(spec: np.ndarray, n: int, length: int) -> np.ndarray:
    from scipy.signal import istft
    y = istft(spec, nperseg=n, noverlap=3 * n // 4, window="hann", boundary=True)[1]
    return np.pad(y, (0, max(0, length - len(y))))[:length]


def spectral_envelope(mag: np.ndarray, sample_rate_hz: int) -> np.ndarray:
    """The smooth envelope of every frame of a magnitude spectrogram (bins, frames): the exponential of the
    log magnitude liftered to quefrencies below ENVELOPE_LIFTER_S."""
    n_fft = 2 * (mag.shape[0] - 1)
    ceps = np.fft.irfft(np.log(np.maximum(mag, 1e-9)), n_fft, axis=0)
    keep = max(2, int(ENVELOPE_LIFTER_S * sample_rate_hz))
    ceps[keep:n_fft - keep + 1] = 0.0
    return np.exp(np.fft.rfft(ceps, n_fft, axis=0).real)


def _warp(env: np.ndarray, alpha: float) -> np.ndarray:
    """env (bins, frames) warped along frequency: the new value at bin f is the old one at f / alpha."""
    bins = np.arange(env.shape[0], dtype=np.float64)
    src = np.clip(bins / alpha, 0, env.shape[0] - 1)
    lo = np.floor(src).astype(np.int64)
    hi, w = np.minimum(lo + 1, env.shape[0] - 1), (src - lo)[:, None]
    return env[lo] * (1 - w) + env[hi] * w


def _out(y: np.ndarray, like: np.ndarray) -> np.ndarray:
    """y at the peak level of `like`, float32."""
    peak = float(np.max(np.abs(y))) if len(y) else 0.0
    return (y * (float(np.max(np.abs(like))) / peak) if peak > 0 else y).astype(np.float32)


def vtlp(x: np.ndarray, sample_rate_hz: int, alpha: float) -> np.ndarray:
    """x with its spectral envelope warped by alpha (> 1: formants up, a shorter vocal tract), pitch kept."""
    spec, n = _stft(x, sample_rate_hz)
    mag = np.abs(spec)
    env = spectral_envelope(mag, sample_rate_hz)
    return _out(_istft(spec * (_warp(env, alpha) / np.maximum(env, 1e-12)), n, len(x)), x)


def pitch_shift(x: np.ndarray, sample_rate_hz: int, semitones: float) -> np.ndarray:
    """x with its pitch moved by `semitones` and its spectral envelope (formants) kept."""
    import librosa
    y = librosa.effects.pitch_shift(np.asarray(x, np.float32), sr=sample_rate_hz, n_steps=semitones)
    spec, n = _stft(y, sample_rate_hz)   # librosa keeps the length: the same frames as x's
    env_y = spectral_envelope(np.abs(spec), sample_rate_hz)
    env_x = spectral_envelope(np.abs(_stft(x, sample_rate_hz)[0]), sample_rate_hz)
    return _out(_istft(spec * (env_x / np.maximum(env_y, 1e-12)), n, len(x)), x)


def whisper(rng: np.random.Generator, x: np.ndarray, sample_rate_hz: int) -> np.ndarray:
    """x's spectral envelope over white noise instead of its voice (whisper-like: unvoiced, same level
    contour and formants), high-passed at 200 Hz as whispers carry little below it."""
    spec, n = _stft(x, sample_rate_hz)
    env = spectral_envelope(np.abs(spec), sample_rate_hz)
    noise, _ = _stft(rng.standard_normal(len(x)), sample_rate_hz)
    noise /= np.sqrt(np.mean(np.abs(noise) ** 2, axis=1, keepdims=True)) + 1e-12   # white, unit power per bin
    f = np.fft.rfftfreq(n, 1 / sample_rate_hz)[:, None]
    return _out(_istft(env * noise * (f >= 200.0), n, len(x)), x)


SHOUT_SEMITONES = (2.0, 5.0)   # the ranges corpora.mix draws a shout from (raised effort: higher pitch,
SHOUT_TILT_DB = (6.0, 15.0)    #   a brighter spectrum, a flatter level contour)
SHOUT_DRIVE = (2.0, 6.0)


def shout(x: np.ndarray, sample_rate_hz: int, semitones: float, tilt_db: float, drive: float) -> np.ndarray:
    """Raised vocal effort: the pitch up by `semitones` (formants kept), the spectrum tilted by tilt_db
    towards the highs (eq) and the level compressed by a tanh of gain `drive` (>= 1)."""
    y = pitch_shift(x, sample_rate_hz, semitones)
    y = eq(0.1 * y / max(float(np.max(np.abs(y))), 1e-9), sample_rate_hz, tilt_db, 0.0)   # headroom: eq clips
    y = y / max(float(np.max(np.abs(y))), 1e-9)
    return _out(np.tanh(drive * y), x)
