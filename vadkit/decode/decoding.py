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

from vadkit import config, io
from vadkit.io import arrays
from vadkit.config import DecodeConfig, FeatureConfig
from vadkit.data.datadir import load_data_dir, split_rec_ids
from vadkit.decode.postprocess import bridge_recording, probs_to_segments
from vadkit.errors import InputError
from vadkit.features import cache
from vadkit.features.extract import model_columns

log = logging.getLogger(__name__)


def _signature(model_path: Path, data_dir: Path, cfg: DecodeConfig) -> dict:
    st = model_path.stat()
    return {"decode": config.to_dict(cfg), "model": str(model_path), "model_mtime_ns": st.st_mtime_ns,
            "model_bytes": st.st_size, "data": str(data_dir),
            "data_cache": (data_dir / cache.MARKER).read_text(encoding="utf-8") if (data_dir / cache.MARKER).is_file()
            else None}


def is_decoded(decode_dir: str | Path, signature: dict) -> bool:
    """decode_dir holds a finished decode (hyp.rttm) made as `signature` says (decode.yaml)."""
    return io.is_current(Path(decode_dir) / "decode.yaml", signature, [Path(decode_dir) / "hyp.rttm"],
                         upgrade=_with_decode_defaults)


def _with_decode_defaults(recorded: dict) -> dict:
    """A decode.yaml written before a DecodeConfig key existed: that key at its default (same decode)."""
    d = recorded.get("decode")
    return {**recorded, "decode": {**config.to_dict(DecodeConfig()), **d}} if isinstance(d, dict) else recorded


def decode_config_of(decode_dir: str | Path) -> DecodeConfig | None:
    """The decode config a finished decode was made with (its decode.yaml), None if it has none."""
    stamp = Path(decode_dir) / "decode.yaml"
    d = _with_decode_defaults(io.read_stamp(stamp) or {}).get("decode")
    return config.from_dict(DecodeConfig, d, str(stamp)) if isinstance(d, dict) else None


def is_up_to_date(model_dir: str | Path, data_dir: str | Path, decode_dir: str | Path, cfg: DecodeConfig) -> bool:
    model_path = Path(model_dir) / "final.pt"
    return model_path.is_file() and is_decoded(decode_dir, _signature(model_path, Path(data_dir), cfg))


def finish(decode_dir: Path, data_dir: Path, probs: dict[str, np.ndarray], cfg: DecodeConfig,
           signature: dict) -> None:
    """The end of every decode, ours and the public VADs': probabilities (in the format of the set's
    feature cache), decode.yaml, then hyp.rttm (last: it marks the decode finished)."""
    info = cache.read_info(data_dir)
    grid, durs = cache.grid_of(info), load_data_dir(data_dir).durations_s
    (decode_dir / "hyp.rttm").unlink(missing_ok=True)
    write_probs(decode_dir, probs, info["format"])
    hyp = {k: probs_to_segments(probs[k], cfg, grid, durs[k]) for k in sorted(probs)}
    io.write_stamp(decode_dir / "decode.yaml", signature)
    io.write_rttm(decode_dir / "hyp.rttm", hyp)
    speech = sum(e - s for v in hyp.values() for s, e in v)
    log.info("%s: %d recordings, %.1f min of speech hypothesised", decode_dir, len(hyp), speech / 60)


def decode_part(model_dir: str, data_dir: str, decode_dir: str, cfg: DecodeConfig, nj: int = 1, job: int = 1) -> None:
    """Frame probabilities for part `job` of `nj` of a data dir, into decode_parts/<nj>.<job>/."""
    if is_up_to_date(model_dir, data_dir, decode_dir, cfg):
        log.info("%s: up to date, nothing to do", decode_dir)
        return
    # torch only where a model runs: merging, reading probabilities and scoring start without it (~3 s a process)
    from vadkit.models.checkpoint import TrainedModel
    model = TrainedModel(model_dir)
    model.use_head(cfg.head)
    feats, _, info = cache.load(data_dir, require_labels=False,
                                        rec_ids=split_rec_ids(load_data_dir(data_dir).rec_ids, nj, job))
    try:   # an MFCC or PCEN model reads its own columns of a kind mfcc_pcen cache
        columns = model_columns(model.feature_config, config.from_dict(FeatureConfig, info["features"]))
    except InputError as e:
        raise InputError(f"{data_dir}: {e} ({model.path}); re-run stage 2 with the config the model was trained "
                         "on (--feat-conf)") from None
    ids = sorted(feats)
    probs = [bridge_recording(p, cfg, model.grid.hop_s, model.streams)
             for p in model.probs([feats[k] if columns is None else feats[k][:, columns] for k in ids])]
    part = Path(decode_dir) / "decode_parts" / f"{nj}.{job}"
    with io.atomic_open(part / "probs.npz") as f:
        np.savez(f, **dict(zip(ids, probs)))
    log.info("%s: %d recordings decoded (job %d/%d)", decode_dir, len(ids), job, nj)


def merge(model_dir: str, data_dir: str, decode_dir: str, cfg: DecodeConfig, nj: int = 1) -> None:
    """Merge the parts into probs (ark or HDF5, as the feature cache) and write hyp.rttm last."""
    decode_dir, data_dir = Path(decode_dir), Path(data_dir)
    if is_up_to_date(model_dir, data_dir, decode_dir, cfg):
        return
    probs: dict[str, np.ndarray] = {}
    for j in range(1, nj + 1):
        part = decode_dir / "decode_parts" / f"{nj}.{j}" / "probs.npz"
        if not part.is_file():
            raise InputError(f"{part}: decode job {j} of {nj} did not finish; re-run stage 4")
        with np.load(part) as z:
            probs.update({k: z[k] for k in z.files})
    finish(decode_dir, data_dir, probs, cfg, _signature(Path(model_dir) / "final.pt", data_dir, cfg))
    shutil.rmtree(decode_dir / "decode_parts", ignore_errors=True)


PROBS = ("probs",)  # io.arrays tables: probs.ark/probs.scp or probs.h5 /probs


def write_probs(decode_dir: Path, probs: dict[str, np.ndarray], fmt: str) -> None:
    """{rec_id: (n_frames,) float32} into decode_dir in `fmt` (that of the set's feature cache)."""
    arrays.remove_tables(decode_dir, PROBS)   # a previous run in the other format
    with arrays.TableWriter(decode_dir, fmt, PROBS) as w:
        for k in sorted(probs):
            w.write("probs", k, probs[k])


def read_probs(decode_dir: str | Path) -> dict[str, np.ndarray]:
    """{rec_id: (n_frames,) float32} from a decode dir, whichever format it holds."""
    table = arrays.read_table(decode_dir, arrays.stored_format(decode_dir, PROBS), PROBS, "probs")
    return {k: np.asarray(v) for k, v in (table or {}).items()}
