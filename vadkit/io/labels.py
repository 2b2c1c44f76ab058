"""Speech labels in every format people keep them: read, write, detect.

| format     | what one line holds                                        | recordings per file |
|------------|------------------------------------------------------------|---------------------|
| `rttm`     | `SPEAKER <rec_id> 1 <start> <dur> ... <speaker> ...`       | many                |
| `segments` | Kaldi `<seg_id> <rec_id> <start> <end>`                     | many                |
| `voz`      | one 0/1 value per audio sample (the notebook's labels)     | one                 |
| `audacity` | Audacity label track: `<start>\\t<end>\\t<label>`            | one                 |
| `csv`/`tsv`| `<start>,<end>[,<label>]` (comma / tab), optional header   | one                 |
| `scv`      | TEN-style `<name>,<start>,<end>,<label>,<start>,<end>,...` | many                |

Times are seconds.  Readers return {rec_id: [Region(start_s, end_s, line)]} (one-recording formats
use the file's stem as rec_id); `line` lets later checks (e.g. a region beyond the audio) name the
line.  Which regions are speech: every RTTM turn and Kaldi segment; in label columns, any label
except the non-speech words in NON_SPEECH (`0`, `silence`, `noise`, ...); .voz value 1.
Overlaps: RTTM turns and Kaldi segments are per speaker or utterance, so overlaps (two people
talking) merge into one region; the other formats are one speech track, where an overlap means
a broken export and is an error naming the line.

Writing: one writer per format, used by the recipe (data dirs, hyp.rttm) and the VAD tool alike.
`rttm` and `segments` are the data-directory contract's formats (README, "Data directories"): their
readers and writers live in vadkit.io.rttm (times with millisecond precision); `write` calls them.
Audacity, csv/tsv and .scv keep microseconds (and .voz is per sample), so regions on sample
boundaries round-trip to the sample at any rate up to 1 MHz.
"""
from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Mapping, NamedTuple

import numpy as np

from vadkit import intervals
from vadkit.errors import InputError
from vadkit.io.files import read_text, write_text
from vadkit.io.rttm import iter_rttm, write_rttm, write_segments

FORMATS = ("rttm", "segments", "voz", "audacity", "csv", "tsv", "scv")
MULTI_RECORDING = ("rttm", "segments", "scv")
MERGES_OVERLAPS = ("rttm", "segments")
NON_SPEECH = frozenset({"0", "nonspeech", "non-speech", "non_speech", "ns", "silence", "sil", "noise",
                        "music", "false"})
_EXTENSIONS = {".rttm": "rttm", ".voz": "voz", ".scv": "scv", ".csv": "csv", ".tsv": "tsv"}


class Region(NamedTuple):
    start_s: float
    end_s: float
    line: int  # 1-based line of the label file it came from


Labels = dict[str, list[Region]]


