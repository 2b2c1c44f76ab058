"""Ensembles: several trained models combined into one model dir (the mean of their speech probabilities)."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from vadkit import config, io
from vadkit.errors import InputError
from vadkit.models.checkpoint import TrainedModel, save_checkpoint


def make_ensemble(member_dirs: list[str | Path], out_dir: str | Path) -> bool:
    """Write <out_dir>/final.pt combining the members' final.pt (the mean of their speech
    probabilities) and ensemble.yaml (the members, with the size and time of each final.pt).
    Members must share the feature config, its normalisation and the CMVN mode; their input_dims
    may differ.  Returns False (nothing written) when out_dir is up to date with the members."""
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
    bidirectional = any(t.model_config.bidirectional for t in tms)
    delays = {t.model_config.label_delay for t in tms}
    if not bidirectional and len(delays) > 1:   # a stream must get every member's frame at the same time
        raise InputError(f"{out_dir}: its members have different label delays ({', '.join(map(str, sorted(delays)))}); "
                         "ensemble streaming models of one label_delay")
    summary = dataclasses.replace(first.model_config, input_dims=max(t.model_config.input_dims for t in tms),
                                  bidirectional=bidirectional, label_delay=0 if bidirectional else delays.pop())
    ck = {"members": [{"source": str(t.path), "model_config": config.to_dict(t.model_config),
                       "model_state": t.net.state_dict()} for t in tms],
          "model_config": config.to_dict(summary), "feature_config": config.to_dict(first.feature_config),
          "norm_stats": first.norm.to_dict(),
          "train_config": {"cmvn": first.cmvn, "cmvn_window_frames": first.cmvn_window}}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "ensemble.yaml").unlink(missing_ok=True)   # written last: a rebuild cut short stays stale
    save_checkpoint(ck, out_dir / "final.pt")
    io.write_stamp(out_dir / "ensemble.yaml", sig)
    return True
