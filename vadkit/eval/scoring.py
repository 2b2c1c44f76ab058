"""Scoring a decode dir against a data dir's reference: metrics.json, frame_stats.npz and figures.

Reference and hypothesis regions are put on the model's frame grid (features.FrameGrid, centre
rule) over the frames that were decoded; frame metrics are pooled over all recordings, segment
metrics (detection error rate with a collar) are computed on the regions themselves.

Threshold policy: the headline numbers use the decode's own hypothesis (hyp.rttm, made with the
threshold of its decode config).  With `tune_on` (a dev data dir and its decode dir) the threshold
that gives the best F1 (or DCF) on dev, through the same post-processing, is then applied unchanged
to this set: "tuned".  ScoreConfig's tune_min_silence_ms / tune_pad_ms (/ tune_min_speech_ms) lists tune those
post-processing settings on dev jointly with the threshold (human turn-level labels keep long pauses
inside speech, which the decode config's gap bridging may not span).  With a noise-only dev set as well
(`tune_noise`: recordings with no speech, decoded the same way) and ScoreConfig.tune_noise_max, only the
settings that call at most that share of its frames speech compete: F1 on a few dev recordings cannot see
false alarms on sounds they lack.  Nothing is ever tuned on the set being scored unless it is the dev set
itself.
Confidence intervals: bootstrap over recordings (vadkit.bootstrap).
"""
from __future__ import annotations

import dataclasses
import itertools
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from vadkit import config, io
from vadkit.eval import bootstrap, metrics, plots
from vadkit.config import DecodeConfig, FeatureConfig, ScoreConfig
from vadkit.data.datadir import load_data_dir
from vadkit.decode.decoding import read_probs
from vadkit.errors import InputError
from vadkit.features.grid import FrameGrid
from vadkit.decode.postprocess import bridge_recording, median_smoothed, probs_to_segments, segments_from_raw

log = logging.getLogger(__name__)
PLOT_WINDOW_S = 10.0  # the notebook's 10-second figure
STATS = "frame_stats.npz"  # per-recording counts (also tuned_counts) and score histograms: bootstrap, --compare, curves
PER_FILE_KEYS = ("accuracy", "f1", "miss_rate", "false_alarm_rate", "dcf", "n_frames")


@dataclass
class Decoded:
    """A decode dir and its reference on the frame grid: {rec_id: ...} for every recording."""
    data_dir: Path
    decode_dir: Path
    rec_ids: list[str]
    grid: FrameGrid
    decode: DecodeConfig
    wavs: dict[str, str]
    durations_s: dict[str, float]
    ref_regions: dict[str, list]
    hyp_regions: dict[str, list]
    refs: dict[str, np.ndarray]    # (n_frames,) int8 reference labels
    hyps: dict[str, np.ndarray]    # (n_frames,) int8 decisions from hyp.rttm
    probs: dict[str, np.ndarray]   # (n_frames,) float32 P(speech)


def load_decoded(data_dir: str | Path, decode_dir: str | Path) -> Decoded:
    data_dir, decode_dir = Path(data_dir), Path(decode_dir)
    d = load_data_dir(data_dir)
    if d.regions is None:
        raise InputError(f"{data_dir}: no rttm, so no reference to score against")
    marker = decode_dir / "decode.yaml"
    if not (decode_dir / "hyp.rttm").is_file() or not marker.is_file():
        raise InputError(f"{decode_dir}: no finished decode (hyp.rttm missing); run stage 4 first")
    sig = yaml.safe_load(marker.read_text(encoding="utf-8"))
    dcfg = config.from_dict(DecodeConfig, sig["decode"], str(marker))
    grid = FrameGrid.from_config(config.from_dict(FeatureConfig, yaml.safe_load(sig["data_cache"])["features"]))
    probs = read_probs(decode_dir)
    hyp_regions = io.read_rttm(decode_dir / "hyp.rttm")
    missing = sorted(set(d.regions) - set(probs))
    if missing:
        raise InputError(f"{decode_dir}: no probabilities for {missing[0]} (of {data_dir}); re-run stage 4")
    n = {r: len(probs[r]) for r in d.rec_ids}
    return Decoded(data_dir, decode_dir, list(d.rec_ids), grid, dcfg, dict(d.wavs), dict(d.durations_s),
                   {r: d.regions[r] for r in d.rec_ids}, {r: hyp_regions.get(r, []) for r in d.rec_ids},
                   {r: grid.labels(d.regions[r], n[r]) for r in d.rec_ids},
                   {r: grid.labels(hyp_regions.get(r, []), n[r]) for r in d.rec_ids},
                   {r: np.asarray(probs[r]) for r in d.rec_ids})


