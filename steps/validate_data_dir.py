#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Check data dirs against the contract (README, "Data directories"); stop at the first bad line.

e.g.: steps/validate_data_dir.py --config conf/features.yaml data/train data/dev data/test

Checks ids, that every audio file exists, is complete, non-empty and at the configured rate,
that reco2dur matches the audio and that every rttm region names a known recording and lies
inside its audio.  Writes nothing.
"""
from vadkit import cli, config
from vadkit.config import FeatureConfig
from vadkit.data import datadir


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--config", help="conf/features.yaml: its sample_rate_hz is the rate every file must have")
    p.add_argument("--check-audio", type=cli.bool_arg, default=True, help="open every audio file (default true)")
    p.add_argument("data_dirs", nargs="+", metavar="data_dir")
    a = p.parse_args(argv)
    rate = config.load(a.config, FeatureConfig).sample_rate_hz if a.config else None
    for d in a.data_dirs:
        dd = datadir.validate_data_dir(d, rate, a.check_audio)
        n_regions = "unlabelled" if dd.regions is None else f"{sum(map(len, dd.regions.values()))} speech regions"
        cli.log.info("%s: OK (%d recordings, %.1f min, %s)", d, len(dd.rec_ids), sum(dd.durations_s.values()) / 60,
                     n_regions)


if __name__ == "__main__":
    cli.run(main)
