"""Export a trained model to TorchScript and ONNX, normalisation included.

The exported network maps raw features to speech probabilities:
    feats (batch, frames, input_dims) float32 -> probs (batch, frames) float32 in [0, 1]
and, for unidirectional models, also takes and returns the LSTM state so it can stream:
    (feats, h0, c0) -> (probs, hn, cn),  h/c: (num_layers, batch, hidden_size), zeros at the start.
A model with a label delay d returns each frame's probability d frames late (features.json says how).
feats are the first input_dims columns of vadkit.features.compute_features (librosa-style MFCCs,
then deltas; the recipe's models take the 20 static MFCCs); features.json beside the exported
files records that feature config, so other runtimes can reproduce it.
"""
from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path

import torch
from torch import nn

from vadkit import config, io
from vadkit.errors import InputError
from vadkit.models.checkpoint import TrainedModel

log = logging.getLogger(__name__)

OUT_SUFFIXES = (".pt", ".onnx", ".json", ".pth")  # what an output name ends in when it was meant as the file


class ExportedVad(nn.Module):
    """Normalisation + LSTM + sigmoid of the model's head (TrainedModel.use_head), with explicit LSTM state
    for unidirectional models."""

    def __init__(self, tm: TrainedModel):
        super().__init__()
        d = tm.model_config.input_dims
        self.register_buffer("mean", torch.tensor(tm.norm.mean[:d], dtype=torch.float32))
        self.register_buffer("std", torch.tensor(tm.norm.std[:d], dtype=torch.float32))
        self.lstm, self.output = tm.net.lstm, tm.net.output
        self.stateful = not tm.model_config.bidirectional
        self.head = tm.heads.index(tm.head)

    def forward(self, feats: torch.Tensor, h0: torch.Tensor | None = None, c0: torch.Tensor | None = None):
        x = (feats - self.mean) / self.std
        if self.stateful:
            out, (hn, cn) = self.lstm(x, (h0, c0))
            return torch.sigmoid(self.output(out)[..., self.head]), hn, cn
        out, _ = self.lstm(x)
        return torch.sigmoid(self.output(out)[..., self.head])


def example_inputs(tm: TrainedModel, batch: int = 1, frames: int = 50) -> tuple:
    mc = tm.model_config
    feats = torch.randn(batch, frames, mc.input_dims)
    if mc.bidirectional:
        return (feats,)
    h = torch.zeros(mc.num_layers, batch, mc.hidden_size)
    return feats, h, h.clone()


def _check_out_dir(out_dir: Path) -> Path:
    if (out_dir.exists() and not out_dir.is_dir()) or (not out_dir.exists() and out_dir.suffix in OUT_SUFFIXES):
        raise InputError(f"{out_dir}: {'is a file' if out_dir.exists() else 'names a file'}; export writes a folder "
                         f"(model.pt, model.onnx, features.json): give a folder, e.g. {out_dir.parent / 'export'}")
    return out_dir


def export(model_dir: str | Path, out_dir: str | Path, formats: tuple[str, ...] = ("torchscript", "onnx"),
           head: str = "phrase") -> list[Path]:
    """Write <out_dir>/model.pt (TorchScript) and/or model.onnx, plus features.json; returns the paths.
    `head`: the output exported (phrase, or turn for a model trained with turn_head).
    `out_dir` is a folder (made if needed): an existing file, or a new name ending in a file suffix, is an
    InputError, raised before anything is loaded or written."""
    out_dir = _check_out_dir(Path(out_dir))
    tm = TrainedModel(model_dir, device="cpu")
    tm.require_streamable("export")
    tm.use_head(head)
    if tm.members:
        raise InputError(f"{tm.path}: an ensemble of {len(tm.members)} models; export is for one network so far: "
                         f"export a member (e.g. {Path(tm.members[0]).parent})")
    wrapper = ExportedVad(tm).eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    args = example_inputs(tm)
    names_in = ["feats"] if len(args) == 1 else ["feats", "h0", "c0"]
    names_out = ["probs"] if len(args) == 1 else ["probs", "hn", "cn"]
    written = []
    with torch.no_grad(), warnings.catch_warnings():
        # the tracer's notes about nn.LSTM internals and the legacy-exporter deprecation: checked by the tests
        warnings.simplefilter("ignore")
        if "torchscript" in formats:
            traced = torch.jit.trace(wrapper, args)
            with io.atomic_write(out_dir / "model.pt") as tmp:
                traced.save(str(tmp))
            written.append(out_dir / "model.pt")
        if "onnx" in formats:
            dyn = {"feats": {0: "batch", 1: "frames"}, "probs": {0: "batch", 1: "frames"}}
            dyn.update({k: {1: "batch"} for k in names_in[1:] + names_out[1:]})
            with io.atomic_write(out_dir / "model.onnx") as tmp:
                torch.onnx.export(wrapper, args, str(tmp), input_names=names_in, output_names=names_out,
                                  dynamic_axes=dyn, opset_version=17, dynamo=False)
            written.append(out_dir / "model.onnx")
    info = {"inputs": names_in, "outputs": names_out, "head": head, "input_dims": tm.model_config.input_dims,
            "model_config": config.to_dict(tm.model_config), "features": config.to_dict(tm.feature_config),
            "features_doc": "vadkit.features.compute_features(x, sample_rate_hz, features)[:, :input_dims]; "
                            "frame k covers samples [k*hop, k*hop+win); normalisation is inside the model"}
    if tm.model_config.label_delay:
        d = tm.model_config.label_delay
        info["label_delay_doc"] = (f"probs[i] belongs to frame i - {d} (the network reads {d} frames ahead): drop "
                                   f"the first {d} outputs of a stream and, at its end, feed {d} copies of its last "
                                   "frame to get the last ones (what vadkit.StreamingVad does)")
    io.write_text(out_dir / "features.json", json.dumps(info, indent=1) + "\n")
    log.info("%s: exported %s", out_dir, ", ".join(p.name for p in written))
    return written + [out_dir / "features.json"]
