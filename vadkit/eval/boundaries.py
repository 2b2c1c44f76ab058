"""Boundary delays: how early or late a hypothesis starts and ends each reference speech region.

Each reference region is matched to the hypothesis regions overlapping it (by more than zero seconds).
Its onset delay is the start of the first of them minus the reference start, its offset delay the end of
the last of them minus the reference end: negative is early, positive late.  A reference region no
hypothesis region overlaps is missed (counted, no delay); a hypothesis region overlapping no reference
region is a false-alarm region.  One hypothesis region bridging two reference regions serves both, so the
second gets an early onset and the first a late offset: what a listener waiting for the turn would hear.
Recordings are pooled (`pool`); `summary` gives count, missed, median, 10th/90th percentile and mean
|delay| in milliseconds.  `load` reads a decode dir's hyp.rttm against its data dir's rttm.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vadkit import io
from vadkit.errors import InputError
from vadkit.intervals import Segments


@dataclass
class Delays:
    """Pooled matches: onsets_s/offsets_s one per matched reference region (seconds, negative early)."""
    onsets_s: list[float] = field(default_factory=list)
    offsets_s: list[float] = field(default_factory=list)
    n_ref: int = 0
    missed: int = 0
    n_hyp: int = 0
    false_alarm_regions: int = 0

    def add(self, other: Delays) -> None:
        self.onsets_s += other.onsets_s
        self.offsets_s += other.offsets_s
        self.n_ref += other.n_ref
        self.missed += other.missed
        self.n_hyp += other.n_hyp
        self.false_alarm_regions += other.false_alarm_regions


def _overlapping(a: Segments, b: Segments) -> tuple[np.ndarray, np.ndarray]:
    """For each region of a: the index of the first and of the last region of b overlapping it
    (first > last: none).  Both sorted and non-overlapping, so b's starts and ends both increase."""
    a_arr, b_arr = np.asarray(a, np.float64).reshape(-1, 2), np.asarray(b, np.float64).reshape(-1, 2)
    first = np.searchsorted(b_arr[:, 1], a_arr[:, 0], side="right")    # first b ending after a starts
    last = np.searchsorted(b_arr[:, 0], a_arr[:, 1], side="left") - 1  # last b starting before a ends
    return first, last


def match(ref: Segments, hyp: Segments) -> Delays:
    """Delays of one recording.  ref, hyp: sorted, non-overlapping [(start_s, end_s)] (as read_rttm gives)."""
    first, last = _overlapping(ref, hyp)
    hit = first <= last
    d = Delays(n_ref=len(ref), missed=int((~hit).sum()), n_hyp=len(hyp))
    for (s, e), i, j in zip(np.asarray(ref, np.float64).reshape(-1, 2)[hit], first[hit], last[hit]):
        d.onsets_s.append(float(hyp[i][0] - s))
        d.offsets_s.append(float(hyp[j][1] - e))
    h_first, h_last = _overlapping(hyp, ref)
    d.false_alarm_regions = int((h_first > h_last).sum())
    return d


def pool(refs: Mapping[str, Segments], hyps: Mapping[str, Segments]) -> Delays:
    """Delays over every recording in refs or hyps (a recording missing from one side has no regions there)."""
    total = Delays()
    for rec_id in sorted(set(refs) | set(hyps)):
        total.add(match(refs.get(rec_id, []), hyps.get(rec_id, [])))
    return total


def _stats_ms(x_s: list[float]) -> dict:
    if not x_s:
        return {"median": None, "p10": None, "p90": None, "mean_abs": None}
    x = np.asarray(x_s) * 1000.0
    p10, med, p90 = np.percentile(x, [10, 50, 90])
    return {"median": float(med), "p10": float(p10), "p90": float(p90), "mean_abs": float(np.abs(x).mean())}


def summary(d: Delays) -> dict:
    """{"n_ref", "matched", "missed", "n_hyp", "false_alarm_regions", "onset": {...}, "offset": {...}}, where
    onset/offset hold median, p10, p90 (linear percentiles) and mean_abs in ms (None when nothing matched)."""
    return {"n_ref": d.n_ref, "matched": len(d.onsets_s), "missed": d.missed, "n_hyp": d.n_hyp,
            "false_alarm_regions": d.false_alarm_regions, "onset": _stats_ms(d.onsets_s),
            "offset": _stats_ms(d.offsets_s)}


def data_dir_of(decode_dir: str | Path) -> Path:
    """The data dir a decode dir was made from, by the recipe's naming: exp/<m>/decode_<set> -> data/<set>."""
    name = Path(decode_dir).name
    if not name.startswith("decode_") or name == "decode_":
        raise InputError(f"{decode_dir}: not named decode_<set>, so its reference cannot be inferred; "
                         "give --data <data dir>")
    return Path("data") / name.removeprefix("decode_")


def load(decode_dir: str | Path, data_dir: str | Path | None = None) -> Delays:
    """Delays of decode_dir/hyp.rttm against data_dir/rttm (default: data_dir_of(decode_dir)).  A hypothesis
    recording the data dir's reco2dur does not list is an error: the decode was made from another set."""
    decode_dir = Path(decode_dir)
    inferred = data_dir is None
    data_dir = data_dir_of(decode_dir) if inferred else Path(data_dir)
    hyp_path, ref_path = decode_dir / "hyp.rttm", data_dir / "rttm"
    if not hyp_path.is_file():
        raise InputError(f"{hyp_path}: not found; decode {data_dir} into {decode_dir} first (stage 4)")
    if not ref_path.is_file():
        how = f"inferred from {decode_dir.name}; give --data <data dir>" if inferred else "give a --data with labels"
        raise InputError(f"{ref_path}: not found, so no reference speech regions ({how})")
    refs, hyps = io.read_rttm(ref_path), io.read_rttm(hyp_path)
    listing = data_dir / "reco2dur"   # every recording of the set; the rttm lists only those with speech
    known, where = (set(io.read_table(listing)), listing) if listing.is_file() else (set(refs), ref_path)
    stray = sorted(set(hyps) - known)
    if stray:
        raise InputError(f"{hyp_path}: recording {stray[0]!r} is not in {where}; "
                         "give the --data this decode was made from")
    return pool(refs, hyps)
