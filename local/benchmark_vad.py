#!/usr/bin/env python3
"""Speed of the VAD tool: single-thread real-time factor of every model, side by side with Silero VAD.

e.g.: local/benchmark_vad.py --minutes 10 --rss-hours 0.05,1 data/test exp/lstm_small exp/lstm2_small exp/lstm exp/lstm2 exp/blstm

Concatenates the data dir's recordings to at least --minutes of audio and times, on one thread
(CPU time of this process, best of --repeat): features alone, the network alone (one exact pass and
the default batched chunks), the whole Vad.probs (features included), and Silero VAD's packaged ONNX
model (silero-vad + onnxruntime, optional: pip install -r requirements-baselines.txt) on the same
audio.  Prints one row per model with its dev F1 (exp/<model>/decode_dev/scoring/metrics.json) and
the largest probability difference of the chunked run from the exact one.  --rss-hours H,... also
reports the peak memory of steps/vad.py's reader on an H-hour file (each in a fresh process).
Writes nothing but a temporary file for --rss-hours.
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from vadkit import cli, io
from vadkit.bench import timing
from vadkit.data.datadir import load_data_dir


def load_audio(data_dir: str, minutes: float, rate: int) -> np.ndarray:
    parts, total = [], 0
    wavs = load_data_dir(data_dir).wavs
    while total < minutes * 60 * rate:
        for rec_id in sorted(wavs):
            x, _ = io.read_audio(wavs[rec_id], rate)
            parts.append(x)
            total += len(x)
    return np.concatenate(parts)


def dev_f1(model_dir: str):
    p = Path(model_dir) / "decode_dev/scoring/metrics.json"
    return json.loads(p.read_text())["f1"] if p.is_file() else None


def rss_of_file(model_dir: str, hours: float, rate: int, x: np.ndarray) -> float:
    """Peak RSS (MB) of a fresh process running Vad.run_file on an `hours`-long wav (made by tiling x)."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "long.wav"
        import soundfile as sf
        n = int(hours * 3600 * rate)
        with sf.SoundFile(str(path), "w", rate, 1, "PCM_16") as f:
            for a in range(0, n, len(x)):
                f.write(x[:min(len(x), n - a)])
        code = ("import sys; from vadkit import Vad, bench; import torch; torch.set_num_threads(1); "
                f"r = Vad({model_dir!r}).run_file({str(path)!r}); print(timing.peak_rss_mb(), len(r.probs))")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        return float(out.split()[0])


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--minutes", type=float, default=10.0)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--rss-hours", default="", help="e.g. 0.05,1: peak RSS of Vad.run_file on files this long")
    p.add_argument("data_dir")
    p.add_argument("models", nargs="+")
    a = p.parse_args(argv)
    import torch

    from vadkit import Vad
    from vadkit.features.extract import TOP_DB, log_mel
    torch.set_num_threads(1)
    vads = {m: Vad(m, device="cpu") for m in a.models}
    rate = next(iter(vads.values())).sample_rate_hz
    x = load_audio(a.data_dir, a.minutes, rate)
    dur = len(x) / rate
    print(f"# {dur / 60:.1f} min of {a.data_dir} at {rate} Hz; one thread; CPU time, best of {a.repeat}")
    print(f"# {timing.machine()}; torch {torch.__version__}")
    silero = None
    try:
        from vadkit.bench import baselines
        from vadkit.config import BaselineConfig
        sil = baselines.make("silero", BaselineConfig(), next(iter(vads.values())).grid)
        silero = timing.rtf(lambda: sil.native(x, rate), dur, a.repeat)
        print(f"silero (ONNX, onnxruntime 1 thread, {rate} Hz): RTF {silero:.5f}")
    except Exception as e:  # optional package: report and go on
        print(f"silero: not measured ({e})")
    print(f"{'model':12} {'dev_f1':>7} {'params':>8} {'feats':>8} {'net_1pass':>9} {'net_chunk':>9} "
          f"{'total':>8} {'x_silero':>8} {'max|dp|':>8}")
    for m, v in vads.items():
        def feats():
            lm = log_mel(x, rate, v.fc)
            return list(v._feature_blocks([lm], float(lm.max()) - TOP_DB))
        f = feats()
        t_feat = timing.rtf(feats, dur, a.repeat)
        exact = Vad(v.model, v.decode, chunk_s=None)
        t_one = timing.rtf(lambda: exact._one_pass(iter(f)), dur, a.repeat)
        from vadkit.tool.vad import chunked_logits
        t_chunk = timing.rtf(lambda: list(chunked_logits(v.model.net, iter(f), v.chunk, v.context, v.bidirectional,
                                                       v.batch_size, "cpu")), dur, a.repeat)
        t_total = timing.rtf(lambda: v.probs(x, rate), dur, a.repeat)
        dp = float(np.abs(v.probs(x, rate) - exact.probs(x, rate)).max())
        n_par = sum(q.numel() for q in v.model.net.parameters())
        f1 = dev_f1(m)
        ratio = f"{t_total / silero:8.3f}" if silero else "       -"
        print(f"{Path(m).name:12} {f1 if f1 is None else round(f1, 4)!s:>7} {n_par:8d} {t_feat:8.5f} {t_one:9.5f} "
              f"{t_chunk:9.5f} {t_total:8.5f} {ratio} {dp:8.1e}")
    for h in [float(v) for v in a.rss_hours.split(",") if v]:
        for m in a.models:
            print(f"peak RSS, Vad.run_file on a {h:g} h file, {Path(m).name}: {rss_of_file(m, h, rate, x):.0f} MB")


if __name__ == "__main__":
    cli.run(main)