# ---------------------------------------------------------------- detection
def detect_format(path: str | os.PathLike) -> str:
    """The label format of a file, from its name, else from its first label line."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: label file not found; fix the path")
    if path.suffix.lower() in _EXTENSIONS:
        return _EXTENSIONS[path.suffix.lower()]
    if path.name == "segments":
        return "segments"
    for lineno, line in _lines(path):
        if "start" in line.lower() and not _numbers(re.split(r"[,\s]+", line.strip())[:1]):
            continue  # a csv/tsv header
        fmt = _sniff(line)
        if fmt is None:
            raise InputError(f"{path}:{lineno}: cannot tell the label format from {line!r}; name it with "
                             f"--label-format ({', '.join(FORMATS)})")
        return fmt
    raise InputError(f"{path}: no labels in the file; fill it or remove it")


def _sniff(line: str) -> str | None:
    if line.startswith("SPEAKER "):
        return "rttm"
    tab, comma, ws = line.split("\t"), line.split(","), line.split()
    if len(ws) == 1 and ws[0] in ("0", "1", "0.0", "1.0"):
        return "voz"
    if len(tab) == 3 and _numbers(tab[:2]):
        return "audacity"
    if len(comma) >= 4 and (len(comma) - 1) % 3 == 0 and not _numbers(comma[:1]) and _numbers(comma[1:3]):
        return "scv"
    if len(ws) == 4 and not _numbers(ws[:1]) and _numbers(ws[2:]):
        return "segments"
    for parts, fmt in ((comma, "csv"), (tab, "tsv")):
        if len(parts) in (2, 3) and _numbers(parts[:2]):
            return fmt
    if len(ws) in (2, 3) and _numbers(ws[:2]):
        return "tsv"  # whitespace-separated columns read like tab-separated ones
    return None


def _numbers(fields) -> bool:
    try:
        [float(f) for f in fields]
    except ValueError:
        return False
    return True


def check_format(fmt: str, where: str = "--label-format") -> str:
    if fmt not in FORMATS:
        raise InputError(f"{where}: unknown label format {fmt!r}; use one of {', '.join(FORMATS)}")
    return fmt


# ---------------------------------------------------------------- reading
def read(path: str | os.PathLike, fmt: str | None = None, sample_rate_hz: int | None = None) -> Labels:
    """Read a label file ({rec_id: [Region]}, sorted by start); `fmt` None detects it.

    .voz needs `sample_rate_hz` (one value per sample).  Malformed lines raise InputError naming
    the file and line; overlaps merge or fail as the module docstring says.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: label file not found; fix the path")
    fmt = check_format(fmt) if fmt else detect_format(path)
    if fmt == "voz":
        if not sample_rate_hz:
            raise InputError(f"{path}: .voz labels are per sample: their audio's sample rate is needed")
        labels = {path.stem: voz_regions(read_voz(path), sample_rate_hz)}
    elif fmt == "rttm":
        labels = {}
        for lineno, rec_id, start, end in iter_rttm(path):
            labels.setdefault(rec_id, []).append(Region(start, end, lineno))
    else:
        labels = {"segments": _read_segments, "scv": _read_scv}.get(fmt, _read_columns)(path, fmt)
    out = {}
    for rec_id, regions in labels.items():
        regions = sorted(regions)
        if fmt not in MERGES_OVERLAPS:
            _check_no_overlap(path, regions)
        out[rec_id] = regions
    return out


def read_one(path: str | os.PathLike, rec_id: str, fmt: str | None = None,
             sample_rate_hz: int | None = None) -> list[Region]:
    """The regions of one recording: all of a one-recording file; of a multi-recording one, `rec_id`'s,
    or its only recording's whatever its id (an RTTM's id often differs from the file name)."""
    fmt = check_format(fmt) if fmt else detect_format(path)
    labels = read(path, fmt, sample_rate_hz)
    if fmt in MULTI_RECORDING and rec_id not in labels and len(labels) > 1:
        have = ", ".join(sorted(labels)[:5]) + (", ..." if len(labels) > 5 else "")
        raise InputError(f"{path}: no regions for recording {rec_id!r} (it has {have}); name the recording "
                         "as in the labels (--rec-id where offered)")
    if rec_id in labels:   # its own regions, even none (a recording labelled all non-speech)
        return labels[rec_id]
    return next(iter(labels.values()), [])


def why_no_speech(path: str | os.PathLike, rec_id: str, fmt: str) -> str:
    """Why label file `path` (format `fmt`) gives recording `rec_id` no speech region, for a warning: "empty",
    "no SPEAKER lines" (an RTTM of other lines), "no SPEAKER lines for <rec_id>", "no lines for <rec_id>"..."""
    lines = [line for _, line in _lines(Path(path))]
    if not lines:
        return "empty"
    if fmt == "rttm":
        speaker = [line.split() for line in lines if line.split()[0] == "SPEAKER"]
        return f"no SPEAKER lines for {rec_id}" if speaker else "no SPEAKER lines"
    return f"no lines for {rec_id}" if fmt in MULTI_RECORDING else "no speech regions"


def to_segments(regions: list[Region]) -> intervals.Segments:
    """[Region] -> sorted, merged [(start_s, end_s)]."""
    return intervals.merge_segments([(r.start_s, r.end_s) for r in regions])


