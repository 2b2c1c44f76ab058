#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Print the outputs a trained model has: "phrase", or "phrase turn" for one trained with model.turn_head.

e.g.: local/model_heads.py exp/blstm60_turn      (prints: phrase turn)

run.sh's stage 4 decodes the sets with turn-level labels (ami_*) with --turn-decode-conf when the model
has a turn head.
"""
from vadkit import cli
from vadkit.models.checkpoint import TrainedModel


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("model", help="exp/<model> (holding final.pt) or a .pt file")
    a = p.parse_args(argv)
    print(" ".join(TrainedModel(a.model, device="cpu").heads))


if __name__ == "__main__":
    cli.run(main)
