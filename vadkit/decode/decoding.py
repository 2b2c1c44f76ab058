"""Inference: load a trained model, frame speech probabilities for a data dir, hypothesis RTTM.

exp/<model>/decode_<set>/: probs.ark/probs.scp (float32 vector per rec_id) or probs.h5 (group
/probs), the same format as the set's feature cache; hyp.rttm (written last); decode.yaml (the
decode config, model and data it was made from).  Parallel jobs write parts under
decode_parts/<nj>.<job>/ that merge concatenates in rec_id order (identical for any --nj).

An ensemble (make_ensemble) is a model dir like any other: its final.pt holds every member's
weights and config, and decodes to the mean of the members' speech probabilities.
"""
from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import yaml

from vadkit import config, io
from vadkit.config import DecodeConfig, FeatureConfig
from vadkit.data.datadir import load_data_dir, split_rec_ids
from vadkit.decode.postprocess import probs_to_segments
from vadkit.errors import InputError
from vadkit.features import cache
from vadkit.features.grid import FrameGrid
from vadkit.models.checkpoint import TrainedModel

log = logging.getLogger(__name__)


def _signature(model_path: Path, data_dir: Path, cfg: DecodeConfig) -> dict:
    st = model_path.stat()
    return {"decode": config.to_dict(cfg), "model": str(model_path), "model_mtime_ns": st.st_mtime_ns,
            "model_bytes": st.st_size, "data": str(data_dir),
            "data_cache": (data_dir / cache.MARKER).read_text() if (data_dir / cache.MARKER).is_file()
            else None}


def is_up_to_date(model_dir: str | Path, data_dir: str | Path, decode_dir: str | Path, cfg: DecodeConfig) -> bool:
    decode_dir, model_path = Path(decode_dir), Path(model_dir) / "final.pt"
    if not ((decode_dir / "hyp.rttm").is_file() and (decode_dir / "decode.yaml").is_file() and model_path.is_file()):
        return False
    return yaml.safe_load((decode_dir / "decode.yaml").read_text()) == _signature(model_path, Path(data_dir), cfg)


def decode_part(model_dir: str, data_dir: str, decode_dir: str, cfg: DecodeConfig, nj: int = 1, job: int = 1) -> None:
    """Frame probabilities for part `job` of `nj` of a data dir, into decode_parts/<nj>.<job>/."""
    if is_up_to_date(model_dir, data_dir, decode_dir, cfg):
        log.info("%s: up to date, nothing to do", decode_dir)
        return
    model = TrainedModel(model_dir)
    feats, _, info = cache.load(data_dir, require_labels=False,
                                        rec_ids=split_rec_ids(load_data_dir(data_dir).rec_ids, nj, job))
    if config.from_dict(FeatureConfig, info["features"]) != model.feature_config:
        raise InputError(f"{data_dir}: features were cached with another config than {model.path} was trained "
                         "on; re-run stage 2 with that model's conf/features.yaml")
    ids = sorted(feats)
    probs = model.probs([feats[k] for k in ids])
    part = Path(decode_dir) / "decode_parts" / f"{nj}.{job}"
    with io.atomic_write(part / "probs.npz") as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **dict(zip(ids, probs)))
    log.info("%s: %d recordings decoded (job %d/%d)", decode_dir, len(ids), job, nj)


def merge(model_dir: str, data_dir: str, decode_dir: str, cfg: DecodeConfig, nj: int = 1) -> None:
    """Merge the parts into probs (ark or HDF5, as the feature cache) and write hyp.rttm last."""
    decode_dir, data_dir = Path(decode_dir), Path(data_dir)
    if is_up_to_date(model_dir, data_dir, decode_dir, cfg):
        return
    model_path = Path(model_dir) / "final.pt"
    info = yaml.safe_load((data_dir / cache.MARKER).read_text())
    grid = FrameGrid.from_config(config.from_dict(FeatureConfig, info["features"]))
    durs = load_data_dir(data_dir).durations_s
    (decode_dir / "hyp.rttm").unlink(missing_ok=True)
    probs: dict[str, np.ndarray] = {}
    for j in range(1, nj + 1):
        part = decode_dir / "decode_parts" / f"{nj}.{j}" / "probs.npz"
        if not part.is_file():
            raise InputError(f"{part}: decode job {j} of {nj} did not finish; re-run stage 4")
        with np.load(part) as z:
            probs.update({k: z[k] for k in z.files})
    write_probs(decode_dir, probs, info["format"])
    hyp = {k: probs_to_segments(probs[k], cfg, grid, durs[k]) for k in sorted(probs)}
    io.write_text(decode_dir / "decode.yaml", yaml.safe_dump(_signature(model_path, data_dir, cfg), sort_keys=False))
    io.write_rttm(decode_dir / "hyp.rttm", hyp)
    shutil.rmtree(decode_dir / "decode_parts", ignore_errors=True)
    speech = sum(e - s for v in hyp.values() for s, e in v)
    log.info("%s: %d recordings, %.1f min of speech hypothesised", decode_dir, len(hyp), speech / 60)


def write_probs(decode_dir: Path, probs: dict[str, np.ndarray], fmt: str) -> None:
    for stale in ("probs.h5", "probs.ark", "probs.scp"):  # a previous run in the other format
        (decode_dir / stale).unlink(missing_ok=True)
    if fmt == "hdf5":
        w = io.H5Writer(decode_dir / "probs.h5")
        for k in sorted(probs):
            w.write("probs", k, probs[k])
    else:
        w = io.ArkWriter(decode_dir / "probs.ark", decode_dir / "probs.scp")
        for k in sorted(probs):
            w.write(k, probs[k])
    w.close()


def read_probs(decode_dir: str | Path) -> dict[str, np.ndarray]:
    """{rec_id: (n_frames,) float32} from a decode dir, whichever format it holds."""
    decode_dir = Path(decode_dir)
    if (decode_dir / "probs.h5").is_file():
        return io.read_h5(decode_dir / "probs.h5", "probs") or {}
    return {k: np.asarray(v) for k, v in io.read_scp(decode_dir / "probs.scp").items()}
