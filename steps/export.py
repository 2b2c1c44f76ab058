#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Export a trained model to TorchScript and ONNX (normalisation included; features documented).

e.g.: steps/export.py exp/lstm exp/lstm/export

Writes <out-dir>/model.pt (TorchScript), model.onnx and features.json (the feature config and the
inputs/outputs: feats (batch, frames, input_dims) -> probs (batch, frames); unidirectional models
also take and return the LSTM state h0/c0 -> hn/cn, so they can stream).  An ensemble (exp/blstm60, or a
shipped model's folder such as vadkit/pretrained/blstm60) exports as one graph: the mean of its members'
probabilities.
"""
from vadkit import cli
from vadkit.config import HEADS
from vadkit.tool import export


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--format", default="both", choices=["torchscript", "onnx", "both"])
    p.add_argument("--head", default=HEADS[0], choices=HEADS,
                   help="the output exported: phrase-level speech, or turn-level (models with turn_head)")
    p.add_argument("model", help="exp/<model> (holding final.pt) or a .pt file")
    p.add_argument("out_dir", help="folder to write model.pt, model.onnx and features.json into")
    p.to_positional("--model", "first")
    a = p.parse_args(argv)
    formats = ("torchscript", "onnx") if a.format == "both" else (a.format,)
    for path in export.export(a.model, a.out_dir, formats, a.head):
        cli.log.info("wrote %s", path)


if __name__ == "__main__":
    cli.run(main)
