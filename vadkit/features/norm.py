"""Feature normalisation: global mean/variance statistics and the CMVN modes (global, per file, sliding)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vadkit.errors import InputError


@dataclass
class NormStats:
    """Global mean/variance normalisation: (dim,) float64 mean and std, from n_frames frames."""
    mean: np.ndarray
    std: np.ndarray
    n_frames: int

    @classmethod
    def accumulate(cls, mats) -> "NormStats":
        n, s1, s2 = 0, 0.0, 0.0
        for m in mats:
            m = np.asarray(m, dtype=np.float64)
            n, s1, s2 = n + len(m), s1 + m.sum(0), s2 + (m * m).sum(0)
        if n == 0:
            raise InputError("no frames to compute normalisation statistics from")
        mean = s1 / n
        std = np.sqrt(np.maximum(s2 / n - mean * mean, 1e-10))
        return cls(mean, std, n)

    def apply(self, feats: np.ndarray) -> np.ndarray:
        d = feats.shape[-1]
        return ((feats - self.mean[:d]) / self.std[:d]).astype(np.float32)

    def to_dict(self) -> dict:
        return {"n_frames": int(self.n_frames), "mean": self.mean.tolist(), "std": self.std.tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> "NormStats":
        return cls(np.asarray(d["mean"], dtype=np.float64), np.asarray(d["std"], dtype=np.float64),
                   int(d["n_frames"]))


CMVN_MODES = ("global", "file", "sliding")


def normalise(feats: np.ndarray, stats: NormStats, mode: str = "global", window: int = 300) -> np.ndarray:
    """Mean/variance normalisation of one recording (n, d): float32.

    global: the train set's stats (the default; streams).  file: the recording's own mean and std.
    sliding: causal, frame t by the mean and std of frames max(0, t - window + 1)..t (Kaldi's
    apply-cmvn-sliding --center=false --norm-vars=true); the first frames see a shorter window.
    """
    if mode == "global":
        return stats.apply(feats)
    f = np.asarray(feats, dtype=np.float64)
    if mode == "file":
        return ((f - f.mean(0)) / np.sqrt(np.maximum(f.var(0), 1e-10))).astype(np.float32)
    if mode != "sliding":
        raise InputError(f"unknown cmvn mode {mode!r}; choose one of {', '.join(CMVN_MODES)}")
    c1 = np.concatenate([np.zeros((1, f.shape[1])), np.cumsum(f, 0)])
    c2 = np.concatenate([np.zeros((1, f.shape[1])), np.cumsum(f * f, 0)])
    end = np.arange(1, len(f) + 1)
    start = np.maximum(0, end - window)
    n = (end - start)[:, None]
    mean = (c1[end] - c1[start]) / n
    var = np.maximum((c2[end] - c2[start]) / n - mean * mean, 1e-10)
    return ((f - mean) / np.sqrt(var)).astype(np.float32)
