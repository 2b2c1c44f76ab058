"""Export a trained model to TorchScript and ONNX, normalisation included.

The exported network maps raw features to speech probabilities:
    feats (batch, frames, input_dims) float32 -> probs (batch, frames) float32 in [0, 1]
and, for unidirectional models, also takes and returns the LSTM state so it can stream:
    (feats, h0, c0) -> (probs, hn, cn),  h/c: (num_layers, batch, hidden_size), zeros at the start.
An ensemble (steps/make_ensemble.py, the shipped blstm60) exports as one graph giving the mean of its members'
probabilities; a streaming one takes h/c of (members x num_layers, batch, hidden_size).
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
    for unidirectional models.  An ensemble exports as one graph: every member reads the first input_dims
    columns it was trained on, and the output is the mean of their probabilities (as TrainedModel decodes
    it); a stateful ensemble stacks its members' states along the layer axis (member 0's layers first)."""

    def __init__(self, tm: TrainedModel):
        super().__init__()
        d = tm.model_config.input_dims
        self.register_buffer("mean", torch.tensor(tm.norm.mean[:d], dtype=torch.float32))
        self.register_buffer("std", torch.tensor(tm.norm.std[:d], dtype=torch.float32))
        nets = list(tm.net.members) if tm.members else [tm.net]
        self.lstms = nn.ModuleList(n.lstm for n in nets)
        self.outputs = nn.ModuleList(n.output for n in nets)
        self.dims = [n.cfg.input_dims for n in nets]
        self.columns = [bool(tm.members) and tm.net.columns[i] for i in range(len(nets))]   # its own columns
        for i, own in enumerate(self.columns):
            if own:
                self.register_buffer(f"columns{i}", getattr(tm.net, f"columns{i}").clone(), persistent=False)
        self.layers = [n.cfg.num_layers for n in nets]
        # a whole-input graph aligns a member that reads ahead (label_delay d) as TrainedModel does: its last
        # frame repeated d times, its first d outputs dropped (LstmVad.forward's gather does not export to a
        # valid ONNX graph, hence this form); a stream returns them d frames late instead
        self.delays = [0 if n.cfg.bidirectional else n.cfg.label_delay for n in nets]
        self.stateful = not tm.model_config.bidirectional
        if self.stateful and len({(n.cfg.num_layers, n.cfg.hidden_size) for n in nets}) > 1:
            raise InputError(f"{tm.path}: a streaming ensemble whose members differ in layers or hidden size "
                             "cannot share one h0/c0 input; export each member (its exp dir) instead")
        self.head = tm.heads.index(tm.head)

    def forward(self, feats: torch.Tensor, h0: torch.Tensor | None = None, c0: torch.Tensor | None = None):
        x = (feats - self.mean) / self.std
        probs, hs, cs, k = [], [], [], 0
        for i, (lstm, output, n, late) in enumerate(zip(self.lstms, self.outputs, self.layers, self.delays)):
            xi = x.index_select(-1, getattr(self, f"columns{i}")) if self.columns[i] else x[..., :self.dims[i]]
            if self.stateful:
                out, (h, c) = lstm(xi, (h0[k:k + n], c0[k:k + n]))
                hs.append(h)
                cs.append(c)
                k += n
            elif late:
                out = lstm(torch.cat([xi, xi[:, -1:].expand(-1, late, -1)], 1))[0][:, late:]
            else:
                out, _ = lstm(xi)
            probs.append(torch.sigmoid(output(out)[..., self.head]))
        p = probs[0] if len(probs) == 1 else torch.stack(probs).mean(0)
        return (p, torch.cat(hs), torch.cat(cs)) if self.stateful else p


def example_inputs(tm: TrainedModel, batch: int = 1, frames: int = 50) -> tuple:
    mc = tm.model_config
    feats = torch.randn(batch, frames, mc.input_dims)
    if mc.bidirectional:
        return (feats,)
    h = torch.zeros(mc.num_layers * max(len(tm.members), 1), batch, mc.hidden_size)
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
            "members": len(tm.members) or 1,
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
