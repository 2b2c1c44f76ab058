"""The data-directory contract (README, "Data directories"): load, validate, split, write.

A data dir holds `wav.scp` (<rec_id> <audio path>), `reco2dur` (<rec_id> <seconds>), and for
labelled sets `rttm` (reference speech regions) with its Kaldi `segments` view; `utt2spk` and
`spk2utt` (identity when speakers are unknown).  `orig.scp` (<rec_id> <audio path>) lists, for the
recordings data prep resampled, the same audio at its original rate: public VADs score that, as
their users run them (vadkit/bench/baselines.py).  `reco2file` (<rec_id> <file>), from folder data
prep, maps each id back to the audio file it was made from (ids: vadkit.names).  `reco2version`
(<rec_id> <version>), in a train set mixed K times (the mix corpus's train_versions), says which mixing
each recording belongs to: training reads one version per epoch.  Stage 2 adds the
feature cache (features.py).
A feature-only set (the notebook's .mat files: features without audio) has no wav.scp; its data
prep writes the feature cache, whose marker feats.yaml then says the set is complete.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from vadkit import intervals, io, names
from vadkit.errors import InputError

log = logging.getLogger(__name__)

ORIG_SCP = "orig.scp"
RECO2FILE = "reco2file"  # <rec_id> <the audio file data prep found>: from an id back to the user's file
RECO2VERSION = "reco2version"  # <rec_id> <version 0..K-1>: a train set mixed K times, one version per epoch
DUR_TOLERANCE_S = 0.01  # reco2dur and label ends may exceed the audio by less than one frame hop


@dataclass
class DataDir:
    path: Path
    wavs: dict[str, str]            # rec_id -> audio path
    durations_s: dict[str, float]   # rec_id -> duration
    regions: dict[str, intervals.Segments] | None  # rec_id -> speech regions; None when unlabelled
    originals: dict[str, str] = field(default_factory=dict)  # rec_id -> the audio at its original rate (orig.scp)

    @property
    def rec_ids(self) -> list[str]:
        return sorted(self.wavs or self.durations_s)

    @property
    def feature_only(self) -> bool:
        return not self.wavs


def load_data_dir(path: str | Path) -> DataDir:
    """Read a data dir's tables (no audio is opened; see validate_data_dir for the checks)."""
    path = Path(path)
    if not path.is_dir():
        raise InputError(f"{path}: data directory not found; run data preparation (stage 1) first")
    if not (path / "wav.scp").is_file() and (path / "feats.yaml").is_file():
        wavs = {}  # feature-only set
    else:
        wavs = {k: v[0].strip() for k, v in io.read_table(path / "wav.scp").items()}
    durs = {}
    for k, v in io.read_table(path / "reco2dur").items():
        try:
            durs[k] = float(v[0])
        except ValueError:
            raise InputError(f"{path / 'reco2dur'}: duration of {k!r} is not a number; re-run data prep") from None
    regions = None
    if (path / "rttm").is_file():
        regions = {k: [] for k in wavs}
        regions.update(io.read_rttm(path / "rttm"))
    originals = {}
    if (path / ORIG_SCP).is_file():
        originals = {k: v[0].strip() for k, v in io.read_table(path / ORIG_SCP).items()}
    return DataDir(path, wavs, durs, regions, originals)


