"""Speed and memory of the recipe's parts and of every system, on the same audio (local/benchmark.py).

Each measurement runs in a fresh process (spawned, one thread: OMP/MKL = 1, torch.set_num_threads(1)),
so its peak resident memory (timing.peak_rss_mb) is that system's alone, imports included; the timed part
starts after imports, model loading and a 1 s warm-up (librosa's first call compiles).  Times are
the process's CPU seconds (vadkit.bench.timing: insensitive to other processes on a shared machine), except
the multi-core feature figures, which are wall time by nature.
  * features: stage 2's own code (cache.make_part: read audio, MFCC + deltas, labels, ark
    write) on a copy of the chosen recordings' tables.  x_realtime = audio seconds / CPU seconds of
    one job; x_realtime_by_cores[N] = audio seconds / wall seconds of N jobs at once (first start
    to last end).
  * training: `training.train_steps` on the chosen recordings' features with the model's own
    config (batch 51 x 300 frames by default); frames/s = steps * batch * segment_frames / CPU seconds.
  * inference: audio in memory -> P(speech) on our grid (features + network for our models, the
    package's own front end for a baseline); rtf_1thread = CPU seconds / audio seconds, best of 2.
  * the VAD tool, part by part (models): on the chosen audio joined into one stream, the RTF of
    features alone, of the network in one exact pass and in Vad's default batched chunks, and of the
    whole Vad.probs; max_abs_dp_chunked = the largest probability difference chunked vs exact.
  * long files (rss_hours): peak memory of Vad.run_file on a file that long (the chosen audio tiled),
    which reads and decodes the file block by block.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from vadkit import io
from vadkit.bench import timing
from vadkit.data import datadir
from vadkit.errors import InputError

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def select_recordings(data_dir: str | Path, max_s: float) -> list[str]:
    """The first recordings (sorted by rec_id) of a data dir until they hold max_s seconds of audio."""
    d = datadir.load_data_dir(data_dir)
    out, total = [], 0.0
    for rec_id in d.rec_ids:
        if total >= max_s:
            break
        out.append(rec_id)
        total += d.durations_s[rec_id]
    return out


def _one_thread() -> None:
    for v in THREAD_VARS:
        os.environ[v] = "1"
    import torch
    torch.set_num_threads(1)


def _child(conn, fn, args):
    try:
        _one_thread()
        conn.send(("ok", fn(*args), timing.peak_rss_mb()))
    except BaseException as e:  # report to the parent, which raises it with the system's name
        conn.send(("error", f"{type(e).__name__}: {e}", 0.0))
    finally:
        conn.close()


def isolated(fn, *args) -> tuple[object, float]:
    """Run fn(*args) in a fresh spawned process: (its result, its peak RSS in MB)."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    for v in THREAD_VARS:  # inherited by the spawned interpreter before numpy/torch load
        os.environ[v] = "1"
    p = ctx.Process(target=_child, args=(child, fn, args))
    p.start()
    child.close()
    status, result, rss = parent.recv()
    p.join()
    if status != "ok":
        raise RuntimeError(result)
    return result, rss


# ---------------------------------------------------------------- features
def _feature_job(tmp_dir: str, cfg_dict: dict, nj: int, job: int, start_at: float) -> tuple[float, float, float]:
    from vadkit import config
    from vadkit.config import FeatureConfig
    from vadkit.features import cache, extract
    cfg = config.from_dict(FeatureConfig, cfg_dict)
    rng = np.random.default_rng(0)
    extract.compute_features(rng.standard_normal(cfg.sample_rate_hz).astype(np.float32) * 0.1,
                              cfg.sample_rate_hz, cfg)  # warm-up: librosa/numba compile on first use
    while time.time() < start_at:  # every job starts together, after its imports
        time.sleep(0.01)
    t0, c0 = time.time(), time.process_time()
    cache.make_part(tmp_dir, cfg, "ark", nj, job)
    return t0, time.time(), time.process_time() - c0


def feature_throughput(data_dir: str | Path, rec_ids: list[str], cfg, cores: int,
                       start_delay_s: float = 15.0) -> tuple[float, float]:
    """x real time of stage 2's caching code with `cores` jobs at once: (by wall time, by CPU time)."""
    from vadkit import config
    d = datadir.load_data_dir(data_dir)
    audio_s = sum(d.durations_s[r] for r in rec_ids)
    with tempfile.TemporaryDirectory(prefix="vad-bench-") as tmp:
        regions = None if d.regions is None else {r: d.regions[r] for r in rec_ids}
        datadir.write_data_dir(tmp, {r: d.wavs[r] for r in rec_ids}, regions)
        ctx = mp.get_context("spawn")
        start_at = time.time() + start_delay_s * cores  # room for every job to import and warm up
        pool = ctx.Pool(cores)
        try:
            spans = pool.starmap(_feature_job, [(tmp, config.to_dict(cfg), cores, j, start_at)
                                                for j in range(1, cores + 1)])
        finally:
            pool.close()
            pool.join()
    t0, t1 = min(s[0] for s in spans), max(s[1] for s in spans)
    return audio_s / (t1 - t0), audio_s / sum(s[2] for s in spans)


