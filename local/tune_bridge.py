#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Choose the probability bridge (conf/decode_mix.yaml: bridge_half_life_ms, bridge_weight) on dev sets.

e.g.: local/tune_bridge.py --sets "ami_dev dev" exp/blstm60 exp/lstm2_small60

Reads exp/<model>/decode_<set> for every set (decoded with the bridge off, e.g. stage 4 with
--decode-conf conf/decode.yaml) and prints the frame ROC-AUC each model would get on each set with each
half-life x weight of the grid (sides auto: both for bidirectional models, past for streaming ones), then the
mean over models and sets.  The best mean is the choice: with a turn-level set (ami_dev: pauses inside a turn
are speech) and a phrase-level one (dev of the mix corpus: they are not), it is the bridge that helps one
convention most while costing the other least.  Writes nothing; test sets do not belong here.
"""
from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from vadkit import cli
from vadkit.config import DecodeConfig
from vadkit.errors import InputError
from vadkit.eval import scoring
from vadkit.models.checkpoint import TrainedModel


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_list("--sets", default=["ami_dev", "dev"], help="dev sets to select on (default: \"ami_dev dev\")")
    p.add_list("--half-lives", default=["0", "200", "350", "700", "1400"],
               help="bridge_half_life_ms values, 0 = off (default: \"0 200 350 700 1400\")")
    p.add_list("--weights", default=["0.3", "0.5", "0.7", "0.9"], help="bridge_weight values (default: "
               "\"0.3 0.5 0.7 0.9\")")
    p.add_argument("--data", default="data", help="folder of the data dirs (default: data)")
    p.add_argument("exp_dirs", nargs="+")
    a = p.parse_args(argv)
    try:
        grid = [DecodeConfig()] + [DecodeConfig(bridge_half_life_ms=float(h), bridge_weight=float(w))
                                   for h, w in itertools.product(a.half_lives, a.weights) if float(h) > 0]
    except ValueError as e:
        p.error(f"--half-lives and --weights: {e}")
    rows = {}
    for e in a.exp_dirs:
        streams = TrainedModel(e).streams
        for s in a.sets:
            dec = scoring.load_decoded(Path(a.data) / s, Path(e) / f"decode_{s}")
            if dec.decode.bridge_half_life_ms > 0:
                raise InputError(f"{dec.decode_dir}: decoded with the bridge on (bridge_half_life_ms "
                                 f"{dec.decode.bridge_half_life_ms:g}); decode it with --decode-conf conf/decode.yaml "
                                 "(the bridge off) first")
            rows[(e, s)] = [scoring.bridged_roc_auc(dec, c, streams) for c in grid]
    head = " ".join(f"{_name(c):>9s}" for c in grid)
    print(f"{'system':28s} {'set':10s} {head}")
    for (e, s), r in rows.items():
        print(f"{e:28s} {s:10s} " + " ".join(f"{v:9.4f}" if v is not None else f"{'-':>9s}" for v in r))
    mean = np.array([[v if v is not None else np.nan for v in r] for r in rows.values()]).mean(axis=0)
    print(f"{'mean':39s} " + " ".join(f"{v:9.4f}" for v in mean))
    best = grid[int(np.nanargmax(mean))]
    print("best mean: " + ("off" if best.bridge_half_life_ms == 0 else
                           f"bridge_half_life_ms: {best.bridge_half_life_ms:g}, bridge_weight: {best.bridge_weight:g}"))


def _name(c: DecodeConfig) -> str:
    return "off" if c.bridge_half_life_ms == 0 else f"{c.bridge_half_life_ms:g}/{c.bridge_weight:g}"


if __name__ == "__main__":
    cli.run(main)
