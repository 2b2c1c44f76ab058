"""vadkit.eval.boundaries: onset/offset delays of hypothesis regions."""
from __future__ import annotations

import pytest

from vadkit.eval import boundaries

REF = [(1.0, 2.0), (4.0, 5.0), (7.0, 8.0), (10.0, 11.0)]
HYP = [(0.9, 2.2),                 # early onset -0.1 s, late offset +0.2 s
       (4.3, 4.5), (4.6, 5.1),     # split: onset from the first (+0.3 s), offset from the last (+0.1 s)
       (8.0, 9.0),                 # touches the end of (7, 8) only: no overlap, so (7, 8) is missed
       (10.05, 10.8),              # late onset, early offset
       (12.0, 13.0)]               # overlaps nothing


def test_early_late_split_missed_and_false_alarms():
    d = boundaries.match(REF, HYP)
    assert d.onsets_s == pytest.approx([-0.1, 0.3, 0.05])
    assert d.offsets_s == pytest.approx([0.2, 0.1, -0.2])
    assert (d.n_ref, d.missed, d.n_hyp, d.false_alarm_regions) == (4, 1, 6, 2)


def test_a_hypothesis_region_bridging_two_references_serves_both():
    d = boundaries.match([(1.0, 2.0), (3.0, 4.0)], [(1.1, 3.9)])
    assert d.onsets_s == pytest.approx([0.1, -1.9]) and d.offsets_s == pytest.approx([1.9, -0.1])
    assert (d.missed, d.false_alarm_regions) == (0, 0)


def test_pool_counts_recordings_on_one_side_only():
    d = boundaries.pool({"a": REF, "b": [(0.0, 1.0), (2.0, 3.0)]}, {"a": HYP, "c": [(0.0, 1.0)]})
    assert (d.n_ref, d.missed, d.n_hyp, d.false_alarm_regions) == (6, 3, 7, 3)
    assert len(d.onsets_s) == len(d.offsets_s) == 3
    empty = boundaries.pool({}, {})
    assert (empty.n_ref, empty.n_hyp, empty.onsets_s) == (0, 0, [])


def test_summary_in_ms():
    d = boundaries.Delays(onsets_s=[-0.1, 0.0, 0.1, 0.2, 0.3], offsets_s=[], n_ref=6, missed=1)
    s = boundaries.summary(d)
    assert (s["n_ref"], s["matched"], s["missed"]) == (6, 5, 1)
    # linear percentiles: p10 sits 0.4 of the way from -100 to 0, p90 0.6 of the way from 200 to 300
    assert s["onset"] == pytest.approx({"median": 100.0, "p10": -60.0, "p90": 260.0, "mean_abs": 140.0})
    assert s["offset"] == {"median": None, "p10": None, "p90": None, "mean_abs": None}
