#!/usr/bin/env python3
"""Compare scored models: one aligned row per (model, set), with the always-speech baseline.

e.g.: local/score.py exp/*

Reads exp/<model>/decode_<set>/scoring/metrics.json (made by stage 5); writes nothing.
Directories without scores are skipped with a note on stderr.
"""
from vadkit import cli, scoring


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("exp_dirs", nargs="+", metavar="exp_dir")
    a = p.parse_args(argv)
    rows, notes = scoring.summary_rows(a.exp_dirs)
    for n in notes:
        cli.log.warning("%s", n)
    print(scoring.format_table(rows))  # the table is this script's output: stdout


if __name__ == "__main__":
    cli.run(main)
