"""Every metric the recipe reports, as plain functions of arrays (speech is the positive class).

Ratios whose denominator is zero (precision with no hypothesised speech, recall with no
reference speech, ROC-AUC with one class only) are None: undefined, never silently 0 or 1.
"""
from __future__ import annotations

import numpy as np
from scipy.stats import rankdata


def _ratio(num: float, den: float) -> float | None:
    return float(num) / float(den) if den > 0 else None


def confusion(ref: np.ndarray, hyp: np.ndarray) -> dict[str, int]:
    """Counts of true negatives, false positives, false negatives, true positives."""
    ref, hyp = np.asarray(ref).astype(bool), np.asarray(hyp).astype(bool)
    if ref.shape != hyp.shape:
        raise ValueError(f"ref and hyp differ in shape: {ref.shape} vs {hyp.shape}")
    return {"tn": int(np.sum(~ref & ~hyp)), "fp": int(np.sum(~ref & hyp)),
            "fn": int(np.sum(ref & ~hyp)), "tp": int(np.sum(ref & hyp))}


def roc_auc(ref: np.ndarray, scores: np.ndarray) -> float | None:
    """Area under the ROC curve (Mann-Whitney U with tied scores counted half); None if one class."""
    ref = np.asarray(ref).astype(bool)
    n_pos, n_neg = int(ref.sum()), int((~ref).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = rankdata(np.asarray(scores, dtype=np.float64))
    return float((ranks[ref].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def f1_from_counts(tp: int, fp: int, fn: int) -> float | None:
    return _ratio(2 * tp, 2 * tp + fp + fn)


def frame_metrics(ref: np.ndarray, hyp: np.ndarray, scores: np.ndarray | None = None) -> dict:
    """Frame-level metrics of 0/1 decisions `hyp` against 0/1 reference `ref`, both (n,).

    Keys: accuracy, precision, recall, f1, miss_rate, false_alarm_rate, roc_auc (from `scores`,
    None without them), n_frames, speech_ratio (of the reference) and the confusion counts.
    """
    c = confusion(ref, hyp)
    tn, fp, fn, tp = c["tn"], c["fp"], c["fn"], c["tp"]
    n = tn + fp + fn + tp
    return {
        "accuracy": _ratio(tp + tn, n),
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        "f1": f1_from_counts(tp, fp, fn),
        "miss_rate": _ratio(fn, tp + fn),
        "false_alarm_rate": _ratio(fp, fp + tn),
        "roc_auc": None if scores is None else roc_auc(ref, scores),
        "n_frames": n,
        "speech_ratio": _ratio(tp + fn, n),
        "confusion": c,
    }


def all_speech_baseline(ref: np.ndarray) -> dict:
    """Accuracy and F1 of the trivial system that says 'speech' on every frame."""
    m = frame_metrics(ref, np.ones(len(ref), dtype=np.int8))
    return {"accuracy": m["accuracy"], "f1": m["f1"]}
