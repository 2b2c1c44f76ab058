#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Compare scored systems: one aligned row per (system, set), with intervals and the always-speech baseline.

e.g.: local/score.py exp/*
      local/score.py --seeds true exp/*             # <model>_seed<k> systems as mean±std over seeds
      local/score.py --columns "f1 f1_ci95 tuned_f1" exp/*     # or --columns all: every column
      local/score.py --compare exp/blstm exp/lstm   # paired bootstrap difference A - B per set

Reads exp/<system>/decode_<set>/scoring/metrics.json and frame_stats.npz (made by stage 5);
writes nothing.  Directories without scores are skipped with a warning; a name that does not exist, or
no scored decode in any, is an error (exit 1).  Columns: see docs/evaluation.md (f1_ci95 etc. are 95%
bootstrap intervals over recordings).
"""
from vadkit import cli, config
from vadkit.config import ScoreConfig
from vadkit.eval import report


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--config", default="conf/score.yaml",
                   help="bootstrap settings for --compare (default: %(default)s)")
    p.add_bool("--seeds", help="true: merge <model>_seed<k> rows into mean±std over seeds (default false)")
    p.add_list("--columns", help="columns to show after set and model: names, or all (default: "
               f"\"{' '.join(report.DEFAULT_COLUMNS)}\")")
    p.add_argument("--compare", nargs=2, metavar=("A", "B"), help="paired bootstrap of system A minus system B")
    p.add_argument("exp_dirs", nargs="*", metavar="exp_dir")
    a = p.parse_args(argv)
    if a.compare:
        if a.exp_dirs:
            p.error("--compare takes exactly two exp dirs and no others")
        rows = report.compare(*a.compare, config.load(a.config, ScoreConfig))
        print(f"A = {a.compare[0]}, B = {a.compare[1]}")
        print(report.format_table(rows, list(rows[0]) if rows else ["set", "metric"]))
        return
    if not a.exp_dirs:
        p.error("give exp dirs (e.g. exp/*) or --compare A B")
    rows, notes = report.summary_rows(a.exp_dirs)
    for n in notes:
        cli.log.warning("%s", n)
    cols = None if a.columns == ["all"] else ["set", "model", *(a.columns or report.DEFAULT_COLUMNS)]
    if cols:
        unknown = [c for c in cols[2:] if c not in report.COLUMN_NAMES]
        if unknown:
            p.error(f"unknown column(s) {', '.join(unknown)}; valid: {', '.join(report.COLUMN_NAMES)}")
    print(report.format_table(report.seed_rows(rows) if a.seeds else rows, cols))  # the table is the output: stdout


if __name__ == "__main__":
    cli.run(main)
