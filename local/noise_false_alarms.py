#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""False alarms on noise alone: each system on recordings with no speech in them, at its own rate.

e.g.: local/noise_false_alarms.py --systems "blstm60 exp/blstm60 silero ten" --files-from data/local/mix/test/noises
      local/noise_false_alarms.py --tuned ami_test --systems "exp/blstm60 exp/baseline_silero" $(cat ...)
      local/noise_false_alarms.py --tuned ami_dev --at-recall 95 --systems "exp/blstm60 exp/baseline_silero" ...
      find data/local/downloads -name '*.flac' -print0 | xargs -0 local/noise_false_alarms.py --systems silero

Systems: a shipped model's name or exp/<model> (the VAD tool: a shipped model with its own tuned post-processing,
an exp dir with conf/decode.yaml, or with --tuned SET the post-processing stage 5 tuned for that set), a public
VAD's name (vadkit/bench/baselines.py: silero, ten, webrtc0-3, energy; post-processed with --config), or its
stage-5 exp dir exp/baseline_<name> (with --tuned SET: its own tuned setting, so every system is compared at the
operating point the same dev set chose for it; a public VAD's name alone is at --config's threshold).  With
--at-recall R as well, every exp dir system keeps SET's tuned post-processing but takes the threshold at which
its frame probabilities reach R % recall on SET (R: 90 or 95; threshold_at_recall_R in the same metrics.json):
systems compared at equal recall on a dev set, which moves less from run to run than the best-F1 threshold.
Prints per system: hours heard, false-alarm regions per hour, share of the time called speech.  Give only
files without voices (the mix corpus's test noises: data/local/<corpus>/test/noises), as arguments or listed one
per line in --files-from (names with spaces are fine there; on the command line use find -print0 | xargs -0,
as in the last example).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from vadkit import cli, config, io
from vadkit.bench import robustness
from vadkit.config import BaselineConfig, DecodeConfig
from vadkit.errors import InputError
from vadkit.tool import vad


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_list("--systems", default=["blstm60", "silero", "ten"], help="systems (default: \"blstm60 silero ten\")")
    p.add_argument("--config", default="conf/decode.yaml", help="post-processing of the public VADs "
                   "(default conf/decode.yaml)")
    p.add_argument("--baseline-config", default="conf/baselines.yaml", help="the public VADs' settings, as stage 5 "
                   "ran them (local/run_baselines.sh; default conf/baselines.yaml)")
    p.add_argument("--tuned", metavar="SET", help="exp/<model> systems: the threshold and post-processing stage 5 "
                   "tuned for SET (exp/<model>/decode_SET/scoring/metrics.json: ami_* sets are tuned on ami_dev, "
                   "the rest on dev), as local/package_model.py ships them (default: conf/decode.yaml)")
    p.add_argument("--at-recall", type=int, choices=(90, 95), help="with --tuned SET: the threshold reaching this "
                   "recall (%%) on SET instead of the tuned one (default: the tuned threshold)")
    p.add_argument("--files-from", metavar="LIST", help="a file naming the noise files, one per line")
    p.add_argument("files", nargs="*", help="noise-only audio files")
    a = p.parse_args(argv)
    if a.at_recall and not a.tuned:
        p.error("--at-recall needs --tuned SET: the set whose speech frames the recall is measured on")
    files = a.files + (listed(a.files_from) if a.files_from else [])
    if not files:
        p.error("no noise files: give them as arguments or in --files-from LIST")
    decode = config.load(a.config, DecodeConfig)
    baseline_config = config.load(a.baseline_config, BaselineConfig)
    print(f"{'system':24s} {'hours':>6s} {'FA/hour':>8s} {'speech':>7s}")
    for name in a.systems:
        segments_of = robustness.system(name, decode, exp_decode(name, a.tuned, decode, a.at_recall),
                                        baseline_config)
        r = robustness.false_alarms(segments_of, files)
        print(f"{name:24s} {r['hours']:6.2f} {r['fa_per_hour']:8.1f} {r['speech_share']:7.1%}")


def listed(path: str) -> list[str]:
    """The file names in a list, one per line (blank lines skipped)."""
    if not Path(path).is_file():
        raise InputError(f"{path}: no such list; --files-from takes a file naming the noise files, one per line")
    return [line.strip() for line in Path(path).read_text().splitlines() if line.strip()]


def exp_decode(name: str, tuned_set: str | None, base: DecodeConfig, at_recall: int | None = None
               ) -> DecodeConfig | None:
    """The post-processing of an exp dir system (a model's or a public VAD's): None (a model: Vad's own choice; a
    public VAD: --config) unless --tuned names a set and `name` is an exp dir; with at_recall the threshold
    reaching that recall (%) on the set instead of the tuned one."""
    if not tuned_set or not Path(name).is_dir():
        return None
    metrics = Path(name) / f"decode_{tuned_set}" / "scoring" / "metrics.json"
    if not metrics.is_file():
        raise InputError(f"{metrics}: not found; decode and score {name} on {tuned_set} first (stages 4 and 5), "
                         "or leave out --tuned")
    tuned = vad.tuned_decode_config(metrics, base)
    if at_recall is None:
        return tuned
    threshold = io.read_json(metrics).get(f"threshold_at_recall_{at_recall}")
    if threshold is None:
        raise InputError(f"{metrics}: no threshold_at_recall_{at_recall} in it (the set has no speech, or no "
                         "non-speech, frames); measure --at-recall on a set with both")
    return dataclasses.replace(tuned, threshold=float(threshold))


if __name__ == "__main__":
    cli.run(main)