# ---------------------------------------------------------------- inference
def _imports_only() -> None:
    """What every measuring process loads anyway: the floor under each peak_rss_mb."""
    import torch  # noqa: F401


def _load_audio(wavs: dict[str, str], rate_hz: int) -> list[np.ndarray]:
    return [io.read_audio(wavs[r], rate_hz)[0] for r in sorted(wavs)]


def _model_rtf(model_dir: str, wavs: dict[str, str]) -> float:
    from vadkit.features.extract import compute_features
    from vadkit.models.checkpoint import TrainedModel
    m = TrainedModel(model_dir, device="cpu")
    rate = m.feature_config.sample_rate_hz
    audio = _load_audio(wavs, rate)
    m.probs([compute_features(audio[0][:rate], rate, m.feature_config)])  # warm-up
    return timing.rtf(lambda: [m.probs([compute_features(x, rate, m.feature_config)]) for x in audio],
                     sum(map(len, audio)) / rate, repeat=2, warmup=0)


def _baseline_rtf(name: str, wavs: dict[str, str], rate: int, baseline_cfg: dict) -> float:
    from vadkit import config
    from vadkit.bench import baselines
    from vadkit.config import BaselineConfig
    from vadkit.features.grid import FrameGrid
    b = baselines.make(name, config.from_dict(BaselineConfig, baseline_cfg), FrameGrid())
    audio = _load_audio(wavs, rate)
    b.probs(audio[0][:rate], rate)  # warm-up
    return timing.rtf(lambda: [b.probs(x, rate) for x in audio], sum(map(len, audio)) / rate, repeat=2, warmup=0)


# ---------------------------------------------------------------- the VAD tool, part by part
def _vad_parts(model_dir: str, wavs: dict[str, str]) -> dict:
    from vadkit import Vad
    from vadkit.features.extract import TOP_DB, log_mel, loudest_db
    from vadkit.tool.vad import chunked_logits
    v = Vad(model_dir, device="cpu")
    exact = Vad(v.model, v.decode, chunk_s=None)
    rate = v.sample_rate_hz
    x = np.concatenate(_load_audio(wavs, rate))
    audio_s = len(x) / rate

    def feats() -> list:
        lm = log_mel(x, rate, v.fc)
        return list(v._feature_blocks([lm], loudest_db(lm, v.fc) - TOP_DB))
    f = feats()
    rtf = {"features": timing.rtf(feats, audio_s, repeat=2),
           "net_one_pass": timing.rtf(lambda: exact._one_pass(iter(f)), audio_s, repeat=2),
           "net_chunked": timing.rtf(lambda: list(chunked_logits(v.model.net, iter(f), v.chunk, v.context,
                                                                 v.lookahead, v.batch_size, "cpu")),
                                     audio_s, repeat=2),
           "total": timing.rtf(lambda: v.probs(x, rate), audio_s, repeat=2)}
    return {"rtf": {k: round(t, 5) for k, t in rtf.items()},
            "max_abs_dp_chunked": float(np.abs(v.probs(x, rate) - exact.probs(x, rate)).max()),
            "params": sum(q.numel() for q in v.model.net.parameters())}


def _run_file(model_dir: str, path: str) -> int:
    from vadkit import Vad
    return len(Vad(model_dir, device="cpu").run_file(path).probs)


def long_file_rss(model_dir: str, wavs: dict[str, str], hours: float) -> float:
    """Peak RSS (MB) of a fresh process running Vad.run_file on an `hours`-long wav (the audio tiled)."""
    import soundfile as sf

    from vadkit.models.checkpoint import TrainedModel
    rate = TrainedModel(model_dir, device="cpu").feature_config.sample_rate_hz
    x = np.concatenate(_load_audio(wavs, rate))
    with tempfile.TemporaryDirectory() as d:
        path, n = Path(d) / "long.wav", int(hours * 3600 * rate)
        with sf.SoundFile(str(path), "w", rate, 1, "PCM_16") as f:
            for a in range(0, n, len(x)):
                f.write(x[:min(len(x), n - a)])
        return isolated(_run_file, model_dir, str(path))[1]


