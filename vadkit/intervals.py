"""Region arithmetic: speech regions as sorted (start_s, end_s) pairs in seconds.

Pure functions of lists, used by every label format, the corpora and post-processing.
"""
from __future__ import annotations

from typing import Sequence

Segments = list[tuple[float, float]]


def merge_segments(segs: Sequence[tuple[float, float]]) -> Segments:
    """Sort and merge overlapping or touching regions."""
    out: Segments = []
    for s, e in sorted(segs):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((float(s), float(e)))
    return out


def fill_gaps(segments: Segments, max_gap_s: float) -> Segments:
    """Sorted regions with every gap shorter than max_gap_s between two of them filled."""
    out: Segments = []
    for s, e in segments:
        if out and s - out[-1][1] < max_gap_s:
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def speech_seconds(segments: Segments) -> float:
    """Total length of the regions, seconds."""
    return float(sum(e - s for s, e in segments))