def check_inside(path: str | os.PathLike, regions: list[Region], duration_s: float,
                 tolerance_s: float = 0.01) -> None:
    """Raise InputError naming the line of the first region ending beyond `duration_s` (+ tolerance)."""
    for r in regions:
        if r.end_s > duration_s + tolerance_s:
            raise InputError(f"{path}:{r.line}: region {r.start_s:.3f}-{r.end_s:.3f} s ends beyond the audio "
                             f"({duration_s:.3f} s); fix the labels or pair them with the right audio")


def _lines(path: Path):
    """(line number, stripped line) of non-empty, non-comment lines (io.files.read_text: UTF-8, a leading
    byte-order mark dropped, another encoding an error naming the line)."""
    for lineno, line in enumerate(read_text(path).splitlines(), 1):
        s = line.strip()
        if s and not s.startswith(("#", ";;")):
            yield lineno, line.rstrip("\r\n")


def _region(path: Path, lineno: int, start: str, end: str) -> Region:
    try:
        s, e = float(start), float(end)
    except ValueError:
        raise InputError(f"{path}:{lineno}: start/end {start!r} {end!r} are not numbers") from None
    if not (math.isfinite(s) and math.isfinite(e)) or s < 0 or e <= s:
        raise InputError(f"{path}:{lineno}: region {s:.3f}-{e:.3f} s is invalid (start must be >= 0 and end "
                         "after start); fix the label export or drop the line")
    return Region(s, e, lineno)


def _is_speech(label: str) -> bool:
    return label.strip().lower() not in NON_SPEECH


def _read_segments(path: Path, fmt: str) -> Labels:
    out: Labels = {}
    for lineno, line in _lines(path):
        f = line.split()
        if len(f) != 4:
            raise InputError(f"{path}:{lineno}: Kaldi segments lines are '<seg_id> <rec_id> <start> <end>', "
                             f"got {line!r}")
        out.setdefault(f[1], []).append(_region(path, lineno, f[2], f[3]))
    return out


def _read_columns(path: Path, fmt: str) -> Labels:
    """audacity, csv, tsv: start, end and an optional label per line; csv/tsv may have a header."""
    regions = []
    for lineno, line in _lines(path):
        if fmt == "audacity" and line.startswith("\\"):
            continue  # Audacity's spectral-selection line under a label: frequencies, not times
        f = [x.strip() for x in (line.split(",") if fmt == "csv" else
                                 line.split("\t") if "\t" in line else line.split())]
        if fmt != "audacity" and not regions and "start" in line.lower() and not _numbers(f[:1]):
            continue  # header
        if len(f) < 2 or len(f) > 3:
            raise InputError(f"{path}:{lineno}: expected start, end and an optional label ({fmt}), got {line!r}")
        r = _region(path, lineno, f[0], f[1])
        if len(f) < 3 or _is_speech(f[2]):
            regions.append(r)
    return {path.stem: regions}


def _read_scv(path: Path, fmt: str) -> Labels:
    out: Labels = {}
    for lineno, line in _lines(path):
        f = [x.strip() for x in line.split(",")]
        if len(f) < 4 or (len(f) - 1) % 3:
            raise InputError(f"{path}:{lineno}: .scv lines are 'name,start,end,label,start,end,label,...', "
                             f"got {len(f)} fields")
        regions = out.setdefault(f[0], [])
        for i in range(1, len(f), 3):
            if _is_speech(f[i + 2]):
                regions.append(_region(path, lineno, f[i], f[i + 1]))
            else:
                _region(path, lineno, f[i], f[i + 1])  # checked all the same
    return out


def _check_no_overlap(path: Path, regions: list[Region]) -> None:
    for prev, r in zip(regions, regions[1:]):
        if r.start_s < prev.end_s:
            raise InputError(f"{path}:{r.line}: region {r.start_s:.3f}-{r.end_s:.3f} s overlaps "
                             f"{prev.start_s:.3f}-{prev.end_s:.3f} s (line {prev.line}); one speech track "
                             "must not overlap itself: fix the export or merge the regions")


