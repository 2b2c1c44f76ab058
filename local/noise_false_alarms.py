#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""False alarms on noise alone: each system on recordings with no speech in them, at its own rate.

e.g.: local/noise_false_alarms.py --systems "blstm60 exp/blstm60 silero ten" $(cat data/local/mix/test/noises)

Systems: a shipped model's name or exp/<model> (the VAD tool, with the model's tuned post-processing), or a
public VAD's name (vadkit/bench/baselines.py: silero, ten, webrtc0-3, energy; post-processed with --config).
Prints per system: hours heard, false-alarm regions per hour, share of the time called speech.  Give only
files without voices (the mix corpus's test noises: data/local/<corpus>/test/noises).
"""
from __future__ import annotations

from vadkit import cli, config
from vadkit.bench import robustness
from vadkit.config import DecodeConfig


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_list("--systems", default=["blstm60", "silero", "ten"], help="systems (default: \"blstm60 silero ten\")")
    p.add_argument("--config", default="conf/decode.yaml", help="post-processing of the public VADs "
                   "(default conf/decode.yaml)")
    p.add_argument("files", nargs="+", help="noise-only audio files")
    a = p.parse_args(argv)
    decode = config.load(a.config, DecodeConfig)
    print(f"{'system':24s} {'hours':>6s} {'FA/hour':>8s} {'speech':>7s}")
    for name in a.systems:
        r = robustness.false_alarms(robustness.system(name, decode), a.files)
        print(f"{name:24s} {r['hours']:6.2f} {r['fa_per_hour']:8.1f} {r['speech_share']:7.1%}")


if __name__ == "__main__":
    cli.run(main)
