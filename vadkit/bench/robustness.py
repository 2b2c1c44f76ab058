"""Level robustness: the same labelled recordings played quieter and louder (clipped at full scale, as a
recorder would), through the VAD tool (`vadkit.Vad`, the model's tuned post-processing).

Per gain: frame ROC-AUC and F1 against the reference (10 ms grid, all recordings pooled), the share of
frames called speech, and the agreement of the frame decisions with those at the original level (0 dB).
A VAD robust to level keeps all four where they are at 0 dB.  local/level_sweep.py prints the table.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from vadkit import io
from vadkit.data.datadir import load_data_dir
from vadkit.errors import InputError
from vadkit.eval import metrics
from vadkit.features.grid import FrameGrid

GAINS_DB = (-40.0, -30.0, -20.0, -10.0, 0.0, 10.0, 20.0)


def _frames(segments, grid: FrameGrid, n: int) -> np.ndarray:
    return metrics._inside(list(segments), grid.centres(n)).astype(np.int8)


def level_sweep(vad, data_dir: str | Path, gains_db=GAINS_DB) -> list[dict]:
    """One row per gain (dB): gain_db, clipped (share of samples at full scale), roc_auc, f1, speech_share,
    agreement (with 0 dB).  The data dir's audio at its original rate (orig.scp) where it has one."""
    d = load_data_dir(data_dir)
    if d.regions is None:
        raise InputError(f"{data_dir}: no rttm; the level sweep needs labelled recordings")
    gains = sorted(set(gains_db) | {0.0})
    refs, probs, hyps, clipped = [], {g: [] for g in gains}, {g: [] for g in gains}, {g: [0, 0] for g in gains}
    for rec_id in d.rec_ids:
        x, rate = io.read_audio(d.originals.get(rec_id, d.wavs[rec_id]))
        for g in gains:
            y = x * np.float32(10 ** (g / 20))
            clipped[g][0] += int(np.sum(np.abs(y) >= 1.0))
            clipped[g][1] += len(y)
            res = vad.run(np.clip(y, -1.0, 1.0), rate, name=rec_id)
            grid, n = FrameGrid(win_s=0.025, hop_s=res.frame_shift_s), len(res.probs)
            probs[g].append(res.probs)
            hyps[g].append(_frames(res.segments, grid, n))
        refs.append(_frames(d.regions[rec_id], grid, n))
    ref, at0 = np.concatenate(refs), np.concatenate(hyps[0.0])
    rows = []
    for g in gains:
        hyp = np.concatenate(hyps[g])
        m = metrics.frame_metrics(ref, hyp, np.concatenate(probs[g]))
        rows.append({"gain_db": g, "clipped": clipped[g][0] / clipped[g][1], "roc_auc": m["roc_auc"], "f1": m["f1"],
                     "speech_share": float(hyp.mean()), "agreement": float(np.mean(hyp == at0))})
    return rows


# ---------------------------------------------------------------- false alarms on noise alone
def false_alarms(segments_of, files: list[str]) -> dict:
    """A system on recordings with no speech at all: `segments_of(x, rate, name)` gives its speech regions
    for a mono recording.  Returns hours, false-alarm regions per hour and share of the time called speech."""
    total_s, speech_s, regions = 0.0, 0.0, 0
    for f in files:
        x, rate = io.read_audio(f)
        segs = segments_of(x, rate, f)
        total_s += len(x) / rate
        speech_s += sum(e - s for s, e in segs)
        regions += len(segs)
    if total_s == 0:
        raise InputError("no noise files given")
    return {"hours": total_s / 3600, "fa_per_hour": regions / (total_s / 3600), "speech_share": speech_s / total_s}


def public_vad(name: str) -> str | None:
    """The public VAD a system name runs: a name of vadkit.bench.baselines.NAMES, or <name> for its stage-5
    exp dir exp/baseline_<name>; None for a model."""
    from vadkit.bench import baselines
    path = Path(name)
    if name not in baselines.NAMES and path.is_dir() and path.name.startswith("baseline_"):
        name = path.name.removeprefix("baseline_")
    return name if name in baselines.NAMES else None


class PublicVad:
    """A public VAD (vadkit.bench.baselines.NAMES) behind vadkit.Vad's `run`: its probabilities on our 10 ms grid,
    at the rate it takes, and segments by `decode` (default DecodeConfig())."""

    def __init__(self, name: str, decode=None, baseline_config=None):
        from vadkit.bench import baselines
        from vadkit.config import BaselineConfig, DecodeConfig
        self.grid, self.decode = FrameGrid(), decode or DecodeConfig()
        self.baseline = baselines.make(name, baseline_config or BaselineConfig(), self.grid)

    def run(self, x: np.ndarray, rate: int, name: str | None = None):
        from vadkit.decode.postprocess import probs_to_segments
        from vadkit.tool.vad import VadResult
        probs = self.baseline.probs(x, rate)
        segs = probs_to_segments(probs, self.decode, self.grid, len(x) / rate)
        return VadResult(name, int(rate), len(x) / rate, self.grid.hop_s, segs, probs)


def runner(name: str | None, baseline_decode=None, exp_decode=None, baseline_config=None):
    """What runs a system, with vadkit.Vad's `run(x, rate, name)`: a public VAD by name or by its exp dir
    exp/baseline_<name> (PublicVad, with `baseline_config`), else a model for vadkit.Vad (path or shipped name;
    None: the shipped offline model).
    `exp_decode` post-processes an exp dir system, a model's or a public VAD's (e.g. the setting stage 5 tuned
    for it); without it a model uses its own decode.yaml, as Vad chooses, and a public VAD `baseline_decode`."""
    if name and (vad_name := public_vad(name)):
        return PublicVad(vad_name, exp_decode or baseline_decode, baseline_config)
    from vadkit.tool.vad import Vad
    return Vad(name, decode=exp_decode)


def system(name: str, baseline_decode=None, exp_decode=None, baseline_config=None):
    """segments_of for false_alarms: the speech regions `runner` finds."""
    vad = runner(name, baseline_decode, exp_decode, baseline_config)
    return lambda x, rate, f: vad.run(x, rate, name=f).segments
