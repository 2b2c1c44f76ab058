#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Where a decode's frame errors are: by the frame's level and by its place in the reference.

e.g.: local/error_analysis.py data/ami_test exp/lstm/decode_ami_test
      local/error_analysis.py --threshold 0.2 data/ami_test exp/lstm/decode_ami_test exp/baseline_ten/decode_ami_test

For each decode dir (scored or not: it reads data/<set>/rttm, the wavs and the probabilities), every
10 ms frame gets its level and its place in the reference (vadkit.eval.error_analysis: voiced speech,
quiet in a turn, non-speech near a turn, away).  Printed per level band and per place: frames, share,
mean P(speech), and the miss or false-alarm rate of the raw probabilities at --threshold (default: the
threshold tuned on dev at scoring, else the decode config's); then the ROC-AUC of each speech place against
each non-speech place (where a pooled ROC-AUC is lost, whatever the threshold).  Writes nothing.
"""
from __future__ import annotations

from pathlib import Path

from vadkit import cli, io
from vadkit.eval import error_analysis, scoring


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--threshold", type=float, help="decision threshold (default: dev-tuned if scored, else decode's)")
    p.add_argument("data_dir")
    p.add_argument("decode_dirs", nargs="+")
    a = p.parse_args(argv)
    for d in a.decode_dirs:
        dec = scoring.load_decoded(a.data_dir, d)
        thr, source = a.threshold, "--threshold"
        if thr is None:
            m = Path(d) / "scoring" / "metrics.json"
            tuned = io.read_json(m).get("tuned") if m.is_file() else None
            thr, source = (tuned["threshold"], "tuned on dev") if tuned else (dec.decode.threshold, "decode config")
        print(f"{d}: threshold {thr:.2f} ({source})")
        print(f"{'group':28s} {'ref':10s} {'frames':>7s} {'share':>6s} {'mean P':>6s} {'error':>6s}")
        f = error_analysis.frames(dec)
        for r in error_analysis.analyse(f, thr):
            print(f"{r['group']:28s} {r['ref']:10s} {r['frames']:7d} {r['share']:6.1%} {r['mean_p']:6.2f} "
                  f"{r['error']:6.1%} {r['error_kind']}")
        for r in error_analysis.ranking_by_place(f):
            print(f"ROC-AUC {r['speech']:24s} against {r['non_speech']:24s} {r['roc_auc']:.3f}")


if __name__ == "__main__":
    cli.run(main)