def delayed(dec: Decoded, k: int) -> Decoded:
    """The hypothesis (decisions, probabilities, regions) delayed by k frames (k < 0: advanced)."""
    if k == 0:
        return dec
    dt = k * dec.grid.hop_s
    regions = {r: [(max(0.0, s + dt), min(dec.durations_s[r], e + dt)) for s, e in segs
                   if min(dec.durations_s[r], e + dt) > max(0.0, s + dt)] for r, segs in dec.hyp_regions.items()}
    return dataclasses.replace(dec, hyp_regions=regions, hyps={r: metrics.delay(h, k) for r, h in dec.hyps.items()},
                               probs={r: metrics.delay(p, k, 0.0) for r, p in dec.probs.items()})


def rethreshold(dec: Decoded, threshold: float, postprocess: dict | None = None) -> tuple[dict, dict]:
    """Decisions and regions from the probabilities at another threshold, same post-processing but for
    the DecodeConfig fields in postprocess (a single threshold: onset/offset hysteresis is off)."""
    cfg = dataclasses.replace(dec.decode, threshold=float(threshold), onset=None, offset=None, **(postprocess or {}))
    regions = {r: probs_to_segments(dec.probs[r], cfg, dec.grid, dec.durations_s[r]) for r in dec.rec_ids}
    return {r: dec.grid.labels(regions[r], len(dec.probs[r])) for r in dec.rec_ids}, regions


def _counts(dec: Decoded, hyps: dict) -> np.ndarray:
    """(n_files, 4) int64 confusion counts tn, fp, fn, tp."""
    return np.array([list(metrics.confusion(dec.refs[r], hyps[r]).values()) for r in dec.rec_ids], dtype=np.int64)


def pooled(counts: np.ndarray) -> dict:
    """f1, dcf and accuracy of (n_files, 4) counts pooled over the files."""
    tn, fp, fn, tp = (int(v) for v in counts.sum(axis=0))
    return {"f1": metrics.f1_from_counts(tp, fp, fn), "dcf": metrics.dcf_from_counts(tp, fp, fn, tn),
            "accuracy": (tp + tn) / max(tp + tn + fp + fn, 1)}


def _better(metric: str, a: float | None, b: float | None) -> bool:
    """Is value a better than b for the metric (f1: higher, dcf: lower)?"""
    if a is None:
        return False
    return b is None or (a > b if metric == "f1" else a < b)


def postprocess_grid(dec: Decoded, cfg: ScoreConfig) -> list[dict]:
    """The post-processing settings tried with every threshold: the decode config's own first, then every
    other combination of cfg's tune lists (min_silence_ms x pad_ms, x min_speech_ms when that list is set)."""
    lists = {"min_silence_ms": cfg.tune_min_silence_ms, "pad_ms": cfg.tune_pad_ms}
    if cfg.tune_min_speech_ms:
        lists["min_speech_ms"] = cfg.tune_min_speech_ms
    own = {k: getattr(dec.decode, k) for k in lists}
    grid = [dict(zip(lists, combo)) for combo in itertools.product(*(v or [own[k]] for k, v in lists.items()))]
    return [own] + [g for g in grid if g != own]


