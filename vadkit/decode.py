"""Inference: load a trained model, frame speech probabilities for a data dir, hypothesis RTTM.

exp/<model>/decode_<set>/: probs.ark/probs.scp (float32 vector per rec_id) or probs.h5 (group
/probs), the same format as the set's feature cache; hyp.rttm (written last); decode.yaml (the
decode config, model and data it was made from).  Parallel jobs write parts under
decode_parts/<nj>.<job>/ that merge concatenates in rec_id order (identical for any --nj).

An ensemble (make_ensemble) is a model dir like any other: its final.pt holds every member's
weights and config, and decodes to the mean of the members' speech probabilities.
"""
from __future__ import annotations

import dataclasses
import logging
import shutil
from pathlib import Path

import numpy as np
import torch
import yaml

from vadkit import config, feature_cache, io
from vadkit.config import DecodeConfig, FeatureConfig, ModelConfig, TrainConfig
from vadkit.data import load_data_dir, split_rec_ids
from vadkit.errors import InputError
from vadkit.features import FrameGrid, NormStats, normalise
from vadkit.models import Ensemble, build_model, predict_logits
from vadkit.postprocess import probs_to_segments

log = logging.getLogger(__name__)


class TrainedModel:
    """A model from final.pt with what it needs: feature config, normalisation, input dims."""

    def __init__(self, path: str | Path, device: str | torch.device | None = None):
        path = Path(path)
        self.path = path if path.suffix == ".pt" else path / "final.pt"
        if not self.path.is_file():
            raise InputError(f"{self.path}: no trained model here; train it first (stage 3) or fix the path")
        ck = torch.load(self.path, map_location="cpu", weights_only=False)
        self.model_config = config.from_dict(ModelConfig, ck["model_config"], str(self.path))
        self.feature_config = config.from_dict(FeatureConfig, ck["feature_config"], str(self.path))
        self.norm = NormStats.from_dict(ck["norm_stats"])
        tc = config.from_dict(TrainConfig, ck.get("train_config") or {}, str(self.path))
        self.cmvn, self.cmvn_window = tc.cmvn, tc.cmvn_window_frames   # global unless trained otherwise
        self.device = torch.device(device) if device else torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.members = [m["source"] for m in ck.get("members", [])]   # an ensemble's member final.pt files
        if self.members:
            nets = []
            for i, m in enumerate(ck["members"]):
                nets.append(build_model(config.from_dict(ModelConfig, m["model_config"], f"{self.path} member {i}")))
                nets[-1].load_state_dict(m["model_state"])
            self.net = Ensemble(nets)
        else:
            self.net = build_model(self.model_config)
            self.net.load_state_dict(ck["model_state"])
        self.net.to(self.device).eval()
        self.grid = FrameGrid.from_config(self.feature_config)

    def probs(self, feats: list[np.ndarray]) -> list[np.ndarray]:
        """Raw cached features [(n_i, dim)] -> speech probabilities [(n_i,) float32]."""
        d = self.model_config.input_dims
        x = [normalise(f, self.norm, self.cmvn, self.cmvn_window)[:, :d] for f in feats]
        return [(1 / (1 + np.exp(-lg))).astype(np.float32) for lg in predict_logits(self.net, x, self.device)]

    def require_streamable(self, what: str, allow_lookahead: bool = False) -> None:
        """InputError when `what` (Vad, StreamingVad, export) cannot run this model yet: per-file or
        sliding CMVN (only steps/decode.py applies them), or a crnn where state must be carried."""
        if self.cmvn != "global":
            raise InputError(f"{self.path}: trained with cmvn: {self.cmvn}; {what} supports the global CMVN "
                             "only so far; decode it with steps/decode.sh (or train with cmvn: global)")
        if self.model_config.arch == "crnn" and not allow_lookahead:
            raise InputError(f"{self.path}: a crnn (conv front-end with look-ahead and frame subsampling) "
                             f"cannot carry state across pieces, so {what} does not support it yet; use "
                             "vadkit.Vad (chunked) or steps/decode.sh")


def make_ensemble(member_dirs: list[str | Path], out_dir: str | Path) -> bool:
    """Write <out_dir>/final.pt combining the members' final.pt (the mean of their speech
    probabilities) and ensemble.yaml (the members, with the size and time of each final.pt).
    Members must share the feature config, its normalisation and the CMVN mode; their input_dims
    may differ.  Returns False (nothing written) when out_dir is up to date with the members."""
    out_dir = Path(out_dir)
    if len(member_dirs) < 2:
        raise InputError(f"{out_dir}: an ensemble needs two or more trained models, got {len(member_dirs)}")
    tms = [TrainedModel(d, device="cpu") for d in member_dirs]   # each names a missing final.pt itself
    sig = {"members": [{"path": str(t.path), "mtime_ns": t.path.stat().st_mtime_ns, "bytes": t.path.stat().st_size}
                       for t in tms]}
    if (out_dir / "final.pt").is_file() and (out_dir / "ensemble.yaml").is_file() \
            and yaml.safe_load((out_dir / "ensemble.yaml").read_text()) == sig:
        return False
    first = tms[0]
    for t in tms:
        if t.members:
            raise InputError(f"{t.path}: already an ensemble; list its members ({t.members[0]}, ...) instead")
        if t.model_config.arch != "lstm":
            raise InputError(f"{t.path}: arch {t.model_config.arch}: an ensemble combines lstm models only so far")
        for what, same in (("feature config", lambda: t.feature_config == first.feature_config),
                           ("normalisation (train set)", lambda: np.allclose(t.norm.mean, first.norm.mean, rtol=1e-6)
                            and np.allclose(t.norm.std, first.norm.std, rtol=1e-6)),
                           ("CMVN mode", lambda: (t.cmvn, t.cmvn_window) == (first.cmvn, first.cmvn_window))):
            if not same():   # in order: the stats are only comparable for the same features
                raise InputError(f"{t.path}: its {what} differs from {first.path}'s; ensemble models trained on "
                                 "the same features and training set")
    summary = dataclasses.replace(first.model_config, input_dims=max(t.model_config.input_dims for t in tms),
                                  bidirectional=any(t.model_config.bidirectional for t in tms))
    ck = {"members": [{"source": str(t.path), "model_config": config.to_dict(t.model_config),
                       "model_state": t.net.state_dict()} for t in tms],
          "model_config": config.to_dict(summary), "feature_config": config.to_dict(first.feature_config),
          "norm_stats": first.norm.to_dict(),
          "train_config": {"cmvn": first.cmvn, "cmvn_window_frames": first.cmvn_window}}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "ensemble.yaml").unlink(missing_ok=True)   # written last: a rebuild cut short stays stale
    with io.atomic_write(out_dir / "final.pt") as tmp:
        torch.save(ck, tmp)
    io.write_text(out_dir / "ensemble.yaml", yaml.safe_dump(sig, sort_keys=False))
    return True


def _signature(model_path: Path, data_dir: Path, cfg: DecodeConfig) -> dict:
    st = model_path.stat()
    return {"decode": config.to_dict(cfg), "model": str(model_path), "model_mtime_ns": st.st_mtime_ns,
            "model_bytes": st.st_size, "data": str(data_dir),
            "data_cache": (data_dir / feature_cache.MARKER).read_text() if (data_dir / feature_cache.MARKER).is_file()
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
    feats, _, info = feature_cache.load(data_dir, require_labels=False,
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
    info = yaml.safe_load((data_dir / feature_cache.MARKER).read_text())
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
