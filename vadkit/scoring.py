"""Scoring a decode dir against a data dir's reference: metrics.json and its figures.

Reference and hypothesis regions are put on the model's frame grid (features.FrameGrid, centre
rule) over the frames that were decoded; frame metrics are pooled over all recordings.
metrics.json keys read by other tools: accuracy, precision, recall, f1, miss_rate,
false_alarm_rate, roc_auc, threshold, n_frames (plus speech_ratio, confusion,
baseline_all_speech, n_files, per_file, decode).
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import yaml

from vadkit import config, io, metrics, plots
from vadkit.config import DecodeConfig, FeatureConfig
from vadkit.data import load_data_dir
from vadkit.decode import read_probs
from vadkit.errors import InputError
from vadkit.features import FrameGrid

log = logging.getLogger(__name__)
PLOT_WINDOW_S = 10.0  # the notebook's 10-second figure


def score(data_dir: str | Path, decode_dir: str | Path, plot_rec_id: str | None = None,
          plot_start_s: float | None = None) -> dict:
    """Score decode_dir against data_dir; write decode_dir/scoring/{metrics.json, confusion.png,
    waveform_<rec_id>.png}; return the metrics."""
    data_dir, decode_dir = Path(data_dir), Path(decode_dir)
    d = load_data_dir(data_dir)
    if d.regions is None:
        raise InputError(f"{data_dir}: no rttm, so no reference to score against")
    marker = decode_dir / "decode.yaml"
    if not (decode_dir / "hyp.rttm").is_file() or not marker.is_file():
        raise InputError(f"{decode_dir}: no finished decode (hyp.rttm missing); run stage 4 first")
    sig = yaml.safe_load(marker.read_text())
    dcfg = config.from_dict(DecodeConfig, sig["decode"], str(marker))
    grid = FrameGrid.from_config(config.from_dict(FeatureConfig, yaml.safe_load(sig["data_cache"])["features"]))
    probs = read_probs(decode_dir)
    hyp_regions = io.read_rttm(decode_dir / "hyp.rttm")
    missing = sorted(set(d.regions) - set(probs))
    if missing:
        raise InputError(f"{decode_dir}: no probabilities for {missing[0]} (of {data_dir}); re-run stage 4")
    refs, hyps, scores, per_file = [], [], [], []
    for rec_id in d.rec_ids:
        n = len(probs[rec_id])
        ref, hyp = grid.labels(d.regions[rec_id], n), grid.labels(hyp_regions.get(rec_id, []), n)
        m = metrics.frame_metrics(ref, hyp, probs[rec_id])
        per_file.append({"rec_id": rec_id, **{k: m[k] for k in ("accuracy", "f1", "miss_rate",
                                                                "false_alarm_rate", "n_frames")}})
        refs.append(ref), hyps.append(hyp), scores.append(probs[rec_id])
    ref, hyp = np.concatenate(refs), np.concatenate(hyps)
    result = {**metrics.frame_metrics(ref, hyp, np.concatenate(scores)),
              "threshold": dcfg.threshold, "threshold_source": "conf/decode.yaml (fixed)",
              "baseline_all_speech": metrics.all_speech_baseline(ref), "n_files": len(d.rec_ids),
              "decode": config.to_dict(dcfg), "per_file": per_file}
    out = decode_dir / "scoring"
    title = f"{decode_dir.parent.name} {decode_dir.name}"
    plots.confusion_matrix(result["confusion"], out / "confusion.png", title)
    rec_id = plot_rec_id or d.rec_ids[0]
    if d.feature_only:
        log.info("%s: features without audio (.mat): no waveform figure", data_dir)
    elif rec_id not in d.wavs:
        raise InputError(f"{data_dir}/wav.scp: no recording {rec_id!r} to plot")
    else:
        _plot_window(d.wavs[rec_id], rec_id, grid, refs[d.rec_ids.index(rec_id)], hyps[d.rec_ids.index(rec_id)],
                     probs[rec_id], out / f"waveform_{rec_id}.png", plot_start_s, title)
    io.write_json(out / "metrics.json", result)  # last: scoring is finished when it exists
    return result


def _plot_window(wav: str, rec_id: str, grid: FrameGrid, ref: np.ndarray, hyp: np.ndarray, probs: np.ndarray,
                 path: Path, start_s: float | None, title: str) -> None:
    """10 s of waveform with reference and hypothesis labels (the notebook's 'segment 1' = 10-20 s)."""
    x, sr = io.read_audio(wav)
    dur = len(x) / sr
    if start_s is None:
        start_s = PLOT_WINDOW_S if dur >= 2 * PLOT_WINDOW_S else 0.0
    end_s = min(dur, start_s + PLOT_WINDOW_S)
    t = grid.centres(len(ref))
    sel = (t >= start_s) & (t < end_s)
    plots.waveform_labels(x[int(start_s * sr):int(end_s * sr)], sr, {"reference": ref[sel], "hypothesis": hyp[sel]},
                          t[sel], path, start_s, f"{title}: {rec_id} {start_s:.0f}-{end_s:.0f} s", probs[sel])


SUMMARY_COLUMNS = ("accuracy", "precision", "recall", "f1", "miss_rate", "false_alarm_rate", "roc_auc")


def summary_rows(exp_dirs: list[str | Path]) -> tuple[list[dict], list[str]]:
    """One row per scored (model, set) under the given exp dirs, and notes on dirs without scores.

    Rows are sorted by set, then by F1 (best first); each carries the all-speech baseline.
    """
    rows, notes = [], []
    for exp in map(Path, exp_dirs):
        found = sorted(exp.glob("decode_*/scoring/metrics.json")) if exp.is_dir() else []
        if not found:
            notes.append(f"{exp}: no scored decodes (decode_*/scoring/metrics.json), skipped")
        for f in found:
            m = io.read_json(f)
            rows.append({"model": exp.name, "set": f.parent.parent.name.removeprefix("decode_"),
                         **{k: m.get(k) for k in SUMMARY_COLUMNS}, "n_frames": m.get("n_frames"),
                         "all_speech_acc": m["baseline_all_speech"]["accuracy"],
                         "all_speech_f1": m["baseline_all_speech"]["f1"]})
    rows.sort(key=lambda r: (r["set"], -(r["f1"] or 0), r["model"]))
    return rows, notes


def format_table(rows: list[dict]) -> str:
    """Aligned text table of summary_rows (undefined values shown as '-')."""
    cols = ["set", "model", *SUMMARY_COLUMNS, "all_speech_acc", "all_speech_f1", "n_frames"]
    cells = [[("-" if r[c] is None else f"{r[c]:.4f}" if isinstance(r[c], float) else str(r[c])) for c in cols]
             for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) if cells else len(c) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cols, widths)))]
    lines += ["  ".join(v.ljust(w) if i < 2 else v.rjust(w) for i, (v, w) in enumerate(zip(row, widths)))
              for row in cells]
    return "\n".join(lines)