def dev_f1(model_dir: str) -> float | None:
    """The model's F1 on its dev set, when it was scored (exp/<model>/decode_dev/scoring/metrics.json)."""
    p = Path(model_dir) / "decode_dev" / "scoring" / "metrics.json"
    return io.read_json(p).get("f1") if p.is_file() else None


# ---------------------------------------------------------------- training
def _train_fps(model_dir: str, data_dir: str, rec_ids: list[str], steps: int) -> float:
    import torch

    from vadkit import config
    from vadkit.config import ExperimentConfig
    from vadkit.features import cache
    from vadkit.features.extract import model_columns
    from vadkit.models.checkpoint import load_checkpoint
    from vadkit.models.networks import build_model
    from vadkit.train import training
    ck = load_checkpoint(Path(model_dir) / "final.pt")
    cfg = ExperimentConfig(config.from_dict(config.ModelConfig, ck["model_config"]), config.TrainConfig())
    feats, labels, info = cache.load(data_dir, require_labels=False, rec_ids=rec_ids)
    columns = model_columns(config.from_dict(config.FeatureConfig, ck["feature_config"]),
                            config.from_dict(config.FeatureConfig, info["features"]))
    ids = sorted(feats)
    x = [np.asarray(feats[r] if columns is None else feats[r][:, columns])[:, :cfg.model.input_dims] for r in ids]
    y = [np.asarray(labels[r]) if labels else np.zeros(len(feats[r]), np.float32) for r in ids]
    model = build_model(cfg.model)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.train.lr)
    sampler = training.SegmentSampler(x, y, cfg.train.segment_frames, cfg.train.batch_size)
    training.train_steps(model, opt, sampler, 1, cfg, 1)  # warm-up
    seconds = timing.time_call(lambda: training.train_steps(model, opt, sampler, steps, cfg, 2),
                              repeat=1, warmup=0)
    return steps * cfg.train.batch_size * cfg.train.segment_frames / seconds


# ---------------------------------------------------------------- machine
def machine_info() -> dict:
    versions = {}
    import importlib.metadata
    for pkg in ("torch", "numpy", "librosa", "onnxruntime", "silero-vad", "webrtcvad-wheels", "ten-vad"):
        try:
            versions[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            pass
    return {"line": timing.machine(), "cpu": timing.cpu_model(), "cores": len(os.sched_getaffinity(0)), "platform": platform.platform(),
            "python": platform.python_version(), "load_avg_1min_start": round(os.getloadavg()[0], 2),
            "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()), "versions": versions}


def _feature_figures(data_dir: Path, rec_ids: list[str], feature_cfg, cores: list[int], start_delay_s: float,
                     log) -> dict:
    by_cores, cpu_based = {}, None
    for n in cores:
        if n > len(rec_ids):
            log(f"features: {n} cores need {n} recordings, only {len(rec_ids)} chosen; skipped")
            continue
        wall, cpu = feature_throughput(data_dir, rec_ids, feature_cfg, n, start_delay_s)
        by_cores[str(n)] = round(wall, 1)
        if cpu_based is None or n == 1:  # per CPU second: from the single job when measured
            cpu_based = round(cpu, 1)
        log(f"features: {wall:.1f} x real time (wall) with {n} job(s) at once, {cpu:.1f} per CPU second")
    return {"x_realtime": cpu_based, "x_realtime_by_cores": by_cores, "code": "cache.make_part (stage 2), ark",
            "note": "x_realtime: audio s / CPU s of the jobs; by_cores: audio s / wall s of N jobs at once"}


def run(data_dir: str | Path, model_dirs: list[str], baseline_names: list[str], max_s: float,
        cores: list[int], train_steps: int, feature_cfg, baseline_cfg: dict, log=print,
        start_delay_s: float = 15.0, rss_hours: list[float] = ()) -> dict:
    """All measurements in one run; returns the benchmark.json document."""
    from vadkit import config
    data_dir = Path(data_dir)
    rec_ids = select_recordings(data_dir, max_s)
    d = datadir.load_data_dir(data_dir)
    if not (data_dir / "feats.yaml").is_file() and model_dirs:
        raise InputError(f"{data_dir}: no feature cache; run stage 2 for it first (training throughput reads it)")
    wavs = {r: d.wavs[r] for r in rec_ids}
    audio_s = sum(d.durations_s[r] for r in rec_ids)
    doc = {"machine": machine_info(), "audio": {"data_dir": str(data_dir), "n_recordings": len(rec_ids),
                                                "seconds": round(audio_s, 2)},
           "systems": {}, "features": {}}
    doc["features"] = _feature_figures(data_dir, rec_ids, feature_cfg, cores, start_delay_s, log)
    doc["rss_floor_mb"] = round(isolated(_imports_only)[1], 1)  # python + numpy + torch + vadkit, no work
    for m in model_dirs:
        name = Path(m).name
        rtf, rss = isolated(_model_rtf, m, wavs)
        # train_steps 0: no training throughput (None)
        fps, train_rss = isolated(_train_fps, m, str(data_dir), rec_ids, train_steps) if train_steps else (None, None)
        parts, _ = isolated(_vad_parts, m, wavs)
        doc["systems"][name] = {"rtf_1thread": rtf, "peak_rss_mb": round(rss, 1),
                                "train_frames_per_s": None if fps is None else round(fps),
                                "train_peak_rss_mb": None if train_rss is None else round(train_rss, 1),
                                "kind": "model", "dev_f1": dev_f1(m),
                                "vad_parts": parts,
                                "long_file_rss_mb": {f"{h:g}": round(long_file_rss(m, wavs, h), 1) for h in rss_hours}}
        log(f"{name}: rtf {rtf:.4f}, {rss:.0f} MB" + ("" if fps is None else f"; training {fps:.0f} frames/s"))
    for b in baseline_names:
        name = f"baseline_{b}"
        rtf, rss = isolated(_baseline_rtf, b, wavs, feature_cfg.sample_rate_hz, baseline_cfg)
        doc["systems"][name] = {"rtf_1thread": rtf, "peak_rss_mb": round(rss, 1), "kind": "baseline"}
        log(f"{name}: rtf {rtf:.4f}, {rss:.0f} MB")
    ref = doc["systems"].get("baseline_silero")
    for s in doc["systems"].values():
        s["rtf_vs_silero"] = round(s["rtf_1thread"] / ref["rtf_1thread"], 3) if ref else None
        s["rtf_1thread"] = round(s["rtf_1thread"], 5)
    doc["machine"]["load_avg_1min_end"] = round(os.getloadavg()[0], 2)
    doc["settings"] = {"max_audio_s": max_s, "cores": cores, "train_steps": train_steps, "rss_hours": list(rss_hours),
                       "features": config.to_dict(feature_cfg)}
    return doc


def _aligned(rows: list[tuple]) -> list[str]:
    w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w[i]) if i == 0 else c.rjust(w[i]) for i, c in enumerate(r)) for r in rows]


