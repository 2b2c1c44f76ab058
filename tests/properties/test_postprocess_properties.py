"""Property tests of post-processing (frame probabilities -> speech segments) on drawn probabilities
and configs: what every output must satisfy, whatever the numbers."""
from itertools import pairwise

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from vadkit.config import DecodeConfig
from vadkit.decode.postprocess import clean_segments, decisions, probs_to_segments
from vadkit.features.grid import FrameGrid

SETTINGS = settings(max_examples=80, deadline=None)
GRID = FrameGrid(0.025, 0.010)
PROB = st.floats(0.0, 1.0, allow_nan=False, width=32)
PROBS = arrays(np.float32, st.integers(1, 400), elements=PROB)


@st.composite
def configs(draw, split=True):
    """A DecodeConfig; onset >= offset (hysteresis: leave speech at a lower prob than entering it)."""
    a, b = sorted(draw(st.lists(st.floats(0.01, 1.0), min_size=2, max_size=2)))
    hyst = draw(st.booleans())
    return DecodeConfig(threshold=draw(st.floats(0.01, 1.0)), onset=b if hyst else None, offset=a if hyst else None,
                        median_frames=draw(st.sampled_from([1, 3, 5, 11])),
                        min_speech_ms=draw(st.sampled_from([0.0, 30.0, 100.0, 250.0])),
                        min_silence_ms=draw(st.sampled_from([0.0, 20.0, 100.0, 400.0])),
                        pad_ms=draw(st.sampled_from([0.0, 5.0, 100.0, 300.0])),
                        max_speech_s=draw(st.sampled_from([None, 0.05, 0.3, 1.0])) if split else None)


def duration_of(n_frames: int) -> float:
    """The shortest audio giving n_frames frames."""
    return (n_frames - 1) * GRID.hop_s + GRID.win_s


@st.composite
def segment_lists(draw):
    """Sorted, disjoint, non-touching [(start_s, end_s)] in whole ms inside [0, 10 s]."""
    cuts = sorted(draw(st.sets(st.integers(0, 10_000), max_size=20)))
    return [(a / 1000, b / 1000) for a, b in zip(cuts[::2], cuts[1::2])]


def _covered(inner, outer) -> bool:
    return all(any(s2 <= s and e <= e2 for s2, e2 in outer) for s, e in inner)


@SETTINGS
@given(PROBS, configs())
def test_segments_sorted_disjoint_inside_the_audio(probs, cfg):
    dur = duration_of(len(probs))
    segs = probs_to_segments(probs, cfg, GRID, dur)
    for s, e in segs:
        assert 0.0 <= s < e <= dur + 1e-9, (s, e, dur)
    for (_, e1), (s2, _) in pairwise(segs):
        assert e1 < s2, segs


@SETTINGS
@given(st.integers(1, 400), configs())
def test_no_speech_where_every_probability_is_zero(n, cfg):
    assert probs_to_segments(np.zeros(n, np.float32), cfg, GRID, duration_of(n)) == []


@SETTINGS
@given(segment_lists(), configs(split=False))
def test_padding_and_bridging_never_shrink_a_kept_segment(segs, cfg):
    out = clean_segments(segs, cfg, duration_s=10.0)
    kept = [(s, e) for s, e in segs if e - s >= cfg.min_speech_ms / 1000]
    assert _covered(kept, out), (kept, out)


@SETTINGS
@given(segment_lists(), configs(split=False), st.floats(0, 500), st.floats(0, 500))
def test_more_padding_or_bridging_never_removes_speech(segs, cfg, more_pad_ms, more_silence_ms):
    base = clean_segments(segs, cfg, duration_s=10.0)
    for change in ({"pad_ms": cfg.pad_ms + more_pad_ms}, {"min_silence_ms": cfg.min_silence_ms + more_silence_ms}):
        wider = clean_segments(segs, DecodeConfig(**{**cfg.__dict__, **change}), duration_s=10.0)
        assert _covered(base, wider), (change, base, wider)


@SETTINGS
@given(PROBS, configs(split=False), st.floats(0.0, 0.5))
def test_a_higher_threshold_never_adds_speech_frames(probs, cfg, raise_by):
    higher = DecodeConfig(**{**cfg.__dict__, "threshold": min(1.0, cfg.threshold + raise_by),
                             "onset": None if cfg.onset is None else min(1.0, cfg.onset + raise_by),
                             "offset": None if cfg.offset is None else min(1.0, cfg.offset + raise_by)})
    assert (decisions(probs, higher) <= decisions(probs, cfg)).all()   # thresholds and median filter
    dur, n = duration_of(len(probs)), len(probs)
    low, high = (GRID.labels(probs_to_segments(probs, c, GRID, dur), n) for c in (cfg, higher))
    assert (high <= low).all()   # ... and after bridging, dropping and padding
