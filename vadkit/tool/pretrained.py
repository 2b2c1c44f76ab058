"""The models that ship with the package: vadkit/pretrained/<name>/ holds final.pt (weights in half
precision when the speech probabilities stay within 1e-3 of the trained ones), decode.yaml (the
post-processing tuned on dev) and MODEL_CARD.md (how it was trained, on what, its scores).

`Vad()` and `steps/vad.py` use OFFLINE when no model is given, `StreamingVad()` uses STREAMING; any
call that takes a model also takes a shipped model's name.  `package` makes such a folder from a
trained exp/<model>/ (local/package_model.py).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import torch

from vadkit import config, io
from vadkit.config import DecodeConfig
from vadkit.errors import InputError
from vadkit.models.checkpoint import TrainedModel, load_checkpoint, save_checkpoint

ROOT = Path(__file__).resolve().parents[1] / "pretrained"
OFFLINE = "blstm60"        # the real-speech pick on ami_dev (RESULTS.md)
STREAMING = "lstm2_small60"  # unidirectional, fast
HALF_TOLERANCE = 1e-3      # largest speech-probability change allowed by storing the weights in float16


CARD_SETS = ("ami_test", "ami_test_tel", "test", "ami_dev", "dev")   # scored sets a card reports, if decoded


def available() -> list[str]:
    """Names of the shipped models."""
    return sorted(p.parent.name for p in ROOT.glob("*/final.pt"))


def resolve(model: str | Path | None, default: str = OFFLINE) -> Path:
    """A model argument as a path: None -> the shipped `default`; the name of a shipped model that is
    not also a path here -> its folder; anything else unchanged."""
    if model is None:   # never a same-named folder of the working directory
        if not (ROOT / default / "final.pt").is_file():
            raise InputError(f"no model given and the shipped model {default!r} is not in {ROOT}; pass a model: "
                             "exp/<model>/ or its final.pt")
        return ROOT / default
    if isinstance(model, str) and "/" not in model and not Path(model).exists() and (ROOT / model).is_dir():
        return ROOT / model
    return Path(model)


def _halved(state: dict) -> dict:
    return {k: v.half() if torch.is_floating_point(v) else v for k, v in state.items()}


def package(exp_dir: str | Path, out_dir: str | Path, decode: DecodeConfig, check_feats: list[np.ndarray],
            card: str) -> dict:
    """OUT_DIR/final.pt (half precision if within HALF_TOLERANCE on check_feats, raw cached features),
    decode.yaml and MODEL_CARD.md (`card`, with the precision line added).  Returns what was chosen."""
    src = TrainedModel(exp_dir, device="cpu")
    ck = load_checkpoint(src.path)
    if "members" in ck:   # an ensemble (steps/make_ensemble.py): every member's weights
        half = {**ck, "members": [{**m, "model_state": _halved(m["model_state"])} for m in ck["members"]]}
    else:
        half = {**ck, "model_state": _halved(ck["model_state"])}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    save_checkpoint(half, out / "final.pt")
    small = TrainedModel(out / "final.pt", device="cpu")
    dp = max((float(np.abs(a - b).max()) for a, b in zip(src.probs(check_feats), small.probs(check_feats))),
             default=0.0)
    if dp > HALF_TOLERANCE:   # keep the full weights
        save_checkpoint(ck, out / "final.pt")
    precision = "float16" if dp <= HALF_TOLERANCE else "float32"
    io.write_text(out / "decode.yaml", config.dump(decode))
    io.write_text(out / "MODEL_CARD.md", card.replace("{precision}", f"{precision} (largest speech-probability "
                                                      f"change from the float32 weights: {dp:.1e})"))
    return {"precision": precision, "max_abs_dp": dp, "bytes": (out / "final.pt").stat().st_size,
            "decode": dataclasses.asdict(decode)}


def _score_rows(exp_dir: Path) -> list[str]:
    rows = ["| set | ROC-AUC [95% CI] | F1 at the decode threshold "
            "| F1, tuned on the matching dev set (ami_dev for ami_*) |", "|---|---|---|---|"]
    for s in CARD_SETS:
        f = exp_dir / f"decode_{s}" / "scoring" / "metrics.json"
        if f.is_file():
            m = io.read_json(f)
            ci = (m.get("ci95") or {}).get("roc_auc")
            tuned = (m.get("tuned") or {}).get("f1")
            rows.append(f"| {s} | {m['roc_auc']:.3f}" + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "")
                        + f" | {m['f1']:.3f} | " + (f"{tuned:.3f}" if tuned is not None else "-") + " |")
    return rows


def _trained_line(tm: TrainedModel, histories: list, n_trainings: int) -> str:
    """How long it trained, from each training's history.json; a dir without them (a shipped model packaged
    again, its training dir gone) says so and gives the epochs its final.pt records."""
    if len(histories) < n_trainings:
        ck = load_checkpoint(tm.path)
        epochs = (ck.get("train_config") or {}).get("epochs")
        kept = f"{epochs} epochs; the epoch kept: lowest dev loss (epoch {ck.get('epoch')}). " if epochs else ""
        return f"- Trained {kept}Packaged again from its final.pt, whose training log was not kept (no times)."
    return (f"- Trained {len(histories[0])} epochs" + (f" each ({len(histories)} trainings)" if len(histories) > 1 else "")
            + f", {sum(h.get('seconds', 0) for hs in histories for h in hs) / 60:.0f} min"
            + (" in all" if tm.members else "") + "; the epoch kept: lowest dev loss.")


def card_text(exp_dir: str | Path, name: str, decode: DecodeConfig, notes: str) -> str:
    """MODEL_CARD.md of a shipped model: what it is, its post-processing and scores (from the exp dir's
    scoring), then `notes` (how it was trained, the data and their licences).  "{precision}" is filled
    in by `package`."""
    exp_dir = Path(exp_dir)
    tm = TrainedModel(exp_dir, device="cpu")
    mc, fc = tm.model_config, tm.feature_config
    trained = [Path(m).parent for m in tm.members] or [exp_dir]   # an ensemble: its members' training
    histories = [io.read_json(d / "history.json") for d in trained if (d / "history.json").is_file()]
    net = (f"{mc.num_layers}-layer {'bidirectional ' if mc.bidirectional else ''}{mc.arch.upper()}, "
           f"{mc.hidden_size} units")
    if tm.members:
        net = f"the mean of {len(tm.members)} networks' speech probabilities, each a {net}"
    lines = [f"# {name}", "",
             f"- Network: {net}, {sum(p.numel() for p in tm.net.parameters())} parameters"
             + (" in all" if tm.members else "") + "; weights {precision}.",
             f"- Input: {fc.sample_rate_hz} Hz audio (other rates are resampled), {mc.input_dims} feature dims of "
             f"{fc.kind} on a {fc.win_ms:g} ms / {fc.hop_ms:g} ms grid, global CMVN ({tm.cmvn}).",
             f"- Streaming: {'no (needs the whole recording)' if mc.bidirectional else 'yes (StreamingVad)'}"
             + (f", {mc.label_delay * fc.hop_ms:g} ms of network look-ahead (label_delay {mc.label_delay})."
                if mc.label_delay else "."),
             _trained_line(tm, histories, len(trained)),
             f"- Post-processing (decode.yaml): {config.to_dict(decode)}", "",
             "## Scores (frames on the 10 ms grid, all files pooled)", "", *_score_rows(exp_dir), "",
             notes.strip(), ""]
    return "\n".join(lines)
