"""Non-speech signal generators (pure numpy/scipy), for backgrounds and distractor events.

Every generator has the signature `gen(rng, n_samples, sample_rate_hz) -> (n_samples,) float32`, draws
all its randomness from `rng` (so a seeded Generator gives the same signal), and returns audio with
peak 0.5 (silence stays 0): callers set the level.  Nothing here is speech-like (no babble, no formant
sequences), because everything these make is labelled non-speech.

BED_GENERATORS: stationary sounds to put under a whole recording (noise, hum, engine).  Music (chords)
is an event only: as a bed under speech at -5 dB SNR it is beyond what a ~200-step LSTM learns.
EVENT_GENERATORS: short sounds to drop into pauses (tones, beeps, DTMF, chords, clicks, bursts, sweeps).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from scipy import signal

Generator = Callable[[np.random.Generator, int, int], np.ndarray]

_PEAK = 0.5


def _peak_normalize(x: np.ndarray) -> np.ndarray:
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    return (x * (_PEAK / peak) if peak > 0 else x).astype(np.float32)


def _spectral_noise(rng: np.random.Generator, n: int, sr: int, exponent: float) -> np.ndarray:
    """Gaussian noise with power spectrum ~ 1/f**exponent (0 white, 1 pink, 2 brown), flat below 20 Hz
    so brown noise does not drift like a random walk."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.maximum(np.fft.rfftfreq(n, 1.0 / sr), 20.0)
    return np.fft.irfft(spec / f ** (exponent / 2), n)


def fade(n: int, sr: int, fade_ms: float = 5.0) -> np.ndarray:
    """Raised-cosine fade in and out over fade_ms, so a gated sound does not click at its edges."""
    k = min(n // 2, max(1, int(sr * fade_ms / 1000)))
    env = np.ones(n)
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, k))
    env[:k], env[n - k:] = ramp, ramp[::-1]
    return env


def white(rng: np.random.Generator, n_samples: int, sample_rate_hz: int) -> np.ndarray:
    """Gaussian white noise."""
    return _peak_normalize(rng.standard_normal(n_samples))


def pink(rng: np.random.Generator, n_samples: int, sample_rate_hz: int) -> np.ndarray:
    """1/f noise (equal power per octave: rain, distant traffic, ventilation)."""
    return _peak_normalize(_spectral_noise(rng, n_samples, sample_rate_hz, 1.0))


def brown(rng: np.random.Generator, n_samples: int, sample_rate_hz: int) -> np.ndarray:
    """1/f^2 noise (rumble, wind on a microphone)."""
    return _peak_normalize(_spectral_noise(rng, n_samples, sample_rate_hz, 2.0))


def band(rng: np.random.Generator, n_samples: int, sample_rate_hz: int) -> np.ndarray:
    """White noise through a random band-pass (4th-order Butterworth): fans, hiss, machinery."""
    nyq = sample_rate_hz / 2
    lo = rng.uniform(50, 0.5 * nyq)
    hi = min(lo * rng.uniform(1.5, 6.0), 0.95 * nyq)
    sos = signal.butter(4, [lo, hi], btype="bandpass", fs=sample_rate_hz, output="sos")
    return _peak_normalize(signal.sosfilt(sos, rng.standard_normal(n_samples)))


def hum(rng: np.random.Generator, n_samples: int, sample_rate_hz: int) -> np.ndarray:
    """Mains hum: 50 or 60 Hz and its harmonics with random amplitudes, plus a little hiss."""
    f0 = 50.0 if rng.random() < 0.5 else 60.0
    t = np.arange(n_samples) / sample_rate_hz
    x = np.zeros(n_samples)
    for k in range(1, int(rng.integers(3, 12))):
        amp = rng.uniform(0.05, 1.0) / k ** rng.uniform(0.3, 1.5)
        if k * f0 < 0.45 * sample_rate_hz:
            x += amp * np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 2 * np.pi))
    x /= np.max(np.abs(x))
    return _peak_normalize(x + 0.02 * rng.standard_normal(n_samples))


def engine(rng: np.random.Generator, n_samples: int, sample_rate_hz: int) -> np.ndarray:
    """Engine/motor: low-passed noise amplitude-modulated at a firing rate of 8-60 Hz, slowly drifting."""
    sos = signal.butter(2, rng.uniform(150, 600), btype="lowpass", fs=sample_rate_hz, output="sos")
    rumble = signal.sosfilt(sos, rng.standard_normal(n_samples))
    t = np.arange(n_samples) / sample_rate_hz
    rate = rng.uniform(8, 60) * (1 + 0.1 * np.sin(2 * np.pi * rng.uniform(0.02, 0.2) * t))
    phase = 2 * np.pi * np.cumsum(rate) / sample_rate_hz
    return _peak_normalize(rumble * (1 + rng.uniform(0.3, 0.9) * np.sin(phase)))


