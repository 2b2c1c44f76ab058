#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Score a decode dir against its data dir's reference rttm, on the 10 ms frame grid.

e.g.: steps/score.py --tune-on data/dev exp/blstm/decode_dev data/test exp/blstm/decode_test
      steps/score.py --tune-on data/ami_dev exp/blstm60/decode_ami_dev \
        --tune-noise data/dev_noise exp/blstm60/decode_dev_noise data/ami_test exp/blstm60/decode_ami_test

Writes <decode-dir>/scoring/: frame_stats.npz, confusion.png (raw and normalised), per_file_errors.png,
waveform_<rec_id>.png (10 s of waveform with reference and hypothesis labels, as in the notebook)
and metrics.json last (fields: README "Evaluation").
"""
from vadkit import cli, config
from vadkit.config import ScoreConfig
from vadkit.eval import scoring


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--config", default="conf/score.yaml", help="scoring settings (default: %(default)s)")
    p.add_argument("--tune-on", nargs=2, metavar=("DEV_DATA", "DEV_DECODE"),
                   help="also score at the threshold best on this dev set (never the test set)")
    p.add_argument("--tune-noise", nargs=2, metavar=("NOISE_DATA", "NOISE_DECODE"),
                   help="with --tune-on: a dev set of noise alone (no speech), decoded as the dev set; the tuned "
                   "setting calls at most the config's tune_noise_max of it speech (stage 1's data/dev_noise)")
    p.add_argument("--tune-metric", choices=("f1", "dcf"), help="override the config's tune_metric")
    p.add_argument("--frame-shift", type=int, default=0, help="score the hypothesis delayed by this many frames "
                   "(negative: advanced; default 0); the best shift is searched and reported anyway")
    p.add_argument("--plot-rec-id", help="recording for the 10-second figure (default: the first)")
    p.add_argument("--plot-start-s", type=float, help="start of the 10-second window in seconds (default: 10 s "
                   "into the recording when it is long enough, else 0)")
    p.rename("--plot-start", "--plot-start-s")
    p.add_argument("data_dir")
    p.add_argument("decode_dir")
    a = p.parse_args(argv)
    cfg = config.load(a.config, ScoreConfig)
    if a.tune_metric:
        cfg.tune_metric = a.tune_metric
    if a.tune_noise and not a.tune_on:
        p.error("--tune-noise needs --tune-on: the noise set limits the setting tuned on that dev set")
    if a.tune_noise and cfg.tune_noise_max is None:
        cli.log.info("%s: tune_noise_max is null, so --tune-noise %s is not used", a.config, a.tune_noise[0])
    m = scoring.score(a.data_dir, a.decode_dir, cfg, a.tune_on, a.frame_shift, a.plot_rec_id, a.plot_start_s,
                      a.tune_noise)
    ci = m.get("ci95", {}).get("f1")
    cli.log.info("%s: f1 %.4f %s auc %.4f dcf %.4f der %.4f over %d frames, %d files (all-speech f1 %.4f)%s",
                 a.decode_dir, m["f1"] or 0, f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "", m["roc_auc"] or 0,
                 m["dcf"] or 0, m["der"] or 0, m["n_frames"], m["n_files"], m["baseline_all_speech"]["f1"] or 0,
                 f"; tuned threshold {m['tuned']['threshold']}: f1 {m['tuned']['f1'] or 0:.4f}" if "tuned" in m else "")

if __name__ == "__main__":
    cli.run(main)
