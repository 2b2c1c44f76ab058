#!/usr/bin/env python3
"""Score a decode dir against its data dir's reference rttm, on the 10 ms frame grid.

e.g.: steps/score.py data/test exp/blstm/decode_test

Writes <decode-dir>/scoring/: metrics.json (last), confusion.png, and waveform_<rec_id>.png
(10 s of waveform with reference and hypothesis labels, as in the notebook).
"""
from vadkit import cli, scoring


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--plot-rec-id", help="recording for the 10-second figure (default: the first)")
    p.add_argument("--plot-start", type=float, help="start of the 10-second window in seconds (default: 10 s "
                   "into the recording when it is long enough, else 0)")
    p.add_argument("data_dir")
    p.add_argument("decode_dir")
    a = p.parse_args(argv)
    m = scoring.score(a.data_dir, a.decode_dir, a.plot_rec_id, a.plot_start)
    cli.log.info("%s: accuracy %.4f f1 %.4f roc_auc %.4f over %d frames (all-speech accuracy %.4f)",
                 a.decode_dir, m["accuracy"], m["f1"] or 0, m["roc_auc"] or 0, m["n_frames"],
                 m["baseline_all_speech"]["accuracy"])


if __name__ == "__main__":
    cli.run(main)
