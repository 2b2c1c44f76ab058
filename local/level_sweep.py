#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""How a model holds up when the same recordings come quieter or louder: a level sweep.

e.g.: local/level_sweep.py data/ami_test                         (the shipped offline model)
      local/level_sweep.py --model exp/blstm60 --gains "-30 0 20" data/ami_test

Every recording of the labelled data dir (its original audio where the dir has orig.scp) is scaled by
each gain (clipped at full scale, as a recorder would), run through the VAD tool with the model's
post-processing, and scored on the 10 ms grid (vadkit/bench/robustness.py).  Prints, per gain: share of
clipped samples, frame ROC-AUC and F1, share called speech, and agreement with the 0 dB decisions.
"""
from __future__ import annotations

from vadkit import cli
from vadkit.bench import robustness


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--model", help="exp/<model>, a .pt file or a shipped model's name (default: the shipped "
                   "offline model)")
    p.add_list("--gains", default=[f"{g:g}" for g in robustness.GAINS_DB],
               help=f"gains in dB (default: \"{' '.join(f'{g:g}' for g in robustness.GAINS_DB)}\")")
    p.add_argument("data_dir")
    a = p.parse_args(argv)
    try:
        gains = [float(g) for g in a.gains]
    except ValueError:
        p.error(f"--gains takes numbers in dB, not {' '.join(a.gains)!r}")
    from vadkit.tool.vad import Vad
    vad = Vad(a.model)
    print(f"{'gain dB':>8s} {'clipped':>8s} {'ROC-AUC':>8s} {'F1':>6s} {'speech':>7s} {'agree':>6s}")
    for r in robustness.level_sweep(vad, a.data_dir, gains):
        print(f"{r['gain_db']:8.0f} {r['clipped']:8.2%} {r['roc_auc'] or 0:8.3f} {r['f1'] or 0:6.3f} "
              f"{r['speech_share']:7.1%} {r['agreement']:6.1%}")


if __name__ == "__main__":
    cli.run(main)