def tune_threshold(data_dir: str | Path, decode_dir: str | Path, cfg: ScoreConfig,
                   noise: tuple[str | Path, str | Path] | None = None) -> dict:
    """The threshold in tune_step, 2*tune_step, ... < 1 and the postprocess_grid setting that
    choose_setting picks on this set by cfg.tune_metric and cfg.tune_rule; with `noise` (a noise-only
    data dir and its decode dir) and cfg.tune_noise_max, among the settings calling at most that share of
    the noise speech (none does: those calling the least)."""
    dec = load_decoded(data_dir, decode_dir)
    thresholds, grid, counts = sweep_counts(dec, cfg)
    values = [[pooled(c)[cfg.tune_metric] for c in row] for row in counts]
    shares = noise_shares(dec, *noise, cfg) if noise is not None and cfg.tune_noise_max is not None else None
    chosen = choose_setting(values, cfg, shares)
    if chosen is None:
        raise InputError(f"{data_dir}: {cfg.tune_metric} is undefined at every threshold (one class only); "
                         "tune on a set with both speech and non-speech")
    i, j, best = chosen
    out = {"threshold": thresholds[j], "postprocess": grid[i], "value": values[i][j], "best_value": best,
           "rule": cfg.tune_rule, "metric": cfg.tune_metric, "data": str(data_dir), "decode": str(decode_dir)}
    if shares is not None:
        out["noise"] = {"data": str(noise[0]), "decode": str(noise[1]), "max_share": cfg.tune_noise_max,
                        "share": shares[i][j], "met": shares[i][j] <= cfg.tune_noise_max + 1e-12}
    return out


def noise_shares(dec: Decoded, noise_data: str | Path, noise_decode: str | Path, cfg: ScoreConfig
                 ) -> list[list[float]]:
    """shares[setting][threshold]: the share of a noise-only set's frames each setting of dec's sweep calls
    speech.  The noise set must hold no speech and be decoded with dec's post-processing."""
    nd = load_decoded(noise_data, noise_decode)
    if any(nd.ref_regions.values()):
        raise InputError(f"{noise_data}: its rttm has speech regions; the noise set for tuning (--tune-noise) "
                         "must be recordings with no speech at all")
    ours, theirs = config.to_dict(dec.decode), config.to_dict(nd.decode)
    if ours != theirs:
        diff = sorted(k for k in ours if ours[k] != theirs.get(k))
        raise InputError(f"{noise_decode}: decoded with other post-processing ({', '.join(diff)}) than "
                         f"{dec.decode_dir}; decode both with the same decode config (stage 4)")
    if nd.grid != dec.grid:
        raise InputError(f"{noise_decode}: on another frame grid than {dec.decode_dir}; decode both with the same "
                         "model and features")
    counts = sweep_counts(nd, cfg)[2]
    return [[float(c[:, 1].sum()) / max(int(c[:, :2].sum()), 1) for c in row] for row in counts]


def sweep_counts(dec: Decoded, cfg: ScoreConfig) -> tuple[list[float], list[dict], list[list[np.ndarray]]]:
    """The thresholds tune_step.. < 1, the postprocess_grid settings, and counts[setting][threshold]: the
    (n_files, 4) confusion counts of every recording there: what rethreshold gives at each (threshold,
    setting), computed in an order that shares the work.  A median (rank) filter commutes with a threshold,
    so each recording is smoothed once and thresholded after; its raw regions at a threshold serve every
    setting, which only bridges, drops, pads and splits them."""
    thresholds = [round(float(t), 6) for t in np.arange(1, round(1 / cfg.tune_step)) * cfg.tune_step]
    grid = postprocess_grid(dec, cfg)
    cfgs = [dataclasses.replace(dec.decode, onset=None, offset=None, **pp) for pp in grid]
    counts = np.zeros((len(grid), len(thresholds), len(dec.rec_ids), 4), dtype=np.int64)
    for f, r in enumerate(dec.rec_ids):
        probs, ref = dec.probs[r], dec.refs[r]
        smoothed = median_smoothed(probs, dec.decode.median_frames)
        for j, t in enumerate(thresholds):
            raw = dec.grid.segments(smoothed >= t)
            for i, c in enumerate(cfgs):
                segs = segments_from_raw(raw, probs, c, dec.grid, dec.durations_s[r])
                counts[i, j, f] = list(metrics.confusion(ref, dec.grid.labels(segs, len(probs))).values())
    return thresholds, grid, [list(row) for row in counts]


