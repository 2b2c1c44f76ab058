"""Signal augmentations of the mix corpus (vadkit.augment): room response, G.711, telephone band, equaliser."""
from __future__ import annotations

import numpy as np
import pytest

from vadkit.corpora import augment


def _band_power(x: np.ndarray, sr: int, lo: float, hi: float) -> float:
    spec = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(len(x), 1 / sr)
    return float(spec[(f >= lo) & (f < hi)].sum())


def test_rir_direct_path_drr_and_decay():
    sr = 8000
    h = augment.rir(np.random.default_rng(0), sr, rt60_s=0.5, drr_db=6.0)
    assert h[0] == 1.0 and len(h) == 4000
    assert 10 * np.log10(1.0 / np.sum(h[1:] ** 2)) == pytest.approx(6.0, abs=1e-6)
    early, late = np.sum(h[1:400] ** 2), np.sum(h[-400:] ** 2)
    assert 10 * np.log10(early / late) > 40                      # ~60 dB over RT60
    assert np.array_equal(h, augment.rir(np.random.default_rng(0), sr, 0.5, 6.0))   # seeded


def test_reverberation_keeps_onset_length_and_peak():
    sr = 8000
    x = np.zeros(sr, np.float32)
    x[3000:3800] = np.sin(np.arange(800) * 0.3)
    y = augment.reverberate(x, augment.rir(np.random.default_rng(1), sr, 0.8, 0.0))
    assert len(y) == len(x) and np.max(np.abs(y)) == pytest.approx(np.max(np.abs(x)), rel=1e-5)
    assert np.max(np.abs(y[:3000])) < 1e-6                       # nothing before the direct path
    assert np.sqrt(np.mean(y[4000:5000] ** 2)) > 1e-3            # a tail after the burst


@pytest.mark.parametrize("codec", augment.CODECS)
def test_g711_round_trip_is_8_bit_and_close(codec):
    x = 0.5 * np.sin(np.linspace(0, 200, 8000))
    y = augment.mulaw(x) if codec == "mulaw" else augment.alaw(x)
    assert len(np.unique(y)) <= 256
    snr = 10 * np.log10(np.sum(x ** 2) / np.sum((x - y) ** 2))
    assert 30 < snr < 45                                          # companded 8-bit: ~38 dB, not lossless
    small = 0.001 * np.sin(np.linspace(0, 200, 8000))             # companding keeps quiet signals
    ys = augment.mulaw(small) if codec == "mulaw" else augment.alaw(small)
    assert 10 * np.log10(np.sum(small ** 2) / np.sum((small - ys) ** 2)) > 10


def test_telephone_band_limits_the_spectrum():
    sr = 16000
    x = (0.1 * np.random.default_rng(0).standard_normal(sr * 2)).astype(np.float32)
    y = augment.telephone(x, sr, "mulaw")
    assert len(y) == len(x)
    assert _band_power(y, sr, 1000, 2000) > 0.5 * _band_power(x, sr, 1000, 2000)
    assert _band_power(y, sr, 4500, 8000) < 1e-3 * _band_power(x, sr, 4500, 8000)
    assert _band_power(y, sr, 20, 150) < 0.05 * _band_power(x, sr, 20, 150)
    with pytest.raises(ValueError, match="codec"):
        augment.telephone(x, sr, "gsm")


def test_eq_tilt_and_gain():
    sr = 8000
    x = (0.05 * np.random.default_rng(0).standard_normal(sr)).astype(np.float32)
    up = augment.eq(x, sr, tilt_db=10.0, gain_db=0.0)
    ratio = lambda y: _band_power(y, sr, 3000, 4000) / _band_power(y, sr, 100, 300)  # noqa: E731
    assert ratio(up) > 5 * ratio(x)
    assert ratio(augment.eq(x, sr, -10.0, 0.0)) < ratio(x) / 5
    loud = augment.eq(x, sr, 0.0, 6.0)
    assert np.sqrt(np.mean(loud ** 2) / np.mean(x ** 2)) == pytest.approx(10 ** (6 / 20), rel=1e-3)
    assert np.max(np.abs(augment.eq(x * 15, sr, 0.0, 6.0))) <= 1.0   # clipped like a real channel


def test_speed_resamples_tempo_and_pitch():
    sr = 8000
    x = np.sin(2 * np.pi * 500 * np.arange(sr) / sr).astype(np.float32)
    y = augment.speed(x, 1.25)
    assert len(y) == pytest.approx(len(x) / 1.25, abs=2)
    f = np.fft.rfftfreq(len(y), 1 / sr)[np.argmax(np.abs(np.fft.rfft(y)))]
    assert f == pytest.approx(625, abs=5)                 # 500 Hz played 1.25x as fast
    assert np.array_equal(augment.speed(x, 1.0), x)


