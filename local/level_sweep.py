#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""How a VAD holds up when the same recordings come quieter or louder: a level sweep.

e.g.: local/level_sweep.py data/ami_test                         (the shipped offline model)
      local/level_sweep.py --model exp/blstm60 --gains "-30 0 20" data/ami_test
      local/level_sweep.py --systems "blstm60 silero ten" data/ami_test

Every recording of the labelled data dir (its original audio where the dir has orig.scp) is scaled by
each gain (clipped at full scale, as a recorder would), run through the VAD tool with the model's
post-processing, and scored on the 10 ms grid (vadkit/bench/robustness.py).  --systems also takes public
VADs (vadkit/bench/baselines.py: silero, ten, webrtc0-3, energy), each at the rate it takes, post-processed
with --config, so a table compares how each holds up.  Prints, per system and gain: share of clipped samples,
frame ROC-AUC and F1, share called speech, and agreement with the 0 dB decisions.
"""
from __future__ import annotations

from vadkit import cli, config
from vadkit.bench import robustness
from vadkit.config import BaselineConfig, DecodeConfig


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--model", help="exp/<model>, a .pt file or a shipped model's name (default: the shipped "
                   "offline model)")
    p.add_list("--systems", default=[], help="several systems instead of --model: models (as --model) and public "
               "VADs by name, e.g. \"blstm60 silero ten\"")
    p.add_argument("--config", default="conf/decode.yaml", help="post-processing of the public VADs "
                   "(default conf/decode.yaml)")
    p.add_argument("--baseline-config", default="conf/baselines.yaml", help="the public VADs' settings "
                   "(default conf/baselines.yaml)")
    p.add_list("--gains", default=[f"{g:g}" for g in robustness.GAINS_DB],
               help=f"gains in dB (default: \"{' '.join(f'{g:g}' for g in robustness.GAINS_DB)}\")")
    p.add_argument("data_dir")
    a = p.parse_args(argv)
    if a.model and a.systems:
        p.error("give --model or --systems, not both (--systems takes models too)")
    try:
        gains = [float(g) for g in a.gains]
    except ValueError:
        p.error(f"--gains takes numbers in dB, not {' '.join(a.gains)!r}")
    systems = a.systems or [a.model]
    decode, baseline_config = config.load(a.config, DecodeConfig), config.load(a.baseline_config, BaselineConfig)
    for name in systems:
        vad = robustness.runner(name, decode, baseline_config=baseline_config)
        if len(systems) > 1:
            print(f"system: {name}")
        print(f"{'gain dB':>8s} {'clipped':>8s} {'ROC-AUC':>8s} {'F1':>6s} {'speech':>7s} {'agree':>6s}")
        for r in robustness.level_sweep(vad, a.data_dir, gains):
            print(f"{r['gain_db']:8.0f} {r['clipped']:8.2%} {r['roc_auc'] or 0:8.3f} {r['f1'] or 0:6.3f} "
                  f"{r['speech_share']:7.1%} {r['agreement']:6.1%}")


if __name__ == "__main__":
    cli.run(main)