def _parts_rows(doc: dict) -> list[tuple]:
    rows = [("model", "dev_f1", "params", "feats", "net_1pass", "net_chunk", "total", "max|dp|", "long-file MB")]
    for name, s in doc["systems"].items():
        if "vad_parts" in s:
            p = s["vad_parts"]
            rows.append((name, "-" if s["dev_f1"] is None else f"{s['dev_f1']:.4f}", str(p["params"]),
                         *(f"{p['rtf'][k]:.5f}" for k in ("features", "net_one_pass", "net_chunked", "total")),
                         f"{p['max_abs_dp_chunked']:.1e}",
                         " ".join(f"{h}h:{v:.0f}" for h, v in s["long_file_rss_mb"].items()) or "-"))
    return rows


def format_table(doc: dict) -> str:
    """Aligned text tables of a benchmark document: every system, then the VAD tool's parts per model."""
    rows = [("system", "rtf_1thread", "x_silero", "peak_rss_mb", "train_frames_per_s")]
    for name, s in doc["systems"].items():
        rows.append((name, f"{s['rtf_1thread']:.4f}", "-" if s["rtf_vs_silero"] is None else f"{s['rtf_vs_silero']:.2f}",
                     f"{s['peak_rss_mb']:.0f}", str(s.get("train_frames_per_s") or "-")))
    lines = _aligned(rows)
    f = doc["features"]["x_realtime_by_cores"]
    lines.append(f"features (stage 2 caching): {doc['features']['x_realtime']:.1f} x real time per CPU second; wall: "
                 + ", ".join(f"{v:.1f} x with {k} job(s) at once" for k, v in f.items()))
    m = doc["machine"]
    lines.append(f"peak_rss_mb includes {doc['rss_floor_mb']:.0f} MB that a process importing torch and vadkit "
                 "holds before any work")
    lines.append(f"machine: {m['cpu']}, {m['cores']} cores, load average {m['load_avg_1min_start']} -> "
                 f"{m.get('load_avg_1min_end')}; audio: {doc['audio']['seconds']:.0f} s "
                 f"({doc['audio']['n_recordings']} recordings of {doc['audio']['data_dir']})")
    parts = _parts_rows(doc)
    if len(parts) > 1:
        lines += ["", "the VAD tool, part by part (RTF, one thread; max|dp|: chunked vs one exact pass):"]
        lines += _aligned(parts)
    return "\n".join(lines)
