"""RTTM and Kaldi `segments`: the data-directory contract's label files (README, "Data directories").

One reader and one writer each, used by data prep (data dirs), decoding (hyp.rttm) and the VAD tool
(through vadkit.io.labels.write) alike, so the same regions give the same bytes wherever they are
written.  Times are written with millisecond precision: start and end are rounded once, an RTTM
duration is end - start in whole milliseconds, and regions rounding to zero length are not written.
"""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Iterator, Mapping

from vadkit.errors import InputError
from vadkit.intervals import Segments, merge_segments
from vadkit.io.files import read_text, write_text


def iter_rttm(path: str | os.PathLike) -> Iterator[tuple[int, str, float, float]]:
    """Yield (line_number, rec_id, start_s, end_s) for each SPEAKER line of an RTTM file.

    A malformed line (too few fields, non-numbers, negative start, duration <= 0) raises
    InputError naming the file and line.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    for lineno, line in enumerate(read_text(path).splitlines(), 1):
        f = line.split()
        if not f or f[0] != "SPEAKER":
            continue
        if len(f) < 5:
            raise InputError(f"{path}:{lineno}: RTTM SPEAKER line needs at least 5 fields: {line!r}")
        try:
            start, dur = float(f[3]), float(f[4])
        except ValueError:
            raise InputError(f"{path}:{lineno}: start/duration are not numbers: {line!r}") from None
        if not (math.isfinite(start) and math.isfinite(dur)) or start < 0 or dur <= 0:
            raise InputError(f"{path}:{lineno}: region {start:.3f}-{start + dur:.3f} s is invalid "
                             "(start must be >= 0 and duration > 0); fix the label export or drop the line")
        yield lineno, f[1], start, start + dur


def read_rttm(path: str | os.PathLike) -> dict[str, Segments]:
    """Read speech regions from an RTTM file: {rec_id: sorted, merged [(start_s, end_s)]}.

    Only SPEAKER lines count, whatever the speaker label: overlapping turns merge into one region.
    """
    regions: dict[str, Segments] = {}
    for _, rec_id, start, end in iter_rttm(path):
        regions.setdefault(rec_id, []).append((start, end))
    return {k: merge_segments(v) for k, v in regions.items()}


def _ms(x: float) -> int:
    """Seconds -> whole milliseconds, rounded exactly as `%.3f` prints them (the decimal nearest the float)."""
    return int(f"{x:.3f}".replace(".", ""))


def _ms_regions(regions: Mapping[str, Segments]) -> Iterator[tuple[str, float, float, int, int]]:
    """(rec_id, start_s, end_s, start_ms, end_ms) of each region, recordings in byte order, regions as given;
    a region that rounds to zero length (under half a millisecond) is dropped: it has no millisecond to write."""
    for rec_id in sorted(regions):
        for s, e in regions[rec_id]:
            s_ms, e_ms = _ms(s), _ms(e)
            if e_ms > s_ms:
                yield rec_id, s, e, s_ms, e_ms


def write_rttm(path: str | os.PathLike, regions: Mapping[str, Segments]) -> None:
    """The one RTTM writer: SPEAKER lines `SPEAKER <rec_id> 1 <start_s> <dur_s> <NA> <NA> speech <NA> <NA>`,
    recordings in byte order, regions as given.  Start and end are rounded to the millisecond (the contract's
    precision, `%.3f`) and the duration is their difference, so start + duration is the end `segments` writes;
    regions that round to zero length are not written."""
    lines = [f"SPEAKER {rec_id} 1 {s / 1000:.3f} {(e - s) / 1000:.3f} <NA> <NA> speech <NA> <NA>\n"
             for rec_id, _, _, s, e in _ms_regions(regions)]
    write_text(path, "".join(lines))


def write_segments(path: str | os.PathLike, regions: Mapping[str, Segments]) -> None:
    """The one Kaldi `segments` writer: `<seg_id> <rec_id> <start_s> <end_s>`, times `%.3f`, lines in
    byte order, regions rounding to zero length dropped (as write_rttm).  seg_id is
    `<rec_id>-<start_cs>-<end_cs>` (times in centiseconds, 7 digits); a region
    whose id is taken (two regions round to the same centiseconds) gets `-2`, `-3`, ... appended, so
    ids stay unique."""
    lines, taken = [], set()
    for rec_id, s, e, s_ms, e_ms in _ms_regions(regions):
        seg_id = base = f"{rec_id}-{round(s * 100):07d}-{round(e * 100):07d}"
        n = 1
        while seg_id in taken:
            n += 1
            seg_id = f"{base}-{n}"
        taken.add(seg_id)
        lines.append(f"{seg_id} {rec_id} {s_ms / 1000:.3f} {e_ms / 1000:.3f}\n")
    write_text(path, "".join(sorted(lines)))