def choose_setting(values: list[list[float | None]], cfg: ScoreConfig,
                   noise: list[list[float]] | None = None) -> tuple[int, int, float] | None:
    """(setting, threshold index, best value) from values[setting][threshold] (None: undefined), or None.

    tune_rule best: the best cfg.tune_metric (ties: the first setting, then the lowest threshold).  plateau:
    among the runs of consecutive thresholds whose value is within tune_margin of that best (in any
    setting), the middle of the longest (ties: as above).  On a small dev set the single best point is
    partly luck; the middle of a broad plateau moves less from one set of recordings to the next.
    noise (shares[setting][threshold] of a noise-only set called speech, with cfg.tune_noise_max): only the
    settings at most at that share compete; if none is, those at the least share (no tune_noise_max: ignored)."""
    if noise is not None and cfg.tune_noise_max is not None:
        cap = cfg.tune_noise_max if any(v <= cfg.tune_noise_max + 1e-12 for row in noise for v in row) else \
            min(v for row in noise for v in row)
        values = [[v if n <= cap + 1e-12 else None for v, n in zip(row, nrow)] for row, nrow in zip(values, noise)]
    best = None
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            if _better(cfg.tune_metric, v, None if best is None else values[best[0]][best[1]]):
                best = (i, j)
    if best is None:
        return None
    top = values[best[0]][best[1]]
    if cfg.tune_rule == "best":
        return (*best, top)
    sign = 1 if cfg.tune_metric == "f1" else -1
    longest = (0, best)
    for i, row in enumerate(values):
        start = None
        for j, v in enumerate(row + [None]):
            near = v is not None and sign * (v - top) >= -cfg.tune_margin - 1e-12
            if near and start is None:
                start = j
            elif not near and start is not None:
                if j - start > longest[0]:
                    longest = (j - start, (i, (start + j - 1) // 2))
                start = None
    return (*longest[1], top)


def shift_search(dec: Decoded, cfg: ScoreConfig) -> dict:
    """The hypothesis delay in -max..max frames with the best cfg.tune_metric (ties: the smallest |k|)."""
    by_shift = {k: pooled(_counts(dec, {r: metrics.delay(h, k) for r, h in dec.hyps.items()}))
                for k in sorted(range(-cfg.max_frame_shift, cfg.max_frame_shift + 1), key=abs)}
    best = 0
    for k, m in by_shift.items():
        if _better(cfg.tune_metric, m[cfg.tune_metric], by_shift[best][cfg.tune_metric]):
            best = k
    return {"metric": cfg.tune_metric, "best_shift_frames": best, "best_shift_ms": round(best * dec.grid.hop_s * 1000, 3),
            "at_best": by_shift[best], "at_zero": by_shift[0],
            f"{cfg.tune_metric}_by_shift": {str(k): by_shift[k][cfg.tune_metric] for k in sorted(by_shift)}}


def assess(dec: Decoded, hyps: dict, hyp_regions: dict, cfg: ScoreConfig, weights: np.ndarray) -> tuple[dict, dict]:
    """Frame, score and segment metrics of one hypothesis with bootstrap intervals; and the
    per-recording statistics saved in frame_stats.npz."""
    ids = dec.rec_ids
    ref, hyp = np.concatenate([dec.refs[r] for r in ids]), np.concatenate([hyps[r] for r in ids])
    m = metrics.frame_metrics(ref, hyp, np.concatenate([dec.probs[r] for r in ids]))
    errs = [metrics.detection_errors(dec.ref_regions[r], hyp_regions[r], dec.durations_s[r], cfg.collar_s) for r in ids]
    m["segment"] = {**metrics.detection_error_rate(errs), "collar_s": cfg.collar_s}
    m["der"] = m["segment"]["der"]
    counts = _counts(dec, hyps)
    levels = bootstrap.score_levels(np.concatenate([dec.probs[r] for r in ids]))
    pos, neg = bootstrap.score_histograms([dec.refs[r] for r in ids], [dec.probs[r] for r in ids], levels)
    samples = bootstrap.resampled_metrics(weights, counts, pos, neg)
    m["ci95" if cfg.confidence == 0.95 else f"ci{round(cfg.confidence * 100)}"] = {
        k: bootstrap.interval(v, cfg.confidence) for k, v in samples.items()}
    m["per_file"] = []
    for r, e, c in zip(ids, errs, counts):
        f = metrics.frame_metrics(dec.refs[r], hyps[r])
        m["per_file"].append({"rec_id": r, **{k: f[k] for k in PER_FILE_KEYS},
                              "der": metrics.detection_error_rate([e])["der"], **f["confusion"]})
    return m, {"rec_ids": np.array(ids), "counts": counts, "levels": levels, "pos": pos, "neg": neg}


def score(data_dir: str | Path, decode_dir: str | Path, cfg: ScoreConfig | None = None,
          tune_on: tuple[str | Path, str | Path] | None = None, frame_shift: int = 0,
          plot_rec_id: str | None = None, plot_start_s: float | None = None,
          tune_noise: tuple[str | Path, str | Path] | None = None) -> dict:
    """Score decode_dir against data_dir; write decode_dir/scoring/{frame_stats.npz, confusion.png,
    per_file_errors.png, waveform_<rec_id>.png, metrics.json (last)}; return the metrics.

    tune_on: (dev data dir, dev decode dir) to tune a threshold on; tune_noise: (noise-only data dir, its
    decode dir) whose false alarms the tuned setting keeps under cfg.tune_noise_max; frame_shift: score the
    hypothesis delayed by this many frames.
    """
    if tune_noise is not None and tune_on is None:
        raise InputError(f"{tune_noise[0]}: a noise set for tuning needs the dev set it goes with (--tune-on)")
    cfg = cfg or ScoreConfig()
    base = load_decoded(data_dir, decode_dir)
    dec = delayed(base, frame_shift)
    weights = bootstrap.resample_weights(len(dec.rec_ids), cfg.bootstrap_resamples, cfg.bootstrap_seed)
    result, stats = assess(dec, dec.hyps, dec.hyp_regions, cfg, weights)
    ref = np.concatenate([dec.refs[r] for r in dec.rec_ids])
    result.update({
        "threshold": dec.decode.threshold,
        "threshold_source": f"{Path(decode_dir) / 'decode.yaml'}: the decode config's threshold (fixed)",
        "frame_shift": frame_shift, "baseline_all_speech": metrics.all_speech_baseline(ref),
        "n_files": len(dec.rec_ids), "decode": config.to_dict(dec.decode),
        "bootstrap": {"unit": "recording", "resamples": cfg.bootstrap_resamples, "seed": cfg.bootstrap_seed,
                      "level": cfg.confidence, "metrics": list(bootstrap.METRICS)},
        "shift_search": shift_search(base, cfg)})
    if tune_on is not None:
        t = tune_threshold(*tune_on, cfg, tune_noise)
        tuned, tuned_stats = assess(dec, *rethreshold(dec, t["threshold"], t["postprocess"]), cfg, weights)
        stats["tuned_counts"] = tuned_stats["counts"]   # for paired comparisons at the tuned setting
        pp = ", ".join(f"{k} {v:g}" for k, v in t["postprocess"].items())
        chosen = (f"best {t['metric']} ({t['value']:.4f})" if t["rule"] == "best" else
                  f"middle of the longest run of thresholds within {cfg.tune_margin:g} of the best {t['metric']} "
                  f"({t['best_value']:.4f}; here {t['value']:.4f})")
        if "noise" in t:
            n = t["noise"]
            chosen += (f", among the settings calling at most {n['max_share']:.1%} of {n['data']} speech "
                       f"(here {n['share']:.1%})" if n["met"] else
                       f", among the settings calling the least of {n['data']} speech ({n['share']:.1%}; none "
                       f"reaches tune_noise_max {n['max_share']:.1%})")
        same = Path(t["data"]).resolve() == Path(data_dir).resolve()
        result["tuned"] = {"threshold": t["threshold"], "postprocess": t["postprocess"], "rule": t["rule"],
                           **({"noise": t["noise"]} if "noise" in t else {}),
                           "threshold_source": (
            f"{chosen} on {t['data']} ({t['decode']}), thresholds {cfg.tune_step:g}..{1 - cfg.tune_step:g}, {pp}"
            + (" (this very set: optimistic)" if same else ", applied unchanged")),
            **{k: v for k, v in tuned.items() if k != "per_file"}}
    out = Path(decode_dir) / "scoring"
    (out / "metrics.json").unlink(missing_ok=True)
    with io.atomic_open(out / STATS) as f:
        np.savez_compressed(f, **stats)
    _figures(dec, result, out, plot_rec_id, plot_start_s)
    io.write_json(out / "metrics.json", result)  # last: scoring is finished when it exists
    return result


def _figures(dec: Decoded, result: dict, out: Path, plot_rec_id: str | None, plot_start_s: float | None) -> None:
    title = f"{dec.decode_dir.parent.name} {dec.decode_dir.name}"
    plots.confusion_matrix(result["confusion"], out / "confusion.png", title)
    plots.per_file_errors(result["per_file"], out / "per_file_errors.png", title)
    rec_id = plot_rec_id or dec.rec_ids[0]
    if not dec.wavs:
        log.info("%s: features without audio (.mat): no waveform figure", dec.data_dir)
        return
    if rec_id not in dec.wavs:
        raise InputError(f"{dec.data_dir}/wav.scp: no recording {rec_id!r} to plot")
    x, sr = io.read_audio(dec.wavs[rec_id])
    dur = len(x) / sr
    start_s = plot_start_s
    if start_s is None:
        start_s = PLOT_WINDOW_S if dur >= 2 * PLOT_WINDOW_S else 0.0
    end_s = min(dur, start_s + PLOT_WINDOW_S)
    t = dec.grid.centres(len(dec.refs[rec_id]))
    sel = (t >= start_s) & (t < end_s)
    plots.waveform_labels(x[int(start_s * sr):int(end_s * sr)], sr,
                          {"reference": dec.refs[rec_id][sel], "hypothesis": dec.hyps[rec_id][sel]}, t[sel],
                          out / f"waveform_{rec_id}.png", start_s, f"{title}: {rec_id} {start_s:.0f}-{end_s:.0f} s",
                          dec.probs[rec_id][sel])


STATS_KEYS = ("rec_ids", "counts", "pos", "neg", "levels")  # what every scored decode's frame_stats.npz holds


def read_stats(decode_dir: str | Path) -> dict[str, np.ndarray]:
    """frame_stats.npz of a scored decode dir (see assess).  A missing, corrupt or incomplete file raises
    InputError naming it and the fix (scoring again)."""
    import zipfile
    path = Path(decode_dir) / "scoring" / STATS
    if not path.is_file():
        raise InputError(f"{path}: missing; re-run scoring (steps/score.py; stage 5) for {decode_dir}")
    try:
        with np.load(path, allow_pickle=False) as z:
            stats = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        why = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise InputError(f"{path}: unreadable ({why}); re-run scoring (steps/score.py; stage 5) for {decode_dir}") \
            from None
    missing = [k for k in STATS_KEYS if k not in stats]
    if missing:
        raise InputError(f"{path}: no {', '.join(missing)} in it; re-run scoring (steps/score.py; stage 5) for "
                         f"{decode_dir}")
    return stats


def bridged_roc_auc(dec: Decoded, cfg: DecodeConfig, streams: bool) -> float | None:
    """Frame ROC-AUC of a decode (made with the bridge off) had its probabilities been bridged as `cfg` says
    for a network that `streams` or not (postprocess.bridge_recording), all recordings pooled: what
    local/tune_bridge.py selects on."""
    probs = [bridge_recording(dec.probs[r], cfg, dec.grid.hop_s, streams) for r in dec.rec_ids]
    return metrics.roc_auc(np.concatenate([dec.refs[r] for r in dec.rec_ids]), np.concatenate(probs))