# ---------------------------------------------------------------- .voz
def read_voz(path: str | os.PathLike) -> np.ndarray:
    """One 0/1 label per sample, one per line (the notebook's np.loadtxt files): (n_samples,) int8.

    A value other than 0/1 raises InputError naming its line.
    """
    path = Path(path)
    try:
        y = np.loadtxt(path, ndmin=1)
    except (OSError, ValueError):
        y = None
    if y is None or y.ndim != 1 or not np.isin(y, (0, 1)).all():
        for lineno, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if line.strip() not in ("0", "1", "0.0", "1.0", "0.", "1.", ""):
                raise InputError(f"{path}:{lineno}: .voz holds one 0 or 1 per line (one per audio sample), "
                                 f"got {line.strip()!r}")
        raise InputError(f"{path}: cannot read .voz labels; one 0/1 value per line expected")
    return y.astype(np.int8)


def voz_regions(y: np.ndarray, sample_rate_hz: int) -> list[Region]:
    """Runs of 1 -> [Region(first_sample/sr, end_sample/sr, line of the first sample)]."""
    d = np.diff(np.concatenate([[0], y.astype(np.int8), [0]]))
    return [Region(a / sample_rate_hz, b / sample_rate_hz, int(a) + 1)
            for a, b in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1))]


def voz_from_segments(segments: intervals.Segments, n_samples: int, sample_rate_hz: int) -> np.ndarray:
    """[(start_s, end_s)] -> (n_samples,) int8 0/1, sample k speech when k/sr lies in [start, end)."""
    y = np.zeros(n_samples, dtype=np.int8)
    for s, e in segments:
        y[max(0, math.ceil(s * sample_rate_hz - 1e-6)):max(0, math.ceil(e * sample_rate_hz - 1e-6))] = 1
    return y


# ---------------------------------------------------------------- writing
def _t(x: float) -> str:
    return f"{x:.6f}".rstrip("0").rstrip(".") if x else "0"


def write(path: str | os.PathLike, segments: Mapping[str, intervals.Segments], fmt: str,
          n_samples: int | None = None, sample_rate_hz: int | None = None) -> None:
    """Write {rec_id: [(start_s, end_s)]} in `fmt`, atomically, the regions sorted and merged.  rttm and
    segments go through write_rttm / write_segments (the data dirs' writers); one-recording formats
    take one rec_id; .voz also needs the recording's n_samples and sample_rate_hz."""
    check_format(fmt, str(path))
    if fmt not in MULTI_RECORDING and len(segments) != 1:
        raise ValueError(f"{fmt} holds one recording, got {len(segments)}")
    ids = sorted(segments)
    segs = {k: intervals.merge_segments(segments[k]) for k in ids}
    if fmt == "voz":
        if n_samples is None or not sample_rate_hz:
            raise ValueError("writing .voz needs n_samples and sample_rate_hz")
        write_text(path, "".join("1\n" if v else "0\n" for v in voz_from_segments(segs[ids[0]], n_samples,
                                                                                     sample_rate_hz)))
        return
    if fmt == "rttm":
        return write_rttm(path, segs)
    if fmt == "segments":
        return write_segments(path, segs)
    lines = []
    for k in ids:
        if fmt == "scv":
            if not segs[k]:
                continue  # no speech: no line, as in rttm (a bare name is no .scv line)
            spans, t = [], 0.0
            for s, e in segs[k]:  # TEN-style: the whole timeline, non-speech gaps labelled 0
                spans += ([f"{_t(t)},{_t(s)},0"] if s > t else []) + [f"{_t(s)},{_t(e)},1"]
                t = e
            lines.append(",".join([k] + spans) + "\n")
        elif fmt == "audacity":
            lines += [f"{_t(s)}\t{_t(e)}\tspeech\n" for s, e in segs[k]]
        else:
            sep = "," if fmt == "csv" else "\t"
            lines = ["start" + sep + "end\n"] + [f"{_t(s)}{sep}{_t(e)}\n" for s, e in segs[k]]
    write_text(path, "".join(lines))