def _harmonic_note(f0: float, n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    """A note of n samples: harmonics with 1/k^a amplitudes below 0.45 sr, decaying envelope."""
    t = np.arange(n) / sr
    a = rng.uniform(0.8, 2.0)
    x = sum(np.sin(2 * np.pi * k * f0 * t) / k ** a for k in range(1, 9) if k * f0 < 0.45 * sr)
    return x * np.exp(-t * rng.uniform(0.5, 6.0)) * fade(n, sr, 10.0)


def chords(rng: np.random.Generator, n_samples: int, sample_rate_hz: int) -> np.ndarray:
    """Music-like: a sequence of 2-4 note chords on the equal-tempered scale, 0.2-1.2 s each."""
    x = np.zeros(n_samples)
    start = 0
    while start < n_samples:
        n = min(int(rng.uniform(0.2, 1.2) * sample_rate_hz), n_samples - start)
        root = int(rng.integers(-21, 10))  # semitones from A4 = 440 Hz: ~123 Hz to ~784 Hz
        for step in rng.choice([0, 3, 4, 7, 10, 12], size=int(rng.integers(2, 5)), replace=False):
            f0 = 440.0 * 2 ** ((root + step) / 12)
            x[start:start + n] += rng.uniform(0.5, 1.0) * _harmonic_note(f0, n, sample_rate_hz, rng)
        start += n
    return _peak_normalize(x)


def tone(rng: np.random.Generator, n_samples: int, sample_rate_hz: int) -> np.ndarray:
    """A steady sine (dial tone, alarm, test signal) of 200 Hz to 0.4 x the sample rate."""
    f = rng.uniform(200, 0.4 * sample_rate_hz)
    t = np.arange(n_samples) / sample_rate_hz
    return _peak_normalize(np.sin(2 * np.pi * f * t) * fade(n_samples, sample_rate_hz))


def beeps(rng: np.random.Generator, n_samples: int, sample_rate_hz: int) -> np.ndarray:
    """Repeated beeps: one frequency, 50-300 ms on, 50-500 ms off."""
    f = rng.uniform(300, 0.4 * sample_rate_hz)
    on, off = (int(rng.uniform(a, b) * sample_rate_hz) for a, b in ((0.05, 0.3), (0.05, 0.5)))
    x = np.zeros(n_samples)
    for start in range(0, n_samples, on + off):
        n = min(on, n_samples - start)
        t = np.arange(n) / sample_rate_hz
        x[start:start + n] = np.sin(2 * np.pi * f * t) * fade(n, sample_rate_hz)
    return _peak_normalize(x)


_DTMF_ROWS_HZ = (697.0, 770.0, 852.0, 941.0)
_DTMF_COLS_HZ = (1209.0, 1336.0, 1477.0, 1633.0)


def dtmf(rng: np.random.Generator, n_samples: int, sample_rate_hz: int) -> np.ndarray:
    """Telephone keypad: dual tones (one row, one column frequency), 50-150 ms each, 50-100 ms apart."""
    x = np.zeros(n_samples)
    start = 0
    while start < n_samples:
        n = min(int(rng.uniform(0.05, 0.15) * sample_rate_hz), n_samples - start)
        t = np.arange(n) / sample_rate_hz
        fr, fc = _DTMF_ROWS_HZ[rng.integers(4)], _DTMF_COLS_HZ[rng.integers(4)]
        pair = np.sin(2 * np.pi * fr * t) + np.sin(2 * np.pi * fc * t)
        x[start:start + n] = pair * fade(n, sample_rate_hz)
        start += n + int(rng.uniform(0.05, 0.1) * sample_rate_hz)
    return _peak_normalize(x)


def clicks(rng: np.random.Generator, n_samples: int, sample_rate_hz: int) -> np.ndarray:
    """Clicks and ticks: 1-5 ms decaying noise impulses at 2-30 per second with jitter."""
    x = np.zeros(n_samples)
    rate_hz = rng.uniform(2, 30)
    decay = int(rng.uniform(0.001, 0.005) * sample_rate_hz) + 1
    t = rng.uniform(0, min(1 / rate_hz, 0.8 * n_samples / sample_rate_hz))  # at least one click
    while int(t * sample_rate_hz) < n_samples:
        k = int(t * sample_rate_hz)
        n = min(4 * decay, n_samples - k)
        x[k:k + n] += rng.uniform(0.3, 1.0) * rng.standard_normal(n) * np.exp(-np.arange(n) / decay)
        t += rng.exponential(1 / rate_hz)
    return _peak_normalize(x)


def burst(rng: np.random.Generator, n_samples: int, sample_rate_hz: int) -> np.ndarray:
    """A noise burst (door, rustle, wind gust): coloured noise with a fast attack and slower decay."""
    colour = BED_GENERATORS[("white", "pink", "brown", "band")[rng.integers(4)]]
    t = np.arange(n_samples) / max(n_samples, 1)
    attack = rng.uniform(0.01, 0.3)
    env = np.minimum(t / attack, 1.0) * np.exp(-np.maximum(t - attack, 0) * rng.uniform(1, 8))
    return _peak_normalize(colour(rng, n_samples, sample_rate_hz) * env)


def sweep(rng: np.random.Generator, n_samples: int, sample_rate_hz: int) -> np.ndarray:
    """A logarithmic sine sweep (sirens, modems, test signals), up or down."""
    f0, f1 = rng.uniform(100, 0.4 * sample_rate_hz, size=2)
    t = np.arange(n_samples) / sample_rate_hz
    duration_s = max(n_samples / sample_rate_hz, 1.0 / sample_rate_hz)
    x = signal.chirp(t, f0, duration_s, f1, method="logarithmic")
    return _peak_normalize(x * fade(n_samples, sample_rate_hz))


BED_GENERATORS: dict[str, Generator] = {
    "white": white, "pink": pink, "brown": brown, "band": band, "hum": hum, "engine": engine,
}
EVENT_GENERATORS: dict[str, Generator] = {
    "tone": tone, "beeps": beeps, "dtmf": dtmf, "chords": chords, "clicks": clicks, "burst": burst,
    "sweep": sweep,
}
