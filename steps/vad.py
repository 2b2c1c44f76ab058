#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Speech segments of your own recordings with a trained model: the VAD tool (vadkit/tool/command.py).

e.g.: steps/vad.py --model exp/blstm --format rttm --min-silence-ms 200 talk.wav > talk.rttm
      steps/vad.py --help    (every option; the installed package's `vadkit-vad` takes the same)
"""
from vadkit import cli
from vadkit.tool.command import main

if __name__ == "__main__":
    cli.run(main)
