#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Data prep for real meeting speech with human RTTM (AMI excerpts): data/ami_dev, data/ami_test.

e.g.: local/prepare_ami.py --config conf/features.yaml ../shared/corpora/dev_rttm data

Finds the RTTM, UEM and audio files under <corpus-dir>, crops each recording to its UEM span,
resamples it into <data-root>/local/ami/wav/ and splits the meetings into two sets that never share a
speaker (vadkit.corpora.ami).  With --telephone mulaw|alaw also data/ami_dev_tel and data/ami_test_tel:
the same recordings through an 8 kHz telephone channel (audio in <data-root>/local/ami_tel/wav/).
"""
from __future__ import annotations

from vadkit import cli, config
from vadkit.config import FeatureConfig
from vadkit.corpora import augment
from vadkit.corpora.ami import prepare


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--config", default="conf/features.yaml", help="its sample_rate_hz is the rate written")
    p.add_argument("corpus_dir", help="folder with the RTTM, UEM and audio files (searched recursively)")
    p.add_argument("--telephone", choices=("none", *augment.CODECS), default="none",
                   help="a codec: also the telephone copy ami_dev_tel, ami_test_tel (default: %(default)s)")
    p.add_argument("data_root", help="where data/ami_dev, data/ami_test and local/ami/wav/ go")
    a = p.parse_args(argv)
    prepare(a.corpus_dir, a.data_root, config.load(a.config, FeatureConfig).sample_rate_hz, a.telephone)


if __name__ == "__main__":
    cli.run(main)
