#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Build the built-in corpus offline: espeak-ng speech in pauses, noise, hum, music, tones and clicks.

e.g.: local/make_builtin_corpus.py --config conf/corpus_builtin.yaml data/local/builtin

Writes OUT_DIR/{train,dev,test}/builtin_<set>_NNNN.wav (16-bit PCM at sample_rate_hz) and
OUT_DIR/{train,dev,test}/rttm (reference speech regions; the label rule is in vadkit/mix.py),
then OUT_DIR/.done with the config.  Seeded: the same config gives the same files.  Skips the work
if OUT_DIR/.done holds the same config; rebuilds (under a temporary name) if the config changed.
"""
import os

from vadkit import cli, config
from vadkit.config import BuiltinCorpusConfig
from vadkit.corpora import builtin


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--config", required=True, help="corpus config, e.g. conf/corpus_builtin.yaml")
    p.add_argument("--nj", type=cli.positive_int, default=os.cpu_count() or 1,
                   help="worker processes (default: all CPUs); the output does not depend on it")
    p.add_argument("out_dir", help="corpus directory to write, e.g. data/local/builtin")
    a = p.parse_args(argv)
    cfg = config.load(a.config, BuiltinCorpusConfig)
    builtin.make_builtin_corpus(cfg, a.out_dir, num_jobs=a.nj, where=a.config)


if __name__ == "__main__":
    cli.run(main)
