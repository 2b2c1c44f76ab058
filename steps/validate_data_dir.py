#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Check data dirs against the contract (README, "Data directories"); stop at the first bad line.

e.g.: steps/validate_data_dir.py --config conf/features.yaml data/train data/dev data/test

Checks ids, that every audio file exists, is complete, non-empty and at the configured rate,
that reco2dur matches the audio and that every rttm region names a known recording and lies
inside its audio.  Writes nothing.  As Kaldi's steps, it finds its config relative to the recipe's
folder: without --config it takes conf/features.yaml, and when there is none (run elsewhere) it says
that the rate was not checked.
"""
from pathlib import Path

from vadkit import cli, config
from vadkit.config import FeatureConfig
from vadkit.data import datadir

DEFAULT_CONFIG = "conf/features.yaml"


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--config", default=DEFAULT_CONFIG,
                   help="its sample_rate_hz is the rate every file must have (default: %(default)s)")
    p.add_argument("--check-audio", type=cli.bool_arg, default=True, help="open every audio file (default true)")
    p.add_argument("data_dirs", nargs="+", metavar="data_dir")
    a = p.parse_args(argv)
    rate = None
    if a.config != DEFAULT_CONFIG or Path(DEFAULT_CONFIG).is_file():
        rate = config.load(a.config, FeatureConfig).sample_rate_hz
    elif a.check_audio:
        cli.log.warning("sample rates NOT checked: no --config and no %s in %s (not the recipe's folder); pass "
                        "--config FILE", DEFAULT_CONFIG, Path.cwd())
    for d in a.data_dirs:
        dd = datadir.validate_data_dir(d, rate, a.check_audio)
        n_regions = "unlabelled" if dd.regions is None else f"{sum(map(len, dd.regions.values()))} speech regions"
        audio = "no audio" if dd.feature_only else f"audio at {rate} Hz" if rate and a.check_audio else \
            "audio rate not checked"
        cli.log.info("%s: OK (%d recordings, %.1f min, %s, %s)", d, len(dd.rec_ids),
                     sum(dd.durations_s.values()) / 60, n_regions, audio)


if __name__ == "__main__":
    cli.run(main)
