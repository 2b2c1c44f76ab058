#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Combine trained models into one that outputs the mean of their speech probabilities.

e.g.: steps/make_ensemble.py exp/blstm_seed1 exp/blstm_seed2 exp/blstm_seed3 exp/blstm_ens

<out-dir>/final.pt holds every member's weights, so decoding, scoring and steps/vad.py take
<out-dir> like any trained model (each member runs: the cost is the sum of theirs); ensemble.yaml
lists the members.  Members must share features and training set (the seeds of one model, or
models trained on the same data); 20-dim and 60-dim models combine, and so do MFCC and PCEN models of
one grid (an ensemble on kind mfcc_pcen features, docs/training.md#ensembles).  Re-running does nothing while
the members' final.pt are unchanged.
"""
from vadkit import cli
from vadkit.models import ensemble


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("members", nargs="+", help="exp/<model> dirs (or final.pt files), two or more")
    p.add_argument("out_dir", help="the ensemble's dir, e.g. exp/blstm_ens")
    a = p.parse_args(argv)
    if ensemble.make_ensemble(a.members, a.out_dir):
        cli.log.info("%s/final.pt: ensemble of %d models", a.out_dir, len(a.members))
    else:
        cli.log.info("%s: up to date with its %d members", a.out_dir, len(a.members))


if __name__ == "__main__":
    cli.run(main)
