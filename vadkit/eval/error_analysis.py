"""Where a decode's frame errors are: by the frame's level and by its place in the reference.

Every frame gets its level (dBFS of the frame's samples on the feature grid) and its place: speech
frames are "quiet in a turn" when they lie more than QUIET_IN_TURN_DB below the loudest frame of their
reference region (pauses and soft tails the annotators kept inside a turn) or else "voiced";
non-speech frames are "near a turn" within NEAR_TURN_S of a reference region or else "away".
`frames` finds them (reading each recording once); `analyse` gives, per level band and per place, the frames,
their share, mean P(speech) and the miss rate (speech) or false-alarm rate (non-speech) at a threshold;
`ranking_by_place` the ROC-AUC of each speech place against each non-speech place.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from vadkit import io
from vadkit.eval import scoring
from vadkit.eval.metrics import roc_auc

BANDS_DB = (-200, -60, -50, -40, -30, 0)      # level bands (dBFS), low edge inclusive
QUIET_IN_TURN_DB = 30.0                       # below the region's loudest frame by this: "quiet in a turn"
NEAR_TURN_S = 0.3                             # non-speech this close to a reference region: "near a turn"


def frame_levels(x: np.ndarray, rate: int, grid, n: int) -> np.ndarray:
    """(n,) dBFS of each feature frame's samples (window win_s, hop hop_s)."""
    win, hop = grid.samples(rate)
    x = np.concatenate([np.asarray(x, np.float64), np.zeros(max(0, (n - 1) * hop + win - len(x)))])
    idx = np.arange(n)[:, None] * hop + np.arange(win)[None, :]
    return 10 * np.log10(np.mean(x[idx] ** 2, axis=1) + 1e-12)


def places(ref: np.ndarray, level: np.ndarray, hop_s: float) -> np.ndarray:
    """(n,) place codes: 0 voiced speech, 1 quiet in a turn, 2 non-speech near a turn, 3 away."""
    out = np.full(len(ref), 3, np.int8)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ref, [0]])))
    near = round(NEAR_TURN_S / hop_s)
    for a, b in zip(edges[::2], edges[1::2]):
        out[max(0, a - near):a] = 2
        out[b:b + near] = 2
    for a, b in zip(edges[::2], edges[1::2]):           # speech frames last: a near-zone never covers them
        top = level[a:b].max()
        out[a:b] = np.where(level[a:b] < top - QUIET_IN_TURN_DB, 1, 0)
    return out


PLACES = ("speech, voiced", "speech, quiet in a turn", "non-speech, near a turn", "non-speech, away")


class Frames(NamedTuple):
    """Every frame of a decode, recordings pooled: reference (0/1), P(speech), level (dBFS), place code."""
    ref: np.ndarray
    prob: np.ndarray
    level: np.ndarray
    place: np.ndarray


def frames(dec: scoring.Decoded) -> Frames:
    """The frames of a decode (reads every recording's audio once, for the levels)."""
    ref, prob, level, place = [], [], [], []
    for r in dec.rec_ids:
        x, rate = io.read_audio(dec.wavs[r])
        lv = frame_levels(x, rate, dec.grid, len(dec.probs[r]))
        ref.append(dec.refs[r]), prob.append(dec.probs[r]), level.append(lv)
        place.append(places(dec.refs[r], lv, dec.grid.hop_s))
    return Frames(*map(np.concatenate, (ref, prob, level, place)))


def ranking_by_place(f: Frames) -> list[dict]:
    """ROC-AUC of each speech place against each non-speech place (voiced / quiet in a turn against near a turn
    / away): which pairs a model ranks worse than another is where its pooled ROC-AUC goes."""
    rows = []
    for s in (0, 1):
        for n in (2, 3):
            if (f.place == s).any() and (f.place == n).any():
                m = (f.place == s) | (f.place == n)
                rows.append({"speech": PLACES[s], "non_speech": PLACES[n],
                             "roc_auc": roc_auc(f.place[m] == s, f.prob[m])})
    return rows


def analyse(f: Frames, threshold: float) -> list[dict]:
    """One row per (group, speech or non-speech) with frames, share, mean_p, error, error_kind."""
    ref, prob, level, place = f
    rows = []
    groups = [(f"level {lo}..{hi} dB", (level >= lo) & (level < hi)) for lo, hi in zip(BANDS_DB, BANDS_DB[1:])]
    groups += [(name, place == k) for k, name in enumerate(PLACES)]
    for name, sel in groups:
        for is_speech in (1, 0):
            m = sel & (ref == is_speech)
            if not m.any():
                continue
            err = (prob[m] < threshold) if is_speech else (prob[m] >= threshold)
            rows.append({"group": name, "ref": "speech" if is_speech else "non-speech", "frames": int(m.sum()),
                         "share": m.sum() / max(1, (ref == is_speech).sum()), "mean_p": float(prob[m].mean()),
                         "error": float(err.mean()), "error_kind": "miss" if is_speech else "false alarm"})
    return rows