def validate_data_dir(path: str | Path, sample_rate_hz: int | None = None, check_audio: bool = True) -> DataDir:
    """Check a data dir against the contract; raise InputError naming the first offending line.

    Checks ids (valid, unique), that every wav.scp entry is a plain path to an existing, complete,
    non-empty audio file at `sample_rate_hz`, that reco2dur covers the same ids and matches the
    audio, and that every rttm region names a known recording and lies inside its audio.
    """
    d = load_data_dir(path)
    wav_scp, reco2dur = d.path / "wav.scp", d.path / "reco2dur"
    if d.feature_only:
        return _validate_feature_only(d)
    if not d.wavs:
        raise InputError(f"{wav_scp}: no recordings listed")
    lines = {k: i for i, k in enumerate(io.read_table(wav_scp), 1)}
    if list(lines) != sorted(lines):
        raise InputError(f"{wav_scp}: not sorted by rec_id; write it with vadkit.io.write_table")
    for rec_id, wav in d.wavs.items():
        where = f"{wav_scp}:{lines[rec_id]}"
        if wav.endswith("|"):
            raise InputError(f"{where}: {wav!r} is a command pipe, not a path; convert the audio to files")
        if any(c.isspace() for c in wav):
            raise InputError(f"{where}: {wav!r} has white space, which a Kaldi table cannot hold; link or rename "
                             "the file (local/prepare_dir.py links such files for you)")
        if rec_id not in d.durations_s:
            raise InputError(f"{reco2dur}: no duration for {rec_id!r}; re-run data preparation")
        if not check_audio:
            continue
        if not Path(wav).is_file():
            raise InputError(f"{where}: audio file {wav} not found; fix the path or drop the line")
        rate, n = io.audio_info(wav)  # also refuses a truncated wav
        if n == 0:
            raise InputError(f"{where}: audio file {wav} is empty; re-export it or drop the line")
        if sample_rate_hz is not None and rate != sample_rate_hz:
            raise InputError(f"{where}: {wav} is at {rate} Hz, the recipe expects {sample_rate_hz} Hz; "
                             "resample it (data prep can) or set sample_rate_hz in conf/features.yaml")
        if abs(n / rate - d.durations_s[rec_id]) > DUR_TOLERANCE_S:
            raise InputError(f"{reco2dur}: {rec_id} says {d.durations_s[rec_id]:.3f} s but {wav} lasts "
                             f"{n / rate:.3f} s; re-run data preparation")
    extra = sorted(set(d.durations_s) - set(d.wavs))
    if extra:
        raise InputError(f"{reco2dur}: {extra[0]!r} is not in wav.scp; re-run data preparation")
    _check_regions(d, d.wavs, "wav.scp", "fix the labels or the audio")
    _check_originals(d, check_audio)
    _check_reco2file(d)
    read_versions(d.path, d.rec_ids)
    return d


def _check_reco2file(d: DataDir) -> None:
    """reco2file, when there, maps exactly the recordings of the set (the files need not exist any more:
    the recipe reads wav.scp's audio or the feature cache)."""
    path = d.path / RECO2FILE
    if not path.is_file():
        return
    ids, listed = set(io.read_table(path)), set(d.rec_ids)
    for what, rec_ids in (("is not in the set", ids - listed), ("has no line", listed - ids)):
        if rec_ids:
            raise InputError(f"{path}: recording {min(rec_ids)!r} {what}; re-run data preparation")


def read_versions(path: str | Path, rec_ids: Sequence[str]) -> dict[str, int] | None:
    """{rec_id: version} from a data dir's reco2version, None without one: every recording of `rec_ids` has
    exactly one whole version >= 0, and every version from 0 to the largest has recordings."""
    f = Path(path) / RECO2VERSION
    if not f.is_file():
        return None
    table = io.read_table(f)
    versions = {}
    for rec_id, (v,) in table.items():
        if not v.isdigit():
            raise InputError(f"{f}: {rec_id} has version {v!r}, not a whole number >= 0; re-run data preparation")
        versions[rec_id] = int(v)
    listed, known = set(versions), set(rec_ids)
    for what, ids in (("is not in the set", listed - known), ("has no line", known - listed)):
        if ids:
            raise InputError(f"{f}: recording {min(ids)!r} {what}; re-run data preparation")
    missing = sorted(set(range(max(versions.values(), default=-1) + 1)) - set(versions.values()))
    if missing:
        raise InputError(f"{f}: no recording has version {missing[0]} (versions run from 0 to the largest); "
                         "re-run data preparation")
    return versions


