"""Non-speech signal generators (pure numpy/scipy), for backgrounds and distractor events.

Every generator has the signature `gen(rng, n_samples, sample_rate_hz) -> (n_samples,) float32`, draws
all its randomness from `rng` (so a seeded Generator gives the same signal), and returns audio with
peak 0.5 (silence stays 0): callers set the level.  Nothing here is speech-like (no babble, no formant
sequences), because everything these make is labelled non-speech.

BED_GENERATORS: stationary sounds to put under a whole recording (noise, hum, engine).  Music (chords)
is an event only: as a bed under speech at -5 dB SNR it is beyond what a ~200-step LSTM learns.
EVENT_GENERATORS: short sounds to drop into pauses (tones, beeps, DTMF, chords, clicks, bursts, sweeps).
`crackle`: creaks and crackle for the mix corpus's train set (`synth_crackle_prob`), in no list above, so the
built-in corpus and the procedural events stay as they were.
MUSIC_GENERATORS: instrument music for the mix corpus's train set (`synth_music_prob`): melodies of plucked,
struck or bowed notes over chords, with or without drums.  Voiced speech and music share harmonic spectra with
onsets a few per second; a VAD that heard only a few recordings of music calls much of it speech.
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


def crackle(rng: np.random.Generator, n_samples: int, sample_rate_hz: int) -> np.ndarray:
    """Creaks and crackle (a hull or a chair creaking, paper, a door): bursts of 0.2-1.2 s, 0.1-2 s apart, each
    dense irregular impulses (100-1500 per second, over 20 dB of sizes) through 1-3 fixed resonances, rising
    and falling like a syllable.  Broadband with onsets a few per second, as speech, but no pitch and no formant
    movement: the kind of sound (the mix corpus's dev "boat" recording) our networks called speech."""
    sr = sample_rate_hz
    x = np.zeros(n_samples)
    start = int(rng.uniform(0, 0.3) * sr) if n_samples > sr else 0
    while start < n_samples:
        n = min(int(rng.uniform(0.2, 1.2) * sr), n_samples - start)
        impulses = np.zeros(n)
        k = max(1, rng.poisson(rng.uniform(100, 1500) * n / sr))
        np.add.at(impulses, rng.integers(0, n, size=k), 10 ** rng.uniform(-1, 0, size=k) * rng.choice([-1, 1], size=k))
        y = impulses * rng.uniform(0.1, 0.5)                                  # the dry clicks
        for _ in range(int(rng.integers(1, 4))):                              # the body's resonances
            b, a = signal.iirpeak(rng.uniform(200, 0.4 * sr), rng.uniform(2, 10), fs=sr)
            y += signal.lfilter(b, a, impulses) * rng.uniform(0.5, 2.0)
        rise = rng.uniform(0.1, 0.5)                                          # share of the burst spent rising
        u = np.arange(n) / max(n, 1)
        env = np.where(u < rise, u / rise, np.maximum(1 - (u - rise) / (1 - rise), 0)) ** rng.uniform(0.5, 2)
        x[start:start + n] += y * env
        start += n + int(rng.uniform(0.1, 2.0) * sr)
    return _peak_normalize(x)


def sweep(rng: np.random.Generator, n_samples: int, sample_rate_hz: int) -> np.ndarray:
    """A logarithmic sine sweep (sirens, modems, test signals), up or down."""
    f0, f1 = rng.uniform(100, 0.4 * sample_rate_hz, size=2)
    t = np.arange(n_samples) / sample_rate_hz
    duration_s = max(n_samples / sample_rate_hz, 1.0 / sample_rate_hz)
    x = signal.chirp(t, f0, duration_s, f1, method="logarithmic")
    return _peak_normalize(x * fade(n_samples, sample_rate_hz))


# ---------------------------------------------------------------- instrument music
def _plucked(f0: float, n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    """A plucked string (Karplus-Strong): a noise burst one period long, recirculated through a two-point mean.

    The loop runs a period at a time (each period depends only on the one before), so it is vectorised."""
    period = max(2, int(round(sr / f0)))
    decay = rng.uniform(0.990, 0.999)
    blocks = [rng.uniform(-1, 1, period)]
    while len(blocks) * period < n + 1:
        prev = blocks[-1]
        blocks.append(decay * 0.5 * (prev + np.concatenate(([prev[-1]], prev[:-1]))))
    return np.concatenate(blocks)[:n] * fade(n, sr, 5.0)


def _struck(f0: float, n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    """A struck string (piano-like): slightly stretched partials, the higher ones dying sooner, a sharp attack."""
    t = np.arange(n) / sr
    stretch = rng.uniform(0.0, 4e-4)
    decay = rng.uniform(1.0, 4.0)
    x = np.zeros(n)
    for k in range(1, 16):
        fk = k * f0 * np.sqrt(1 + stretch * k * k)
        if fk >= 0.45 * sr:
            break
        x += np.sin(2 * np.pi * fk * t + rng.uniform(0, 2 * np.pi)) / k * np.exp(-t * decay * (1 + 0.3 * k))
    return x * np.minimum(t * sr / max(1.0, 0.002 * sr), 1.0) * fade(n, sr, 10.0)


def _bowed(f0: float, n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    """A bowed or blown note (violin, flute, organ): sustained harmonics with vibrato, soft attack and release."""
    t = np.arange(n) / sr
    vibrato = 1 + rng.uniform(0.0, 0.01) * np.sin(2 * np.pi * rng.uniform(4.5, 6.5) * t)
    phase = 2 * np.pi * np.cumsum(f0 * vibrato) / sr
    tilt = rng.uniform(0.7, 2.0)
    odd_only = rng.random() < 0.3                    # clarinet-like
    x = sum(np.sin(k * phase) / k ** tilt for k in range(1, 12, 2 if odd_only else 1) if k * f0 < 0.45 * sr)
    return x * fade(n, sr, rng.uniform(20.0, 80.0))


_INSTRUMENTS = (_plucked, _struck, _bowed)
_SCALES = ((0, 2, 4, 5, 7, 9, 11), (0, 2, 3, 5, 7, 8, 10), (0, 2, 4, 7, 9), (0, 3, 5, 7, 10))


def _drums(rng: np.random.Generator, n_samples: int, sr: int, beat: int) -> np.ndarray:
    """Kick, snare and hi-hat on a beat grid (`beat` samples per beat), with a few hits left out."""
    x = np.zeros(n_samples)
    t = np.arange(int(0.4 * sr)) / sr
    kick = np.sin(2 * np.pi * np.cumsum(50 + 100 * np.exp(-t * 30)) / sr) * np.exp(-t * 12)
    snare = rng.standard_normal(t.size) * np.exp(-t * 25) + 0.5 * np.sin(2 * np.pi * 190 * t) * np.exp(-t * 30)
    hat = signal.sosfilt(signal.butter(4, min(7000.0, 0.4 * sr), btype="highpass", fs=sr, output="sos"),
                         rng.standard_normal(t.size)) * np.exp(-t * 80)
    for i, start in enumerate(range(0, n_samples, beat // 2)):
        hits = [(hat, 0.3)] + ([(kick, 1.0)] if i % 4 == 0 else []) + ([(snare, 0.7)] if i % 4 == 2 else [])
        for sound, gain in hits:
            if rng.random() < 0.9:
                k = min(sound.size, n_samples - start)
                x[start:start + k] += gain * sound[:k]
    return x


def melody(rng: np.random.Generator, n_samples: int, sample_rate_hz: int) -> np.ndarray:
    """Instrument music: a melody of one instrument (plucked, struck or bowed) on a random scale and tempo,
    notes of 1/4 to 2 beats, over held chords of another one, and drums in a third of the pieces."""
    sr = sample_rate_hz
    beat = int(sr * 60 / rng.uniform(60, 180))
    key = int(rng.integers(-24, 0))                  # semitones from A4: the melody's lowest note 55-415 Hz
    scale = _SCALES[rng.integers(len(_SCALES))]
    lead, accomp = (_INSTRUMENTS[i] for i in rng.integers(len(_INSTRUMENTS), size=2))
    x = np.zeros(n_samples)
    start, degree = 0, int(rng.integers(len(scale)))
    while start < n_samples:                         # the melody: mostly steps, some leaps
        n = min(int(beat * rng.choice([0.25, 0.5, 0.5, 1, 1, 1.5, 2])), n_samples - start)
        degree = int(np.clip(degree + rng.choice([-2, -1, -1, 0, 1, 1, 2, 4, -4]), 0, 2 * len(scale) - 1))
        semis = key + 12 * (degree // len(scale)) + scale[degree % len(scale)]
        if n > 8 and rng.random() < 0.9:             # a few rests
            x[start:start + n] += lead(440.0 * 2 ** (semis / 12), n, sr, rng)
        start += n
    if rng.random() < 0.7:                           # chords, one per bar of 2-4 beats, 6-15 dB under the melody
        chord = np.zeros(n_samples)
        start = 0
        while start < n_samples:
            n = min(beat * int(rng.integers(2, 5)), n_samples - start)
            root = key - 12 + scale[rng.integers(len(scale))]
            for step in (0, 4 if rng.random() < 0.5 else 3, 7):
                chord[start:start + n] += accomp(440.0 * 2 ** ((root + step) / 12), n, sr, rng)
            start += n
        x += chord * (np.std(x) + 1e-9) / (np.std(chord) + 1e-9) * 10 ** (-rng.uniform(6, 15) / 20)
    if rng.random() < 0.33:
        drums = _drums(rng, n_samples, sr, beat)
        x += drums * (np.std(x) + 1e-9) / (np.std(drums) + 1e-9) * 10 ** (-rng.uniform(0, 10) / 20)
    return _peak_normalize(x)


BED_GENERATORS: dict[str, Generator] = {
    "white": white, "pink": pink, "brown": brown, "band": band, "hum": hum, "engine": engine,
}
EVENT_GENERATORS: dict[str, Generator] = {
    "tone": tone, "beeps": beeps, "dtmf": dtmf, "chords": chords, "clicks": clicks, "burst": burst,
    "sweep": sweep,
}
MUSIC_GENERATORS: dict[str, Generator] = {"melody": melody}
