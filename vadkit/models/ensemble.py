"""Ensembles: several trained models combined into one model dir (the mean of their speech probabilities)."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from vadkit import config, io
from vadkit.config import FeatureConfig
from vadkit.errors import InputError
from vadkit.features.extract import feature_dim, model_columns, union_columns
from vadkit.features.norm import NormStats
from vadkit.models.checkpoint import TrainedModel, save_checkpoint


def make_ensemble(member_dirs: list[str | Path], out_dir: str | Path) -> bool:
    """Write <out_dir>/final.pt combining the members' final.pt (the mean of their speech
    probabilities) and ensemble.yaml (the members, with the size and time of each final.pt).
    Members must share the feature config, its normalisation and the CMVN mode; their input_dims
    may differ.  The one exception: MFCC and PCEN members (kind mfcc and pcen, all else equal) combine into
    an ensemble on kind mfcc_pcen, each member reading its own columns.  Returns False (nothing written)
    when out_dir is up to date with the members."""
    out_dir = Path(out_dir)
    if len(member_dirs) < 2:
        raise InputError(f"{out_dir}: an ensemble needs two or more trained models, got {len(member_dirs)}")
    if (out_dir / "config.yaml").is_file():   # a single trained model lives there: never overwrite its final.pt
        raise InputError(f"{out_dir}: holds a trained model (config.yaml, final.pt), not an ensemble; move it "
                         f"away (e.g. mv {out_dir} {out_dir}_single) and run again")
    tms = [TrainedModel(d, device="cpu") for d in member_dirs]   # each names a missing final.pt itself
    sig = {"members": [io.file_id(t.path) for t in tms]}
    if io.is_current(out_dir / "ensemble.yaml", sig, [out_dir / "final.pt"]):
        return False
    for t in tms:
        if t.members:
            raise InputError(f"{t.path}: already an ensemble; list its members ({t.members[0]}, ...) instead")
        if t.model_config.arch != "lstm":
            raise InputError(f"{t.path}: arch {t.model_config.arch}: an ensemble combines lstm models only so far")
    union = _union_features(tms)
    for t in tms:
        # mixed front-ends: stats compare within a kind (each kind's columns are its own)
        first = next(f for f in tms if f.feature_config.kind == t.feature_config.kind) if union else tms[0]
        for what, same in (("feature config", lambda: union is not None or t.feature_config == first.feature_config),
                           ("normalisation (train set)", lambda: np.allclose(t.norm.mean, first.norm.mean, rtol=1e-6)
                            and np.allclose(t.norm.std, first.norm.std, rtol=1e-6)),
                           ("CMVN mode", lambda: (t.cmvn, t.cmvn_window) == (first.cmvn, first.cmvn_window))):
            if not same():   # in order: the stats are only comparable for the same features
                raise InputError(f"{t.path}: its {what} differs from {first.path}'s; ensemble models trained on "
                                 "the same features and training set")
    bidirectional = any(t.model_config.bidirectional for t in tms)
    delays = {t.model_config.label_delay for t in tms}
    if not bidirectional and len(delays) > 1:   # a stream must get every member's frame at the same time
        raise InputError(f"{out_dir}: its members have different label delays ({', '.join(map(str, sorted(delays)))}); "
                         "ensemble streaming models of one label_delay")
    first = tms[0]
    if union is None:   # one feature config: each member reads the first input_dims columns
        feats, norm, columns = first.feature_config, first.norm, [None] * len(tms)
        dims = max(t.model_config.input_dims for t in tms)
    else:
        feats, columns = union, [union_columns(t.feature_config, union, t.model_config.input_dims) for t in tms]
        dims = feature_dim(union)
        mean, std = np.zeros(dims), np.ones(dims)
        for t, c in zip(tms, columns):
            mean[c], std[c] = t.norm.mean[:len(c)], t.norm.std[:len(c)]
        norm = NormStats(mean, std, min(t.norm.n_frames for t in tms))
    summary = dataclasses.replace(first.model_config, input_dims=dims, input_kind="",
                                  bidirectional=bidirectional, label_delay=0 if bidirectional else delays.pop())
    ck = {"members": [{"source": str(t.path), "model_config": config.to_dict(t.model_config),
                       "model_state": t.net.state_dict(), **({} if c is None else {"input_columns": c})}
                      for t, c in zip(tms, columns)],
          "model_config": config.to_dict(summary), "feature_config": config.to_dict(feats),
          "norm_stats": norm.to_dict(),
          "train_config": {"cmvn": first.cmvn, "cmvn_window_frames": first.cmvn_window}}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "ensemble.yaml").unlink(missing_ok=True)   # written last: a rebuild cut short stays stale
    save_checkpoint(ck, out_dir / "final.pt")
    io.write_stamp(out_dir / "ensemble.yaml", sig)
    return True


def _union_features(tms: list[TrainedModel]) -> FeatureConfig | None:
    """None when the members share one feature config; kind mfcc_pcen when they are MFCC and PCEN members
    whose configs differ in nothing else; InputError naming the first member that differs otherwise."""
    cfgs = [t.feature_config for t in tms]
    if all(c == cfgs[0] for c in cfgs) or {c.kind for c in cfgs} != {"mfcc", "pcen"}:
        return None   # one config, or a difference the loop in make_ensemble names
    mfcc = next(c for c in cfgs if c.kind == "mfcc")
    pcen = next(c for c in cfgs if c.kind == "pcen")
    union = dataclasses.replace(pcen, kind="mfcc_pcen", n_mfcc=mfcc.n_mfcc)
    for t, c in zip(tms, cfgs):
        try:   # the members the union's cache decodes one by one (extract.model_columns), no others
            model_columns(c, union)
        except InputError:
            raise InputError(f"{t.path}: its feature config differs from the other members' in more than the "
                             "kind (mfcc, pcen) and without voicing; ensemble MFCC and PCEN models of one rate, "
                             "grid, mel bands and deltas") from None
    return union