def _check_originals(d: DataDir, check_audio: bool) -> None:
    """orig.scp names recordings of wav.scp, with audio of the same length."""
    orig = d.path / ORIG_SCP
    for rec_id, path in d.originals.items():
        if rec_id not in d.wavs:
            raise InputError(f"{orig}: {rec_id!r} is not in wav.scp; re-run data preparation")
        if not check_audio:
            continue
        if not Path(path).is_file():
            raise InputError(f"{orig}: original audio {path} of {rec_id!r} not found; re-run data preparation")
        rate, n = io.audio_info(path)
        if abs(n / rate - d.durations_s[rec_id]) > DUR_TOLERANCE_S:
            raise InputError(f"{orig}: {path} lasts {n / rate:.3f} s but {rec_id!r} {d.durations_s[rec_id]:.3f} s; "
                             "re-run data preparation")


def _validate_feature_only(d: DataDir) -> DataDir:
    """A set without audio: reco2dur lists the recordings; rttm regions lie inside them."""
    if not d.durations_s:
        raise InputError(f"{d.path / 'reco2dur'}: no recordings listed; re-run data preparation")
    _check_regions(d, d.durations_s, "reco2dur", "re-run data preparation")
    _check_reco2file(d)
    return d


def _check_regions(d: DataDir, recordings, listed_in: str, fix: str) -> None:
    """Every rttm region names a listed recording and ends within it."""
    if d.regions is None:
        return
    rttm = d.path / "rttm"
    for lineno, rec_id, start, end in io.iter_rttm(rttm):
        if rec_id not in recordings:
            raise InputError(f"{rttm}:{lineno}: recording {rec_id!r} is not in {listed_in}; drop the line")
        if end > d.durations_s[rec_id] + DUR_TOLERANCE_S:
            raise InputError(f"{rttm}:{lineno}: region {start:.3f}-{end:.3f} s ends beyond the audio "
                             f"({d.durations_s[rec_id]:.3f} s); {fix}")


def check_out_dir(path: str | Path, what: str = "data dir") -> Path:
    """`path` as a Path; InputError if it, or the nearest of its parents that exists, is not a folder
    (checked before anything is written into it)."""
    path = Path(path)
    there = next((p for p in (path, *path.parents) if p.exists()), None)
    if there is not None and not there.is_dir():
        raise InputError(f"{there}: is a file, not a folder; the {what} {path} must be a folder: give a new or "
                         "existing folder (e.g. data/train), or move the file away")
    return path


def table_path(src: str | Path, out_dir: str | Path, rec_id: str) -> str:
    """An absolute path to `src` a Kaldi table can hold: its own, or a link out_dir/<rec_id><suffix> when
    its path has white space."""
    src = Path(src)
    if not any(c.isspace() for c in str(src.resolve())):
        return str(src.resolve())
    link = Path(out_dir) / f"{rec_id}{src.suffix.lower()}"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not (link.is_symlink() and link.resolve() == src.resolve()):
        link.unlink(missing_ok=True)
        link.symlink_to(src.resolve())
    return str(link.absolute())


def audio_at_rate(src: str | Path, sample_rate_hz: int, out_dir: str | Path, rec_id: str) -> str:
    """The path wav.scp should list for `src`: the file itself when it is at `sample_rate_hz` (table_path),
    else a 16-bit wav resampled once to out_dir/<rec_id>.wav (kept while newer than `src`).  Float samples
    beyond [-1, 1] are an InputError naming the peak (io.check_float_range), not clipped."""
    src, out = Path(src), Path(out_dir) / f"{rec_id}.wav"
    if any(c.isspace() for c in str(Path(out_dir).resolve())):
        raise InputError(f"{out_dir}: the data dir's path has white space, which wav.scp cannot hold; "
                         "write the data dir under a path without spaces")
    rate, _ = io.audio_info(src)
    io.check_float_range(src)
    if rate == sample_rate_hz:
        return table_path(src, out_dir, rec_id)
    if not (out.is_file() and out.stat().st_mtime >= src.stat().st_mtime and io.audio_info(out)[0] == sample_rate_hz):
        x, _ = io.read_audio(src, sample_rate_hz)
        io.write_wav(out, x, sample_rate_hz)
    return str(out.resolve())


