import re

import numpy as np
import pytest

from vadkit.config import DecodeConfig
from vadkit.decode.postprocess import clean_segments, decisions, hysteresis, onset_offset, probs_to_segments
from vadkit.features.grid import FrameGrid

GRID = FrameGrid(0.025, 0.010)


def test_threshold_and_hysteresis():
    p = np.array([0.1, 0.6, 0.45, 0.35, 0.7, 0.2])
    assert hysteresis(p, 0.5, 0.5).tolist() == [0, 1, 0, 0, 1, 0]
    assert hysteresis(p, 0.5, 0.4).tolist() == [0, 1, 1, 0, 1, 0]


def test_hysteresis_in_pieces_with_the_state_carried_equals_the_whole():
    p = np.random.default_rng(0).random(500).astype(np.float32)
    for onset, offset in ((0.6, 0.3), (0.5, 0.5)):
        whole, pieces, active = hysteresis(p, onset, offset), [], False
        for a, b in ((0, 1), (1, 77), (77, 77), (77, 300), (300, 500)):
            pieces.append(hysteresis(p[a:b], onset, offset, active))
            active = bool(pieces[-1][-1]) if b > a else active
        assert np.concatenate(pieces).tolist() == whole.tolist()
    assert hysteresis(np.array([0.4, 0.35, 0.2]), 0.5, 0.3, active=True).tolist() == [1, 1, 0]
    assert onset_offset(DecodeConfig(threshold=0.4, onset=0.6)) == (0.6, 0.4)   # one rule for offline and streams


def _hysteresis_by_frames(p, onset, offset, active=False):
    """The state machine frame by frame: the definition the vectorised hysteresis must equal."""
    out = []
    for x in p:
        active = x >= offset if active else x >= onset
        out.append(int(active))
    return out


@pytest.mark.parametrize("seed", range(5))
def test_hysteresis_equals_the_frame_by_frame_state_machine(seed):
    rng = np.random.default_rng(seed)
    p = np.round(rng.random(400), 2)            # ties with onset and offset included
    for onset, offset in ((0.6, 0.3), (0.5, 0.49), (0.9, 0.1), (0.3, 0.3)):
        for active in (False, True):
            assert hysteresis(p, onset, offset, active).tolist() == _hysteresis_by_frames(p, onset, offset, active)
    assert hysteresis(np.zeros(0), 0.6, 0.3, True).tolist() == []


def test_median_removes_single_frame_flips():
    p = np.array([0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 1], dtype=float)
    assert decisions(p, DecodeConfig(median_frames=3)).tolist() == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]


def test_clean_segments_bridges_drops_pads():
    segs = [(1.0, 2.0), (2.05, 3.0), (5.0, 5.03), (6.0, 7.0)]
    cfg = DecodeConfig(min_silence_ms=100, min_speech_ms=50, pad_ms=200)
    assert clean_segments(segs, cfg, duration_s=7.1) == [(0.8, 3.2), (5.8, 7.1)]


def test_probs_to_segments_on_the_grid():
    p = np.zeros(100)
    p[10:30] = 0.9
    segs = probs_to_segments(p, DecodeConfig(), GRID)
    assert segs == [(0.1075, 0.3075)]
    assert GRID.labels(segs, 100).tolist() == (p > 0.5).astype(int).tolist()


def test_long_regions_split_at_least_speech_like_frame():
    p = np.full(1000, 0.9)
    p[450] = 0.6   # the dip to split at: inside the allowed middle part
    p[20] = 0.55   # lower, but within max_s/2 of the start: never a split point
    cfg = DecodeConfig(threshold=0.5, max_speech_s=8.0)
    segs = probs_to_segments(p, cfg, GRID)
    assert segs == [(0.0075, 4.5075), (4.5175, 10.0075)]
    # every piece <= max_s and >= max_s/2, recursively
    cfg = DecodeConfig(threshold=0.5, max_speech_s=2.0)
    segs = probs_to_segments(np.random.default_rng(0).uniform(0.6, 1.0, 1000), cfg, GRID)
    assert all(1.0 - 1e-9 <= e - s <= 2.0 + 1e-9 for s, e in segs) and len(segs) >= 5
    assert probs_to_segments(p, DecodeConfig(threshold=0.5), GRID) == [(0.0075, 10.0075)]


@pytest.mark.badinput
@pytest.mark.parametrize("changes,message", [
    ({"threshold": 2}, "threshold must be a probability in [0, 1], not 2"),
    ({"onset": -0.1}, "onset must be a probability"),
    ({"median_frames": 4}, "median_frames must be an odd number of frames >= 1"),
    ({"median_frames": 0}, "median_frames must be an odd number"),
    ({"min_silence_ms": -1}, "min_silence_ms must be >= 0 ms"),
    ({"pad_ms": -5}, "pad_ms must be >= 0 ms"),
    ({"max_speech_s": 0.01}, "max_speech_s must be null or >= 0.05 s"),
    ({"threshold": 0.1, "offset": 0.8}, "offset (0.8) must not exceed onset (0.1"),   # decisions would flicker
    ({"onset": 0.3, "offset": 0.6}, "offset (0.6) must not exceed onset (0.3"),
])
def test_post_processing_values_out_of_range_are_refused(tmp_path, changes, message):
    """Issue 17: --threshold 2, --median-frames 4 and negative lengths were accepted (silently wrong)."""
    import yaml

    from vadkit import config
    from vadkit.errors import InputError
    with pytest.raises(ValueError, match=re.escape(message)):
        DecodeConfig(**changes)
    (tmp_path / "d.yaml").write_text(yaml.safe_dump(changes))
    with pytest.raises(InputError, match=re.escape(f"d.yaml: {message}")):
        config.load(tmp_path / "d.yaml", DecodeConfig)
