"""The feature cache of a data dir (stage 2): features and frame labels on one grid.

Kaldi form (`--feat-format ark`): feats.ark/feats.scp and labels.ark/labels.scp (int32 0/1).
HDF5 form (`--feat-format hdf5`): feats.h5 with groups /feats/<rec_id> and /labels/<rec_id>.
Both hold the same float32 (n_frames, dim) matrices.  Unlabelled sets have no labels.
`feats.yaml` is written last: format, feature config and a digest of the data dir's tables;
the cache is up to date when it matches.  `cmvn.json` holds the set's mean/variance stats.
Parallel jobs write parts under feats_parts/<nj>.<job>/ that merge_parts concatenates in
rec_id order, so the result is byte-identical whatever --nj was.
"""
from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path
from typing import Iterator

import numpy as np
import yaml
from tqdm import tqdm

from vadkit import config, io
from vadkit.config import FeatureConfig
from vadkit.data.datadir import load_data_dir, split_rec_ids
from vadkit.errors import InputError
from vadkit.features.grid import FrameGrid
from vadkit.features.norm import NormStats
from vadkit.features.extract import features_of_file

log = logging.getLogger(__name__)
FORMATS = ("ark", "hdf5")
MARKER = "feats.yaml"


def signature(data_dir: Path, cfg: FeatureConfig, fmt: str) -> dict:
    """What the cache depends on: format, feature config, and the data dir's tables."""
    h = hashlib.sha1()
    for name in ("wav.scp", "reco2dur", "rttm"):
        p = data_dir / name
        h.update(name.encode() + (p.read_bytes() if p.is_file() else b"-"))
    return {"format": fmt, "features": config.to_dict(cfg), "tables_sha1": h.hexdigest()}


def is_up_to_date(data_dir: str | Path, cfg: FeatureConfig, fmt: str) -> bool:
    marker = Path(data_dir) / MARKER
    if not marker.is_file():
        return False
    done = yaml.safe_load(marker.read_text()) or {}
    if isinstance(done.get("features"), dict):  # a cache made before a key was added has its default
        try:
            done["features"] = config.to_dict(config.from_dict(FeatureConfig, done["features"]))
        except InputError:
            return False
    return {k: done.get(k) for k in ("format", "features", "tables_sha1")} == signature(Path(data_dir), cfg, fmt)


class _Writer:
    """Features (+ labels) of many recordings into one ark pair or one HDF5 file."""

    def __init__(self, prefix: Path, fmt: str, labelled: bool):
        if fmt not in FORMATS:
            raise InputError(f"unknown feature format {fmt!r}; use one of {', '.join(FORMATS)}")
        self.fmt, self.labelled = fmt, labelled
        if fmt == "hdf5":
            self.h5 = io.H5Writer(prefix / "feats.h5")
        else:
            self.feats = io.ArkWriter(prefix / "feats.ark", prefix / "feats.scp")
            self.labels = io.ArkWriter(prefix / "labels.ark", prefix / "labels.scp") if labelled else None

    def write(self, rec_id: str, feats: np.ndarray, labels: np.ndarray | None) -> None:
        if self.fmt == "hdf5":
            self.h5.write("feats", rec_id, feats)
            if labels is not None:
                self.h5.write("labels", rec_id, labels.astype(np.int32))
        else:
            self.feats.write(rec_id, feats)
            if self.labels is not None:
                self.labels.write(rec_id, labels.astype(np.int32))

    def _all(self):
        return [self.h5] if self.fmt == "hdf5" else [w for w in (self.feats, self.labels) if w is not None]

    def close(self) -> None:
        for w in self._all():
            w.close()

    def abort(self) -> None:
        for w in self._all():
            w.abort()


def iter_cache(prefix: Path, fmt: str, rec_ids=None) -> Iterator[tuple[str, np.ndarray, np.ndarray | None]]:
    """(rec_id, feats, labels or None) from a cache written by _Writer, in rec_id order; only the
    recordings in `rec_ids` are read when it is given (a decode job reads just its part)."""
    wanted = None if rec_ids is None else set(rec_ids)
    if fmt == "hdf5":
        feats = io.read_h5(prefix / "feats.h5", "feats", wanted)
        labels = io.read_h5(prefix / "feats.h5", "labels", wanted)
    else:
        feats = io.read_scp(prefix / "feats.scp")  # lazy: arrays are read on access
        labels = io.read_scp(prefix / "labels.scp") if (prefix / "labels.scp").is_file() else None
    for rec_id in sorted(k for k in feats if wanted is None or k in wanted):
        yield rec_id, np.asarray(feats[rec_id]), None if labels is None else np.asarray(labels[rec_id])


