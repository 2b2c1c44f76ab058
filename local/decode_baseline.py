#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Decode a data dir with a public VAD into our models' decode layout (probs, decode.yaml, hyp.rttm).

e.g.: local/decode_baseline.py --config conf/decode.yaml --baseline-config conf/baselines.yaml \
        silero data/test exp/baseline_silero/decode_test
      local/decode_baseline.py --check true ten      (exit 0 when the baseline can run here, else say why)

Baselines: energy, webrtc0..webrtc3 (WebRTC VAD modes), silero, ten (vadkit/baselines.py; the
optional packages come from requirements-baselines.txt).  Scores go on our 10 ms grid by one rule
(README, "Public VADs as baselines"), then conf/decode.yaml's post-processing; score the result
with steps/score.py as any model.
"""
from vadkit import cli, config
from vadkit.bench import baselines
from vadkit.config import BaselineConfig, DecodeConfig
from vadkit.errors import InputError


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--config", default="conf/decode.yaml", help="post-processing, the same as our models'")
    p.add_argument("--baseline-config", default="conf/baselines.yaml")
    p.add_argument("--overwrite", type=cli.bool_arg, default=False, help="true: decode again even if up to date")
    p.add_bool("--check", help="true: only check that the baseline can run here (default false)")
    p.add_argument("name", help=" | ".join(baselines.NAMES))
    p.add_argument("data_dir", nargs="?")
    p.add_argument("decode_dir", nargs="?")
    a = p.parse_args(argv)
    baselines.family_of(a.name)
    if a.check:
        why = baselines.missing(a.name)
        if why:
            raise InputError(why)
        return
    if a.decode_dir is None:
        p.error("data_dir and decode_dir are required (unless --check true)")
    baselines.decode(a.name, a.data_dir, a.decode_dir, config.load(a.config, DecodeConfig),
                     config.load(a.baseline_config, BaselineConfig), a.overwrite)


if __name__ == "__main__":
    cli.run(main)
