"""On-the-fly training levers of issue 15: graded targets for short pauses, gain and tilt on the features."""
from __future__ import annotations

import numpy as np
import pytest

from vadkit import config
from vadkit.config import FeatureConfig, TrainConfig
from vadkit.errors import InputError
from vadkit.features.extract import band_shift_direction, compute_features
from vadkit.features.norm import NormStats
from vadkit.train.augment import LevelAugment, graded_targets, graded_set

from builders import toy_recording


def test_graded_targets_grade_inner_pauses_by_length_only():
    y = np.array([0, 0, 1, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0], np.float32)
    t = graded_targets(y, gap_frames=5, peak=0.5)
    np.testing.assert_allclose(t[4], 0.5 * (1 - 1 / 5))        # 1-frame pause
    np.testing.assert_allclose(t[7:10], 0.5 * (1 - 3 / 5))     # 3-frame pause
    assert np.all(t[11:17] == 0)                               # 6 frames: not shorter than the gap
    assert np.all(t[:2] == 0) and np.all(t[18:] == 0)          # leading and trailing non-speech stay 0
    assert np.all(t[y == 1] == 1)
    assert np.array_equal(graded_targets(y, 0, 0.5), y)


@pytest.mark.badinput
def test_graded_set_uses_ms_and_is_off_by_default():
    y = [np.array([1, 1, 0, 0, 1], np.float32)]
    assert graded_set(y, TrainConfig(), FeatureConfig()) is y
    t = graded_set(y, TrainConfig(target_gap_ms=40, target_gap_peak=0.8), FeatureConfig())[0]
    np.testing.assert_allclose(t[2:4], 0.8 * (1 - 2 / 4))
    with pytest.raises(InputError, match="target_gap_peak"):
        config.from_dict(TrainConfig, {"target_gap_peak": 1.5})


@pytest.mark.parametrize("kind", ["mfcc", "logmel"])
def test_band_shift_direction_is_the_features_of_a_gain(kind):
    x, _ = toy_recording(np.random.default_rng(3), 4.0)
    cfg = FeatureConfig(kind=kind)
    gain_db = 12.0
    diff = compute_features(x * 10 ** (gain_db / 20), 8000, cfg) - compute_features(x, 8000, cfg)
    want = gain_db * band_shift_direction(cfg, np.ones(cfg.n_mels))
    np.testing.assert_allclose(np.median(diff, axis=0), want, atol=0.05)
    assert np.all(want[cfg.n_mfcc if kind == "mfcc" else cfg.n_mels:] == 0)   # deltas do not move


def test_level_augment_shifts_each_segment_by_its_own_gain():
    cfg = FeatureConfig()
    stats = NormStats(np.zeros(60), np.full(60, 2.0), 1)
    aug = LevelAugment(TrainConfig(gain_db_max=20), cfg, stats, 60)
    x = np.zeros((4, 10, 60), np.float32)
    y = aug(np.random.default_rng(0), x)
    assert aug.enabled and y.shape == x.shape and not np.allclose(y[0], y[1])
    assert np.allclose(y[:, 0], y[:, 9])                     # constant over a segment
    g = y[:, 0, 0] / (np.sqrt(cfg.n_mels) / 2.0)             # c0 moves by gain * sqrt(n_mels) (ortho DCT) / std
    assert np.all(np.abs(g) <= 20) and np.ptp(g) > 5
    np.testing.assert_allclose(y[:, :, 20:], 0)              # deltas untouched
    assert not LevelAugment(TrainConfig(), cfg, stats, 60).enabled
    per_file = LevelAugment(TrainConfig(gain_db_max=20, cmvn="file"), cfg, stats, 60)
    np.testing.assert_allclose(per_file(np.random.default_rng(0), x), 0)   # per-file CMVN removes a gain