def make_part(data_dir: str | Path, cfg: FeatureConfig, fmt: str, nj: int = 1, job: int = 1) -> None:
    """Compute features and frame labels for part `job` of `nj` of a data dir."""
    data_dir = Path(data_dir)
    if is_up_to_date(data_dir, cfg, fmt):
        log.info("%s: feature cache up to date, nothing to do", data_dir)
        return
    d = load_data_dir(data_dir)
    if d.feature_only:
        raise InputError(f"{data_dir}: a feature-only set (no wav.scp, features from .mat files) whose cache is "
                         f"stale or was deleted; re-run its data prep (stage 1) with --feat-format {fmt}")
    grid = FrameGrid.from_config(cfg)
    part = data_dir / "feats_parts" / f"{nj}.{job}"
    shutil.rmtree(part, ignore_errors=True)
    writer = _Writer(part, fmt, d.regions is not None)
    try:
        for rec_id in tqdm(split_rec_ids(d.rec_ids, nj, job), desc=f"feats {data_dir.name} {job}/{nj}",
                           mininterval=5):
            feats = features_of_file(d.wavs[rec_id], cfg)
            labels = None if d.regions is None else grid.labels(d.regions[rec_id], len(feats))
            writer.write(rec_id, feats, labels)
    except BaseException:
        writer.abort()
        raise
    writer.close()
    io.write_text(part / ".done", "")


def merge_parts(data_dir: str | Path, cfg: FeatureConfig, fmt: str, nj: int = 1) -> None:
    """Concatenate the nj parts into the set's cache, write cmvn.json, then the marker (last)."""
    data_dir = Path(data_dir)
    if is_up_to_date(data_dir, cfg, fmt):
        log.info("%s: feature cache up to date, nothing to do", data_dir)
        return
    parts = [data_dir / "feats_parts" / f"{nj}.{j}" for j in range(1, nj + 1)]
    missing = [str(p) for p in parts if not (p / ".done").is_file()]
    if missing:
        raise InputError(f"feature parts not finished: {', '.join(missing)}; re-run stage 2")
    write(data_dir, cfg, fmt, (item for p in parts for item in iter_cache(p, fmt)))
    shutil.rmtree(data_dir / "feats_parts", ignore_errors=True)


def write(data_dir: str | Path, cfg: FeatureConfig, fmt: str, items, source: dict | None = None) -> None:
    """Write a set's cache from (rec_id, feats (n, dim), labels (n,) or None) in rec_id order, then
    cmvn.json and the marker (last).  The data dir's tables must be final: the marker digests them.
    `source` records where features came from when not from the audio (e.g. the .mat lists)."""
    data_dir = Path(data_dir)
    (data_dir / MARKER).unlink(missing_ok=True)
    for stale in ("feats.h5", "feats.ark", "feats.scp", "labels.ark", "labels.scp"):  # e.g. the other format
        (data_dir / stale).unlink(missing_ok=True)
    labelled = (data_dir / "rttm").is_file()
    writer, ids = _Writer(data_dir, fmt, labelled), []

    def written():  # statistics accumulate as the recordings stream through: no set sits in memory
        for rec_id, feats, labels in items:
            writer.write(rec_id, feats, labels if labelled else None)
            ids.append(rec_id)
            yield feats
    try:
        stats = NormStats.accumulate(written())
    except BaseException:
        writer.abort()
        raise
    writer.close()
    n_recs, n_frames = len(ids), stats.n_frames
    io.write_json(data_dir / "cmvn.json", stats.to_dict())
    sig = signature(data_dir, cfg, fmt)
    extra = {"source": source} if source else {}
    io.write_text(data_dir / MARKER, yaml.safe_dump({**sig, "n_recordings": n_recs, "n_frames": n_frames, **extra},
                                                     sort_keys=False))
    log.info("%s: %d recordings, %d frames (%.1f min) cached as %s", data_dir, n_recs, n_frames,
             n_frames / 6000, fmt)


def load(data_dir: str | Path, require_labels: bool = True,
         rec_ids: list[str] | None = None) -> tuple[dict[str, np.ndarray], dict | None, dict]:
    """Load a set's cache (all of it, or only rec_ids):
    ({rec_id: feats (n, dim)}, {rec_id: labels (n,)} or None, marker dict)."""
    data_dir = Path(data_dir)
    marker = data_dir / MARKER
    if not marker.is_file():
        raise InputError(f"{data_dir}: no feature cache ({MARKER} missing); run stage 2 (features) first")
    info = yaml.safe_load(marker.read_text())
    feats, labels = {}, {}
    for rec_id, f, y in iter_cache(data_dir, info["format"], rec_ids):
        feats[rec_id] = f
        if y is not None:
            if len(y) != len(f):
                raise InputError(f"{data_dir}: {rec_id} has {len(f)} feature frames but {len(y)} labels; "
                                 "re-run stage 2 with --overwrite true")
            labels[rec_id] = y
    if require_labels and not labels:
        raise InputError(f"{data_dir}: no frame labels cached (no rttm in the data dir); this set cannot train "
                         "or be scored")
    return feats, (labels or None), info
