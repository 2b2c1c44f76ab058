"""Bootstrap confidence intervals over recordings (frames within a recording are not independent).

A resample draws n recordings with replacement; each metric is recomputed from the summed
per-recording sufficient statistics, so 1000 resamples are a few matrix products:
  * F1 and DCF from per-recording confusion counts (n_files, 4) = tn, fp, fn, tp;
  * ROC-AUC from per-recording histograms of the scores of speech and non-speech frames over the
    system's score levels (exact when a system has at most `max_levels` distinct scores; otherwise
    pooled quantiles, where two frames in the same bin count as a tie: an error below 1/max_levels).
Paired comparisons draw the same recordings for both systems.
"""
from __future__ import annotations

import numpy as np

from vadkit.eval.metrics import DCF_W_FA, DCF_W_MISS

METRICS = ("f1", "roc_auc", "dcf")


def score_levels(scores: np.ndarray, max_levels: int = 2000) -> np.ndarray:
    """Sorted lower bin edges for score_histograms: the distinct scores, or pooled quantiles."""
    scores = np.asarray(scores, dtype=np.float64)
    levels = np.unique(scores)
    if len(levels) > max_levels:
        levels = np.unique(np.quantile(scores, np.linspace(0, 1, max_levels, endpoint=False)))
    return levels


def score_histograms(refs: list[np.ndarray], scores: list[np.ndarray], levels: np.ndarray) -> tuple:
    """Per recording, counts of speech and non-speech frames in each score bin: two (n_files, K) int64."""
    k = len(levels)
    pos, neg = np.zeros((len(refs), k), np.int64), np.zeros((len(refs), k), np.int64)
    for i, (r, s) in enumerate(zip(refs, scores)):
        b = np.clip(np.searchsorted(levels, np.asarray(s, dtype=np.float64), "right") - 1, 0, k - 1)
        r = np.asarray(r).astype(bool)
        pos[i], neg[i] = np.bincount(b[r], minlength=k), np.bincount(b[~r], minlength=k)
    return pos, neg


def resample_weights(n_files: int, n_resamples: int = 1000, seed: int = 0) -> np.ndarray:
    """(n_resamples, n_files) int64: how often each recording is drawn in each resample."""
    idx = np.random.default_rng(seed).integers(0, n_files, size=(n_resamples, n_files))
    flat = (np.arange(n_resamples)[:, None] * n_files + idx).ravel()
    return np.bincount(flat, minlength=n_resamples * n_files).reshape(n_resamples, n_files)


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def auc_from_histograms(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """ROC-AUC from (..., K) bin counts (ties within a bin count half); NaN with one class only."""
    pos, neg = pos.astype(np.float64), neg.astype(np.float64)
    neg_below = np.cumsum(neg, axis=-1) - neg
    num = np.sum(pos * (neg_below + 0.5 * neg), axis=-1)
    return _safe_div(num, pos.sum(axis=-1) * neg.sum(axis=-1))


def resampled_metrics(weights: np.ndarray, counts: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> dict:
    """{metric: (n_resamples,) float64} for weights (B, n_files), counts (n_files, 4) = tn fp fn tp."""
    tn, fp, fn, tp = (weights @ counts.astype(np.float64)).T
    return {"f1": _safe_div(2 * tp, 2 * tp + fp + fn),
            "roc_auc": auc_from_histograms(weights @ pos, weights @ neg),
            "dcf": DCF_W_MISS * _safe_div(fn, tp + fn) + DCF_W_FA * _safe_div(fp, fp + tn)}


def interval(samples: np.ndarray, level: float = 0.95) -> list[float] | None:
    """Percentile interval [lo, hi] of bootstrap samples (resamples where the metric is undefined are
    left out); None when none is defined."""
    s = np.asarray(samples, dtype=np.float64)
    s = s[~np.isnan(s)]
    if not len(s):
        return None
    lo, hi = np.quantile(s, [(1 - level) / 2, (1 + level) / 2])
    return [float(lo), float(hi)]
