#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Speed and memory of every system on the same audio, in one run: prints tables, writes benchmark.json.

e.g.: local/benchmark.py --max-audio-s 120 --rss-hours "0.05 1" data/test exp/lstm exp/blstm exp/lstm2 exp/benchmark

Measures (vadkit/bench/benchmark.py says how): stage 2's feature caching throughput (x real time) on
each of --cores; for each model dir: training throughput (frames/s), single-thread inference RTF and
peak memory, the VAD tool part by part (features, network in one pass and in chunks, all of
Vad.probs; its dev F1 when scored) and, with --rss-hours, peak memory of Vad.run_file on files that
long; single-thread RTF and peak memory of each installed baseline (--baselines; the missing ones
are skipped with the reason).  Ratios against Silero VAD (rtf_vs_silero) measured in the same run
are the figures to compare: absolute times on a shared machine are noisy.
Writes <out-dir>/benchmark.json: {"machine": {...}, "systems": {NAME: {"rtf_1thread", "peak_rss_mb",
"vad_parts", ...}}, "features": {"x_realtime", "x_realtime_by_cores"}, ...}.
"""
from pathlib import Path

from vadkit import cli, config, io
from vadkit.bench import baselines, benchmark
from vadkit.config import BaselineConfig, FeatureConfig
from vadkit.errors import InputError


def _numbers(opt: str, text: str, kind=float) -> list:
    try:
        return [kind(v) for v in text.split()]
    except ValueError:
        raise InputError(f"{opt} {text!r}: expected space-separated numbers, e.g. \"1 2\"") from None


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--max-audio-s", type=float, default=120.0, help="use its first recordings up to this much audio")
    p.add_argument("--cores", default="1 2", help="core counts for the feature throughput")
    p.add_argument("--train-steps", type=int, default=5, help="timed training steps per model (0: none)")
    p.add_argument("--rss-hours", default="", help='e.g. "0.05 1": peak memory of Vad.run_file on files this long')
    p.add_argument("--baselines", default=" ".join(baselines.NAMES), help="baselines to time (if installed)")
    p.add_argument("--feat-conf", default="conf/features.yaml", help="feature config of the feature timing")
    p.add_argument("--config", default="conf/baselines.yaml", help="the baselines' config")
    p.add_argument("data_dir", help="data dir whose audio every system processes")
    p.add_argument("model_dirs", nargs="*", metavar="model_dir", help="exp/<model> dirs with final.pt")
    p.add_argument("out_dir", help="folder for benchmark.json, e.g. exp/benchmark")
    a = p.parse_args(argv)
    for m in a.model_dirs:
        if not (Path(m) / "final.pt").is_file():
            raise InputError(f"{m}/final.pt: no trained model; train it (stage 3) or leave the dir out")
    if a.train_steps < 0:
        raise InputError(f"--train-steps {a.train_steps}: give a number of steps >= 0 (0: no training timing)")
    cores, rss_hours = _numbers("--cores", a.cores, int), _numbers("--rss-hours", a.rss_hours)
    names = []
    for b in a.baselines.split():
        why = baselines.missing(b)
        if why:
            cli.log.warning("skipping baseline %s: %s", b, why)
        else:
            names.append(b)
    doc = benchmark.run(a.data_dir, a.model_dirs, names, a.max_audio_s, cores, a.train_steps,
                        config.load(a.feat_conf, FeatureConfig),
                        config.to_dict(config.load(a.config, BaselineConfig)), log=cli.log.info, rss_hours=rss_hours)
    io.write_json(Path(a.out_dir) / "benchmark.json", doc)
    print(benchmark.format_table(doc))


if __name__ == "__main__":
    cli.run(main)
