#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Onset and offset delays of each system's speech regions against the reference, one row per system.

e.g.: local/boundary_delays.py exp/blstm60/decode_ami_test exp/baseline_silero/decode_ami_test
      local/boundary_delays.py --data data/ami_test --plot exp/plots/delays_ami_test.png exp/*/decode_ami_test

Reads <decode-dir>/hyp.rttm and the reference <data-dir>/rttm (default: data/<set> for decode_<set>, as
run.sh scores it).  Each reference region is matched to the hypothesis regions overlapping it: onset delay
= start of the first minus the reference start, offset delay = end of the last minus the reference end, in
ms (negative: early).  Prints per system (the exp dir's name) the reference regions (ref), those no
hypothesis overlaps (missed), hypothesis regions (hyp) and those overlapping no reference (fa_reg), then
median, 10th/90th percentile and mean |delay| of onsets (on_*) and offsets (off_*); with --plot, writes
their ECDFs overlaid (PNG).  Method: vadkit/eval/boundaries.py.
"""
from __future__ import annotations

import os
from pathlib import Path

from vadkit import cli
from vadkit.eval import boundaries, plots, report

COLUMNS = ["set", "model", "ref", "missed", "hyp", "fa_reg", "on_med", "on_p10", "on_p90", "on_mabs",
           "off_med", "off_p10", "off_p90", "off_mabs"]


def row(decode_dir: str, s: dict) -> dict:
    r = {"set": Path(decode_dir).name.removeprefix("decode_"), "model": Path(os.path.abspath(decode_dir)).parent.name,
         "ref": s["n_ref"], "missed": s["missed"], "hyp": s["n_hyp"], "fa_reg": s["false_alarm_regions"]}
    for side, short in (("onset", "on"), ("offset", "off")):
        for k, v in s[side].items():
            r[f"{short}_{k.replace('median', 'med').replace('mean_abs', 'mabs')}"] = None if v is None else round(v)
    return r


def main(argv=None):
    p = cli.parser(__doc__)
    p.usage = "%(prog)s [--data <data-dir>] [--plot <png>] <decode-dir> [<decode-dir> ...]"
    p.add_argument("--data", help="data dir with the reference rttm, for every decode dir (default: data/<set> "
                   "from each decode_<set>)")
    p.add_argument("--plot", help="also write the onset and offset delay ECDFs of every system here (PNG)")
    p.add_argument("decode_dirs", nargs="+", metavar="decode_dir", help="exp/<system>/decode_<set> with hyp.rttm")
    a = p.parse_args(argv)
    rows, curves = [], {}
    for d in a.decode_dirs:
        delays = boundaries.load(d, a.data)
        rows.append(row(d, boundaries.summary(delays)))
        curves[(rows[-1]["model"], rows[-1]["set"])] = ([1000 * x for x in delays.onsets_s],
                                                        [1000 * x for x in delays.offsets_s])
    print(report.format_table(rows, COLUMNS))   # the table is the output: stdout
    if a.plot:
        sets = sorted({s for _, s in curves})
        plots.boundary_delays({m if len(sets) == 1 else f"{m} {s}": c for (m, s), c in curves.items()}, a.plot,
                              f"Boundary delays on {', '.join(sets)}")
        cli.log.info("wrote %s", a.plot)


if __name__ == "__main__":
    cli.run(main)
