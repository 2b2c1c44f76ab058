#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Frame speech probabilities and hypothesis segments for a data dir (one job of nj, or the merge).

e.g.: steps/decode.py --config conf/decode.yaml --nj 1 --job 1 exp/blstm data/test exp/blstm/decode_test
      steps/decode.py --config conf/decode.yaml --nj 1 --merge true exp/blstm data/test exp/blstm/decode_test

Reads exp/<model>/final.pt and the set's feature cache; a job writes its part, --merge true writes probs (ark/scp or
probs.h5, as the cache), decode.yaml and hyp.rttm (last).  Usually called through steps/decode.sh.
"""
from pathlib import Path

from vadkit import cli, config
from vadkit.config import DecodeConfig
from vadkit.decode import decoding


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--config", required=True, help="post-processing config, e.g. conf/decode.yaml")
    p.add_argument("--nj", type=cli.positive_int, default=1)
    p.add_argument("--job", type=int, default=1)
    p.add_bool("--merge", help="true: merge the finished jobs' parts (default false)")
    p.add_argument("--overwrite", type=cli.bool_arg, default=False, help="true: decode again even if up to date")
    p.add_argument("model_dir")
    p.add_argument("data_dir")
    p.add_argument("decode_dir")
    a = p.parse_args(argv)
    cfg = config.load(a.config, DecodeConfig)
    if a.overwrite and not a.merge:
        (Path(a.decode_dir) / "hyp.rttm").unlink(missing_ok=True)
    if a.merge:
        decoding.merge(a.model_dir, a.data_dir, a.decode_dir, cfg, a.nj)
    else:
        decoding.decode_part(a.model_dir, a.data_dir, a.decode_dir, cfg, a.nj, a.job)


if __name__ == "__main__":
    cli.run(main)