def test_lowpass_removes_the_band_above_the_cutoff():
    x = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
    y = augment.lowpass(x, 16000, 4000)
    assert _band_power(y, 16000, 5000, 8000) < 1e-3 * _band_power(x, 16000, 5000, 8000)
    assert _band_power(y, 16000, 100, 3000) > 0.9 * _band_power(x, 16000, 100, 3000)


# ---------------------------------------------------------------- voices
def _vowels(sr=16000, f0=120.0, formants=(500.0, 1500.0, 2500.0), seconds=2.0):
    """A voiced, syllable-modulated test signal: a pulse train at f0 through formant resonators."""
    from scipy.signal import lfilter
    n = int(sr * seconds)
    x = np.zeros(n)
    x[::int(round(sr / f0))] = 1.0
    for f in formants:   # two-pole resonators, 80 Hz bandwidth
        r = np.exp(-np.pi * 80.0 / sr)
        x = lfilter([1 - r], [1, -2 * r * np.cos(2 * np.pi * f / sr), r * r], x)
    x *= 0.55 + 0.45 * np.sin(2 * np.pi * 4.0 * np.arange(n) / sr)
    return (0.5 * x / np.max(np.abs(x))).astype(np.float32)


def _f0(x, sr=16000):
    """The lag (as a frequency) of the strongest autocorrelation peak from 60 to 400 Hz and its strength."""
    x = x[len(x) // 4: 3 * len(x) // 4].astype(np.float64)
    ac = np.correlate(x, x, "full")[len(x) - 1:]
    lags = np.arange(sr // 400, sr // 60)
    k = lags[np.argmax(ac[lags])]
    return sr / k, ac[k] / ac[0]


def _centroid(x, sr=16000):
    spec = np.abs(np.fft.rfft(x))
    return float(np.sum(np.fft.rfftfreq(len(x), 1 / sr) * spec) / np.sum(spec))


def _level_contour(x, hop=320):
    return 10 * np.log10(np.mean(x[:len(x) // hop * hop].reshape(-1, hop).astype(np.float64) ** 2, axis=1) + 1e-10)


def test_vtlp_moves_the_formants_and_keeps_the_pitch():
    x = _vowels()
    assert np.max(np.abs(augment.vtlp(x, 16000, 1.0) - x)) < 1e-3            # no warp: the signal back
    up, down = augment.vtlp(x, 16000, 1.15), augment.vtlp(x, 16000, 0.87)
    assert len(up) == len(down) == len(x) and np.max(np.abs(up)) == pytest.approx(np.max(np.abs(x)), rel=1e-5)
    assert _centroid(up) > 1.08 * _centroid(x) and _centroid(down) < 0.93 * _centroid(x)
    for y in (up, down):
        assert _f0(y)[0] == pytest.approx(_f0(x)[0], rel=0.02)
        assert np.corrcoef(_level_contour(x), _level_contour(y))[0, 1] > 0.95   # the timing holds: labels too


def test_pitch_shift_moves_the_pitch_and_keeps_the_formants():
    x = _vowels()
    y = augment.pitch_shift(x, 16000, 3.0)
    assert len(y) == len(x)
    assert _f0(y)[0] == pytest.approx(_f0(x)[0] * 2 ** (3 / 12), rel=0.03)
    assert _centroid(y) == pytest.approx(_centroid(x), rel=0.1)
    assert np.corrcoef(_level_contour(x), _level_contour(y))[0, 1] > 0.9


def test_whisper_removes_the_voicing_and_keeps_envelope_and_level():
    x = _vowels()
    y = augment.whisper(np.random.default_rng(0), x, 16000)
    assert len(y) == len(x) and np.array_equal(y, augment.whisper(np.random.default_rng(0), x, 16000))   # seeded
    assert _f0(x)[1] > 0.7 and _f0(y)[1] < 0.3                                 # periodic -> not periodic
    assert np.corrcoef(_level_contour(x), _level_contour(y))[0, 1] > 0.8
    assert _band_power(y, 16000, 0, 150) < 0.01 * _band_power(y, 16000, 150, 8000)   # high-passed
    assert _centroid(y) == pytest.approx(_centroid(x), rel=0.35)               # the formants stay roughly


def test_shout_raises_pitch_and_brightness_and_flattens_the_level():
    x = _vowels()
    y = augment.shout(x, 16000, semitones=4.0, tilt_db=12.0, drive=4.0)
    assert len(y) == len(x) and np.max(np.abs(y)) == pytest.approx(np.max(np.abs(x)), rel=1e-5)
    assert _f0(y)[0] == pytest.approx(_f0(x)[0] * 2 ** (4 / 12), rel=0.03)
    share = lambda s: _band_power(s, 16000, 2000, 8000) / _band_power(s, 16000, 0, 8000)   # noqa: E731
    assert share(y) > 1.5 * share(x)
    assert np.sqrt(np.mean(y.astype(np.float64) ** 2)) > 1.3 * np.sqrt(np.mean(x.astype(np.float64) ** 2))
