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

import logging
import shutil
from pathlib import Path
from typing import Iterator

import numpy as np
from tqdm import tqdm

from vadkit import config, io
from vadkit.io import arrays
from vadkit.config import FeatureConfig
from vadkit.data.datadir import load_data_dir, split_rec_ids
from vadkit.errors import InputError
from vadkit.features.grid import FrameGrid
from vadkit.features.norm import NormStats
from vadkit.features.extract import features_of_file

log = logging.getLogger(__name__)
FORMATS = arrays.FORMATS
MARKER = "feats.yaml"


def signature(data_dir: Path, cfg: FeatureConfig, fmt: str) -> dict:
    """What the cache depends on: format, feature config, and the data dir's tables."""
    return {"format": fmt, "features": config.to_dict(cfg),
            "tables_sha1": io.content_digest(data_dir / n for n in ("wav.scp", "reco2dur", "rttm"))}


def _upgrade(recorded: dict) -> dict:
    """A cache made before a feature-config key was added has its default."""
    return config.with_defaults(recorded, "features", FeatureConfig)


def is_up_to_date(data_dir: str | Path, cfg: FeatureConfig, fmt: str, source: dict | None = None) -> bool:
    """The cache matches the data dir and config (and, for features not computed from the audio, their
    `source`)."""
    sig = signature(Path(data_dir), cfg, fmt)
    return io.is_current(Path(data_dir) / MARKER, {**sig, "source": source} if source else sig, upgrade=_upgrade)


TABLES = ("feats", "labels")  # io.arrays: feats.ark/scp + labels.ark/scp, or feats.h5 /feats /labels


def iter_cache(prefix: Path, fmt: str, rec_ids=None) -> Iterator[tuple[str, np.ndarray, np.ndarray | None]]:
    """(rec_id, feats, labels or None) from a cache in `prefix`, in rec_id order; only the
    recordings in `rec_ids` are read when it is given (a decode job reads just its part)."""
    wanted = None if rec_ids is None else set(rec_ids)
    feats = arrays.read_table(prefix, fmt, TABLES, "feats", wanted)
    labels = arrays.read_table(prefix, fmt, TABLES, "labels", wanted)
    for rec_id in sorted(k for k in feats if wanted is None or k in wanted):
        yield rec_id, np.asarray(feats[rec_id]), None if labels is None else np.asarray(labels[rec_id])


def _tables(labelled: bool) -> tuple[str, ...]:
    return TABLES if labelled else TABLES[:1]


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
    with arrays.TableWriter(part, fmt, _tables(d.regions is not None)) as writer:
        for rec_id in tqdm(split_rec_ids(d.rec_ids, nj, job), desc=f"feats {data_dir.name} {job}/{nj}",
                           mininterval=5):
            feats = features_of_file(d.wavs[rec_id], cfg)
            writer.write("feats", rec_id, feats)
            if d.regions is not None:
                writer.write("labels", rec_id, grid.labels(d.regions[rec_id], len(feats)).astype(np.int32))
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
    arrays.remove_tables(data_dir, TABLES)  # e.g. a cache in the other format
    labelled = (data_dir / "rttm").is_file()
    ids = []

    def written(writer):  # statistics accumulate as the recordings stream through: no set sits in memory
        for rec_id, feats, labels in items:
            writer.write("feats", rec_id, feats)
            if labelled:
                writer.write("labels", rec_id, labels.astype(np.int32))
            ids.append(rec_id)
            yield feats
    with arrays.TableWriter(data_dir, fmt, _tables(labelled)) as writer:
        stats = NormStats.accumulate(written(writer))
    n_recs, n_frames = len(ids), stats.n_frames
    io.write_json(data_dir / "cmvn.json", stats.to_dict())
    extra = {"source": source} if source else {}
    io.write_stamp(data_dir / MARKER, signature(data_dir, cfg, fmt), n_recordings=n_recs, n_frames=n_frames, **extra)
    log.info("%s: %d recordings, %d frames (%.1f min) cached as %s", data_dir, n_recs, n_frames,
             n_frames / 6000, fmt)


def read_info(data_dir: str | Path) -> dict:
    """The cache's marker: format, feature config, counts; InputError when the set has no cache."""
    info = io.read_stamp(Path(data_dir) / MARKER)
    if info is None:
        raise InputError(f"{data_dir}: no feature cache ({MARKER} missing); run stage 2 (features) first: "
                         "it also fixes the frame grid every system is scored on")
    return info


def grid_of(info: dict, where: str = MARKER) -> FrameGrid:
    """The frame grid of a cache, from its marker (read_info)."""
    return FrameGrid.from_config(config.from_dict(FeatureConfig, info["features"], where))


def load(data_dir: str | Path, require_labels: bool = True,
         rec_ids: list[str] | None = None) -> tuple[dict[str, np.ndarray], dict | None, dict]:
    """Load a set's cache (all of it, or only rec_ids):
    ({rec_id: feats (n, dim)}, {rec_id: labels (n,)} or None, marker dict)."""
    data_dir = Path(data_dir)
    info = read_info(data_dir)
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
