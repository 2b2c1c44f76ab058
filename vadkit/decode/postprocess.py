"""Frame speech probabilities -> speech segments (pure numpy; shared by decode and the VAD tool).

Before that, our models' probabilities may be bridged (`bridge`, off unless bridge_half_life_ms > 0): a frame
gets at least bridge_weight x the probability of the speech around it, decaying with the distance.  Sides
"both": the lesser of the decayed maxima before and after it, so pauses between speech rise by their length
(short ones most) while silence before the first and after the last speech stays; "past": the decayed
maximum before it only (a hangover; causal, so a stream gets the same numbers).  Human turn-level labels
keep pauses inside a turn as speech; the network, trained on phrase-level targets, puts them with silence.

Order: hysteresis threshold (enter speech at >= onset, leave below offset), median filter over
the 0/1 decisions, bridge gaps shorter than min_silence_ms, drop regions shorter than
min_speech_ms, pad regions by pad_ms on both sides (clipped to [0, duration]), merge overlaps,
split regions longer than max_speech_s at their least speech-like frame (lowest probability).
"""
from __future__ import annotations

import numpy as np

from vadkit import intervals
from vadkit.config import DecodeConfig
from vadkit.features.grid import FrameGrid


def _decayed_max(p: np.ndarray, log_decay: float, start: float = 0.0) -> np.ndarray:
    """m[t] = max(start * decay**(t+1), max_{s<=t} p[s] * decay**(t-s)), decay = exp(log_decay) < 1.

    In logs m[t] = t log_decay + cummax(log p[s] - s log_decay): vectorised, and exact in float64 for
    recordings of days (the running term grows by |log_decay| per frame)."""
    t = np.arange(len(p), dtype=np.float64)
    with np.errstate(divide="ignore"):
        lp = np.log(np.asarray(p, np.float64))
        first = np.log(start) + log_decay if start > 0 else -np.inf
    run = np.maximum.accumulate(np.concatenate([[first], lp - t * log_decay]))[1:]
    return np.exp(run + t * log_decay)


def bridge_sides(cfg: DecodeConfig, bidirectional: bool) -> str:
    """The sides a model's probabilities are bridged on: cfg.bridge_sides, auto resolved by the model."""
    return ("both" if bidirectional else "past") if cfg.bridge_sides == "auto" else cfg.bridge_sides


def bridge(probs: np.ndarray, cfg: DecodeConfig, hop_s: float, sides: str, state: float = 0.0
           ) -> tuple[np.ndarray, float]:
    """(n,) probabilities -> (bridged (n,) float32, state).  `sides` from bridge_sides; `state` carries the
    decayed maximum from one piece of a stream to the next (past only; 0.0 at the start)."""
    p = np.asarray(probs, np.float32)
    if cfg.bridge_half_life_ms <= 0 or not len(p):
        return p, state
    log_decay = np.log(0.5) * hop_s * 1000 / cfg.bridge_half_life_ms
    fwd = _decayed_max(p, log_decay, state)
    if sides == "both":
        if state:
            raise ValueError("bridge: sides 'both' needs the whole recording, not a stream")
        around = np.minimum(fwd, _decayed_max(p[::-1], log_decay)[::-1])
    else:
        around = fwd
    return np.maximum(p, cfg.bridge_weight * around).astype(np.float32), float(fwd[-1])


def bridge_recording(probs: np.ndarray, cfg: DecodeConfig, hop_s: float, streams: bool) -> np.ndarray:
    """A whole recording's probabilities with the config's bridge, sides auto resolved by the network: both
    for one that needs the whole recording, past for one that streams (TrainedModel.streams)."""
    return bridge(probs, cfg, hop_s, bridge_sides(cfg, not streams))[0]


