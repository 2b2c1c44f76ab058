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
