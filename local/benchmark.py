#!/usr/bin/env python3
"""Speed and memory of every system on the same audio, in one run: prints a table, writes benchmark.json.

e.g.: local/benchmark.py --data data/test --max-audio-s 120 exp/lstm exp/blstm exp/lstm2

Measures (vadkit/benchmark.py says how): stage 2's feature caching throughput (x real time) on
each of --cores; training throughput (frames/s) and single-thread inference RTF and peak memory of
each model dir; single-thread RTF and peak memory of each installed baseline (--baselines; the
missing ones are skipped with the reason).  Ratios against Silero VAD (rtf_vs_silero) measured in
the same run are the figures to compare: absolute times on a shared machine are noisy.
Writes <out>/benchmark.json: {"machine": {...}, "systems": {NAME: {"rtf_1thread", "peak_rss_mb", ...}},
"features": {"x_realtime", "x_realtime_by_cores"}, ...}.
"""
from pathlib import Path

from vadkit import cli, config, io
from vadkit.bench import baselines, benchmark
from vadkit.config import BaselineConfig, FeatureConfig
from vadkit.errors import InputError


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--data", default="data/test", help="data dir whose audio every system processes")
    p.add_argument("--max-audio-s", type=float, default=120.0, help="use its first recordings up to this much audio")
    p.add_argument("--cores", default="1 2", help="core counts for the feature throughput")
    p.add_argument("--train-steps", type=int, default=5, help="timed training steps per model")
    p.add_argument("--baselines", default=" ".join(baselines.NAMES), help="baselines to time (if installed)")
    p.add_argument("--features-config", default="conf/features.yaml")
    p.add_argument("--baseline-config", default="conf/baselines.yaml")
    p.add_argument("--out", default="exp/benchmark", help="folder for benchmark.json")
    p.add_argument("model_dirs", nargs="*", metavar="model_dir", help="exp/<model> dirs with final.pt")
    a = p.parse_args(argv)
    for m in a.model_dirs:
        if not (Path(m) / "final.pt").is_file():
            raise InputError(f"{m}/final.pt: no trained model; train it (stage 3) or leave the dir out")
    try:
        cores = [int(c) for c in a.cores.split()]
    except ValueError:
        raise InputError(f"--cores {a.cores!r}: expected core counts, e.g. \"1 2\"") from None
    names = []
    for b in a.baselines.split():
        why = baselines.missing(b)
        if why:
            cli.log.warning("skipping baseline %s: %s", b, why)
        else:
            names.append(b)
    doc = benchmark.run(a.data, a.model_dirs, names, a.max_audio_s, cores, a.train_steps,
                        config.load(a.features_config, FeatureConfig),
                        config.to_dict(config.load(a.baseline_config, BaselineConfig)), log=cli.log.info)
    io.write_json(Path(a.out) / "benchmark.json", doc)
    print(benchmark.format_table(doc))


if __name__ == "__main__":
    cli.run(main)
