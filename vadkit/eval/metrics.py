"""Every metric the recipe reports, as plain functions of arrays (speech is the positive class).

Frame level: confusion counts, accuracy/precision/recall/F1, miss and false-alarm rates, DCF
(0.75 P_miss + 0.25 P_fa, NIST OpenSAT), and from scores ROC-AUC, average precision, EER, min DCF
and precision at fixed recall.  Segment level: detection error rate with a forgiveness collar.
Ratios whose denominator is zero (precision with no hypothesised speech, recall with no
reference speech, ROC-AUC with one class only) are None: undefined, never silently 0 or 1.
"""
from __future__ import annotations

import numpy as np

from vadkit import intervals


def _ratio(num: float, den: float) -> float | None:
    return float(num) / float(den) if den > 0 else None


def confusion(ref: np.ndarray, hyp: np.ndarray) -> dict[str, int]:
    """Counts of true negatives, false positives, false negatives, true positives."""
    ref, hyp = np.asarray(ref).astype(bool), np.asarray(hyp).astype(bool)
    if ref.shape != hyp.shape:
        raise ValueError(f"ref and hyp differ in shape: {ref.shape} vs {hyp.shape}")
    return {"tn": int(np.sum(~ref & ~hyp)), "fp": int(np.sum(~ref & hyp)),
            "fn": int(np.sum(ref & ~hyp)), "tp": int(np.sum(ref & hyp))}


def average_ranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks of `x`, tied values sharing their mean rank (scipy.stats.rankdata's 'average', without
    scipy.stats: importing it costs every scoring process about a second)."""
    order = np.argsort(x, kind="stable")
    _, first, counts = np.unique(x[order], return_index=True, return_counts=True)
    ranks = np.empty(len(x), dtype=np.float64)
    ranks[order] = np.repeat(first + (counts + 1) / 2, counts)
    return ranks


def roc_auc(ref: np.ndarray, scores: np.ndarray) -> float | None:
    """Area under the ROC curve (Mann-Whitney U with tied scores counted half); None if one class."""
    ref = np.asarray(ref).astype(bool)
    n_pos, n_neg = int(ref.sum()), int((~ref).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = average_ranks(np.asarray(scores, dtype=np.float64))
    return float((ranks[ref].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def f1_from_counts(tp: int, fp: int, fn: int) -> float | None:
    return _ratio(2 * tp, 2 * tp + fp + fn)


def frame_metrics(ref: np.ndarray, hyp: np.ndarray, scores: np.ndarray | None = None) -> dict:
    """Frame-level metrics of 0/1 decisions `hyp` against 0/1 reference `ref`, both (n,).

    Keys: accuracy, precision, recall, f1, miss_rate, false_alarm_rate, roc_auc (from `scores`,
    None without them), dcf, n_frames, speech_ratio (of the reference) and the confusion counts;
    with `scores` also the threshold-free score_metrics().
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
        "dcf": dcf_from_counts(tp, fp, fn, tn),
        "roc_auc": None,
        **({} if scores is None else score_metrics(ref, scores)),
        "n_frames": n,
        "speech_ratio": _ratio(tp + fn, n),
        "confusion": c,
    }


def all_speech_baseline(ref: np.ndarray) -> dict:
    """Accuracy, F1 and DCF of the trivial system that says 'speech' on every frame."""
    m = frame_metrics(ref, np.ones(len(ref), dtype=np.int8))
    return {"accuracy": m["accuracy"], "f1": m["f1"], "dcf": m["dcf"]}


# ------------------------------------------------------------------ decisions -> cost
DCF_W_MISS, DCF_W_FA = 0.75, 0.25  # NIST OpenSAT speech activity detection cost weights


def dcf_from_counts(tp: int, fp: int, fn: int, tn: int) -> float | None:
    """DCF = 0.75 * P_miss + 0.25 * P_fa; None when either rate is undefined (one class only)."""
    p_miss, p_fa = _ratio(fn, tp + fn), _ratio(fp, fp + tn)
    return None if p_miss is None or p_fa is None else DCF_W_MISS * p_miss + DCF_W_FA * p_fa


def delay(x: np.ndarray, k: int, fill=0) -> np.ndarray:
    """x delayed by k frames (k < 0: advanced), same length, the uncovered end filled with `fill`."""
    x = np.asarray(x)
    out = np.full_like(x, fill)
    if k == 0 or abs(k) >= len(x):
        return x.copy() if k == 0 else out
    if k > 0:
        out[k:] = x[:-k]
    else:
        out[:k] = x[-k:]
    return out