def hysteresis(probs: np.ndarray, onset: float, offset: float, active: bool = False) -> np.ndarray:
    """(n,) probs -> (n,) int8 decisions: speech starts at prob >= onset, ends at prob < offset.

    `active`: whether speech is on before the first frame; a stream fed in pieces passes the last
    decision of the piece before, which gives the decisions of the whole (StreamingVad)."""
    probs = np.asarray(probs)
    if onset == offset:
        return (probs >= onset).astype(np.int8)
    # speech at frame k iff the last frame >= onset up to k comes after the last frame < offset (a frame >= onset
    # is >= offset too); vectorised, so sweeping settings over long recordings stays fast
    idx = np.arange(len(probs))
    last_on = np.maximum.accumulate(np.where(probs >= onset, idx, -1))
    last_off = np.maximum.accumulate(np.where(probs < offset, idx, -1))
    out = last_on > last_off
    if active:   # speech before the first frame lasts until the first frame below offset
        out |= last_off < 0
    return out.astype(np.int8)


def onset_offset(cfg: DecodeConfig) -> tuple[float, float]:
    """The hysteresis thresholds of a config: onset and offset, each `threshold` when unset."""
    return (cfg.threshold if cfg.onset is None else cfg.onset,
            cfg.threshold if cfg.offset is None else cfg.offset)


def median_smoothed(x: np.ndarray, median_frames: int) -> np.ndarray:
    """x through a running median of median_frames frames (edges: the end values repeated); x itself for 1."""
    if median_frames > 1 and len(x):
        from scipy.ndimage import median_filter   # here: scipy.ndimage costs every process ~1 s to import
        return median_filter(x, size=median_frames, mode="nearest")
    return x


def decisions(probs: np.ndarray, cfg: DecodeConfig) -> np.ndarray:
    """Thresholded and median-smoothed frame decisions: (n,) int8."""
    return median_smoothed(hysteresis(probs, *onset_offset(cfg)), cfg.median_frames)


def clean_segments(segs: intervals.Segments, cfg: DecodeConfig, duration_s: float | None = None) -> intervals.Segments:
    """Bridge short gaps, drop short regions, pad; all durations in the config are milliseconds."""
    out: intervals.Segments = []
    for s, e in segs:
        if out and s - out[-1][1] < cfg.min_silence_ms / 1000:
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    out = [(s, e) for s, e in out if e - s >= cfg.min_speech_ms / 1000]
    pad = cfg.pad_ms / 1000
    end_max = float("inf") if duration_s is None else duration_s
    return intervals.merge_segments([(max(0.0, s - pad), min(end_max, e + pad)) for s, e in out])


def split_long(segs: intervals.Segments, probs: np.ndarray, grid: FrameGrid, max_s: float | None,
               first_frame: int = 0) -> intervals.Segments:
    """Split regions longer than max_s seconds, recursively, at the frame of lowest probability among
    those at least max_s/2 from both ends (so no piece is shorter than max_s/2); that frame becomes
    a one-frame gap.  probs: (n,) for frames first_frame.. of the grid (covering the regions)."""
    if max_s is None:
        return list(segs)
    centres = (first_frame + np.arange(len(probs))) * grid.hop_s + grid.win_s / 2
    out: intervals.Segments = []
    todo = list(reversed(segs))
    while todo:
        s, e = todo.pop()
        a, b = np.searchsorted(centres, s + max_s / 2), np.searchsorted(centres, e - max_s / 2, "right")
        if e - s <= max_s or a >= b:
            out.append((s, e))
            continue
        k = a + int(np.argmin(probs[a:b]))
        half = grid.hop_s / 2
        todo += [(round(float(centres[k]) + half, 4), e), (s, round(float(centres[k]) - half, 4))]
    return out


def segments_from_raw(raw: intervals.Segments, probs: np.ndarray, cfg: DecodeConfig, grid: FrameGrid,
                      duration_s: float | None = None) -> intervals.Segments:
    """The regions of the decisions (thresholded, smoothed) -> the config's speech regions: gaps bridged, short
    ones dropped, padded, long ones split at their least speech-like frame of probs."""
    return split_long(clean_segments(raw, cfg, duration_s), np.asarray(probs), grid, cfg.max_speech_s)


def probs_to_segments(probs: np.ndarray, cfg: DecodeConfig, grid: FrameGrid,
                      duration_s: float | None = None) -> intervals.Segments:
    """(n_frames,) speech probabilities -> speech regions [(start_s, end_s)]."""
    return segments_from_raw(grid.segments(decisions(probs, cfg)), probs, cfg, grid, duration_s)
