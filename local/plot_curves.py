#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""ROC and precision-recall curves per set, every scored system overlaid.

e.g.: local/plot_curves.py exp/* exp/plots

Reads exp/<system>/decode_<set>/scoring/{metrics.json, frame_stats.npz} (stage 5); writes
<out-dir>/curves_<set>.png, one figure per set (left: ROC, right: precision-recall).
"""
from pathlib import Path

from vadkit import cli
from vadkit.errors import InputError
from vadkit.eval import plots, report


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("exp_dirs", nargs="+", metavar="exp_dir", help="systems (dirs without scores are skipped)")
    p.add_argument("out_dir", help="where the figures go, e.g. exp/plots")
    p.to_positional("--out", "last")
    a = p.parse_args(argv)
    if any(Path(a.out_dir).glob("decode_*/scoring/metrics.json")):  # the old form had no output argument
        raise InputError(f"{a.out_dir}: a scored system, not an output folder; give the folder last, e.g. exp/plots")
    curves = report.set_curves(a.exp_dirs)
    if not curves:
        cli.log.warning("no scored decodes with both classes under %s; nothing plotted", " ".join(a.exp_dirs))
    for s, systems in sorted(curves.items()):
        path = Path(a.out_dir) / f"curves_{s}.png"
        plots.roc_pr_curves(systems, path, f"set {s}: {len(systems)} systems")
        cli.log.info("%s: %s", path, ", ".join(systems))


if __name__ == "__main__":
    cli.run(main)