# ------------------------------------------------------------------ scores -> curves
def operating_points(ref: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decisions `scores >= t` at every distinct score t, highest t first.

    Returns (thresholds, tp, fp), each (n_distinct,): the counts of true and false positives.
    """
    ref, scores = np.asarray(ref).astype(bool), np.asarray(scores, dtype=np.float64)
    order = np.argsort(-scores, kind="mergesort")
    s, r = scores[order], ref[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1] if len(s) else np.zeros(0, dtype=np.int64)
    tp = np.cumsum(r)[last]
    return s[last], tp, last + 1 - tp


def curves_from_counts(thresholds: np.ndarray, tp: np.ndarray, fp: np.ndarray, n_pos: int, n_neg: int) -> dict:
    """ROC and precision-recall points from operating_points(), with the all-non-speech point first.

    Keys: threshold (inf first), fpr, tpr (= recall), precision (None-free: 1.0 where nothing is
    hypothesised, the usual convention for the start of a PR curve).
    """
    tp, fp = np.r_[0, tp].astype(np.float64), np.r_[0, fp].astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), 1.0)
    return {"threshold": np.r_[np.inf, thresholds], "fpr": fp / max(n_neg, 1), "tpr": tp / max(n_pos, 1),
            "precision": precision, "tp": tp, "fp": fp}


def score_metrics(ref: np.ndarray, scores: np.ndarray, recall_targets=(0.90, 0.95)) -> dict:
    """Threshold-free metrics of frame scores against 0/1 `ref`, both (n,).

    roc_auc; average_precision (sum over thresholds of recall gain x precision, as scikit-learn);
    eer (where miss rate = false-alarm rate, interpolated linearly between operating points);
    min_dcf (best DCF over all thresholds); precision_at_recall_<90|95> (best precision among
    thresholds reaching that recall) and the threshold giving it.  None when a class is absent.
    """
    ref = np.asarray(ref).astype(bool)
    n_pos, n_neg = int(ref.sum()), int((~ref).sum())
    out: dict = {"roc_auc": roc_auc(ref, scores), "average_precision": None, "eer": None, "min_dcf": None}
    for r in recall_targets:
        out[f"precision_at_recall_{round(r * 100)}"] = out[f"threshold_at_recall_{round(r * 100)}"] = None
    if n_pos == 0 or n_neg == 0:
        return out
    thr, tp, fp = operating_points(ref, scores)
    c = curves_from_counts(thr, tp, fp, n_pos, n_neg)
    tpr, fpr, prec = c["tpr"], c["fpr"], c["precision"]
    out["average_precision"] = float(np.sum(np.diff(tpr) * prec[1:]))
    fnr = 1 - tpr
    k = int(np.argmax(fpr >= fnr))  # first point where the false-alarm rate catches up (exists: last is 1 >= 0)
    if k == 0:
        out["eer"] = float(fpr[0])
    else:  # crossing of the segment (k-1, k): solve fpr(a) = fnr(a) for a in [0, 1]
        d0, d1 = fpr[k - 1] - fnr[k - 1], fpr[k] - fnr[k]
        a = d0 / (d0 - d1)
        out["eer"] = float(fpr[k - 1] + a * (fpr[k] - fpr[k - 1]))
    out["min_dcf"] = float(np.min(DCF_W_MISS * fnr + DCF_W_FA * fpr))
    for r in recall_targets:
        ok = np.flatnonzero(tpr >= r - 1e-12)
        best = ok[np.argmax(prec[ok])]
        out[f"precision_at_recall_{round(r * 100)}"] = float(prec[best])
        out[f"threshold_at_recall_{round(r * 100)}"] = float(c["threshold"][best])
    return out


# ------------------------------------------------------------------ segment level
def _inside(segs: list, t: np.ndarray) -> np.ndarray:
    """Which times t lie in one of the sorted, disjoint half-open regions [(start, end)]."""
    if not segs:
        return np.zeros(len(t), dtype=bool)
    a = np.asarray(segs, dtype=np.float64)
    i = np.searchsorted(a[:, 0], t, "right") - 1
    return (i >= 0) & (t < a[np.maximum(i, 0), 1])


def detection_errors(ref: list, hyp: list, duration_s: float, collar_s: float = 0.25) -> dict:
    """Missed and false-alarm speech in seconds, for regions [(start_s, end_s)] of one recording.

    Scored: [0, duration_s] minus a no-score zone of collar_s on EACH side of every reference
    boundary (the md-eval / dscore convention; pyannote.metrics' `collar` is the total width,
    2 * collar_s).  Keys: missed_s, false_alarm_s, total_s (scored reference speech).
    """
    ref, hyp = intervals.merge_segments(ref), intervals.merge_segments(hyp)
    bounds = np.array(sorted({b for seg in ref for b in seg}), dtype=np.float64)
    cuts = np.r_[0.0, duration_s, bounds - collar_s, bounds + collar_s, [b for seg in hyp for b in seg]]
    cuts = np.unique(np.clip(cuts, 0.0, duration_s))
    mid, length = (cuts[:-1] + cuts[1:]) / 2, np.diff(cuts)
    scored = np.ones(len(mid), dtype=bool)
    if len(bounds) and collar_s > 0:
        j = np.searchsorted(bounds, mid)
        near = np.minimum(np.abs(mid - bounds[np.clip(j - 1, 0, len(bounds) - 1)]),
                          np.abs(mid - bounds[np.clip(j, 0, len(bounds) - 1)]))
        scored = near >= collar_s
    r, h = _inside(ref, mid), _inside(hyp, mid)
    return {"missed_s": float(np.sum(length[scored & r & ~h])), "false_alarm_s": float(np.sum(length[scored & ~r & h])),
            "total_s": float(np.sum(length[scored & r]))}


def detection_error_rate(errors: list[dict]) -> dict:
    """Pool detection_errors() of several recordings: der = (missed + false alarm) / scored speech."""
    miss, fa, total = (sum(e[k] for e in errors) for k in ("missed_s", "false_alarm_s", "total_s"))
    return {"der": _ratio(miss + fa, total), "missed_s": round(miss, 4), "false_alarm_s": round(fa, 4),
            "total_s": round(total, 4)}
