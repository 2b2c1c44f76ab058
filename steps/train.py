#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Train one VAD model on a data dir's cached features, selecting the epoch on a dev dir.

e.g.: steps/train.py --config conf/blstm.yaml data/train data/dev exp/blstm

Writes exp/<model>/: config.yaml, checkpoints/epoch-N.pt, history.json, curves.png, and
final.pt last (the epoch best on dev, with its model/feature config and normalisation stats).
Resumes from the last checkpoint; skips if final.pt exists for the same config; refuses to start while
another training of exp_dir runs (the lock: exp_dir/.lock).  A config with train.teacher (distillation) reads
that public VAD's probabilities of the train set from --teacher-dir, by default
<exp_dir>/../baseline_<teacher>/decode_<train set> (run.sh stage 3 makes it with local/decode_baseline.py).
"""
from vadkit import cli, config
from vadkit.config import ExperimentConfig
from vadkit.train import training


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--config", required=True, help="model config, e.g. conf/blstm.yaml")
    p.add_argument("--seed", type=int, help="override the config's train.seed (run.sh --seeds: exp/<model>_seed<k>)")
    p.add_argument("--overwrite", type=cli.bool_arg, default=False, help="true: start over, dropping checkpoints")
    p.add_argument("--teacher-dir", help="decode dir of train_dir by the config's train.teacher "
                   "(default: <exp_dir>/../baseline_<teacher>/decode_<train set>)")
    p.add_argument("train_dir")
    p.add_argument("dev_dir")
    p.add_argument("exp_dir")
    a = p.parse_args(argv)
    cfg = config.load(a.config, ExperimentConfig)
    if a.seed is not None:
        cfg.train.seed = a.seed
    training.run(cfg, a.train_dir, a.dev_dir, a.exp_dir, a.overwrite, a.teacher_dir)


if __name__ == "__main__":
    cli.run(main)