def write_data_dir(path: str | Path, wavs: Mapping[str, str], regions: Mapping[str, intervals.Segments] | None,
                   speakers: Mapping[str, str] | None = None,
                   durations_s: Mapping[str, float] | None = None,
                   originals: Mapping[str, str] | None = None, files: Mapping[str, str] | None = None,
                   versions: Mapping[str, int] | None = None) -> None:
    """Write a data dir from {rec_id: audio path} and optional {rec_id: regions}.

    reco2dur comes from the audio headers; regions are clipped to the audio duration.  A
    feature-only set passes no wavs and its `durations_s` instead (no wav.scp is written; its
    data prep writes the feature cache next).  A stale rttm/segments of an earlier run is removed
    when `regions` is None, a stale orig.scp when no recording has an `originals` entry other than its wav.
    `files` ({rec_id: the audio file data prep found}) becomes reco2file; without it none is written.
    `versions` ({rec_id: train version}) becomes reco2version when more than one version is in it.
    """
    path = check_out_dir(path)
    path.mkdir(parents=True, exist_ok=True)
    (path / "wav.scp").unlink(missing_ok=True)  # rewritten last: the set is incomplete meanwhile
    durs = dict(durations_s or {})
    ids = list(wavs) or list(durs)
    for rec_id, wav in wavs.items():
        if not io.is_rec_id(rec_id):
            raise InputError(f"{wav}: recording id {rec_id!r} has characters other than {names.RULE}; rename it")
        rate, n = io.audio_info(wav)
        durs[rec_id] = n / rate
    spk = dict(speakers) if speakers else {k: k for k in ids}
    spk2utt: dict[str, list[str]] = {}
    for rec_id in sorted(spk):
        spk2utt.setdefault(spk[rec_id], []).append(rec_id)
    io.write_table(path / "reco2dur", {k: f"{v:.3f}" for k, v in durs.items()})
    io.write_table(path / "utt2spk", spk)
    io.write_table(path / "spk2utt", {k: " ".join(v) for k, v in spk2utt.items()})
    if regions is not None:
        clipped = {k: [(s, min(e, durs[k])) for s, e in regions.get(k, []) if s < durs[k]] for k in ids}
        io.write_rttm(path / "rttm", clipped)
        io.write_segments(path / "segments", clipped)
    else:
        for stale in ("rttm", "segments"):
            (path / stale).unlink(missing_ok=True)
    _write_reco2file(path / RECO2FILE, files or {})
    (path / RECO2VERSION).unlink(missing_ok=True)
    if versions and len(set(versions.values())) > 1:
        io.write_table(path / RECO2VERSION, {k: str(v) for k, v in versions.items()})
    originals = {k: v for k, v in (originals or {}).items() if k in wavs and v != wavs[k]}
    if originals:
        io.write_table(path / ORIG_SCP, originals)
    else:
        (path / ORIG_SCP).unlink(missing_ok=True)
    if wavs:
        io.write_table(path / "wav.scp", wavs)  # last: a data dir with wav.scp is complete


def _write_reco2file(path: Path, files: Mapping[str, str]) -> None:
    """{rec_id: file} as a table (a path may hold spaces, not line breaks), or no file when empty."""
    path.unlink(missing_ok=True)
    for f in files.values():
        if len(f"x{f}x".splitlines()) > 1:
            raise InputError(f"{f!r}: a line break in the file name, which a table line cannot hold; rename it")
    if files:
        io.write_table(path, files)


def split_rec_ids(rec_ids: Sequence[str], nj: int, job: int) -> list[str]:
    """The `job`-th (1-based) of `nj` contiguous parts of the sorted ids; recordings stay whole."""
    if not 1 <= job <= nj:
        raise InputError(f"job {job} is outside 1..{nj}")
    ids = sorted(rec_ids)
    if nj > len(ids):
        raise InputError(f"--nj {nj} is more than the {len(ids)} recordings; use --nj {len(ids)} or fewer")
    return [str(x) for x in np.array_split(np.array(ids, dtype=object), nj)[job - 1]]
