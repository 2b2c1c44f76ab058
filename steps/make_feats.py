#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Cache features and frame labels of a data dir (one job of nj, or the merge of all jobs).

e.g.: steps/make_feats.py --config conf/features.yaml --feat-format ark --nj 2 --job 1 data/train
      steps/make_feats.py --config conf/features.yaml --feat-format ark --nj 2 --merge true data/train

A job writes data/<set>/feats_parts/<nj>.<job>/; --merge true concatenates the parts into
data/<set>/feats.{ark,scp} + labels.{ark,scp} (or feats.h5), cmvn.json and feats.yaml (last).
Skips all work when feats.yaml matches the config, format and data dir.  Usually called
through steps/make_feats.sh.
"""
from pathlib import Path

from vadkit import cli, config
from vadkit.config import FeatureConfig
from vadkit.features import cache


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--config", required=True, help="feature config, e.g. conf/features.yaml")
    p.add_argument("--feat-format", choices=cache.FORMATS, default="ark", help="feature cache format (default ark)")
    p.rename("--format", "--feat-format")
    p.add_argument("--nj", type=cli.positive_int, default=1, help="number of parallel jobs")
    p.add_argument("--job", type=int, default=1, help="this job's index, 1..nj")
    p.add_bool("--merge", help="true: merge the finished jobs' parts (default false)")
    p.add_argument("--overwrite", type=cli.bool_arg, default=False, help="recompute even if up to date")
    p.add_argument("data_dir")
    a = p.parse_args(argv)
    cfg = config.load(a.config, FeatureConfig)
    if a.overwrite and not a.merge:
        (Path(a.data_dir) / cache.MARKER).unlink(missing_ok=True)
    if a.merge:
        cache.merge_parts(a.data_dir, cfg, a.feat_format, a.nj)
    else:
        cache.make_part(a.data_dir, cfg, a.feat_format, a.nj, a.job)


if __name__ == "__main__":
    cli.run(main)
