"""Features and the frame grid: MFCC + deltas, the seconds<->frames rule, normalisation stats.

The frame grid (written once here and in the README):
  * frame k covers samples [k*hop, k*hop + win) with win = 25 ms, hop = 10 ms (conf/features.yaml);
  * frame k is centred at t_k = k*hop_s + win_s/2  (k*10 ms + 12.5 ms);
  * a recording of n samples has 1 + (n - win) // hop frames (0 if n < win): the last partial
    frame is dropped, so every frame sees a full window;
  * a frame is speech when its centre t_k lies inside a reference region [start, end);
  * frames a..b-1 become the region [t_a - hop_s/2, t_b - hop_s/2): the two rules round-trip.
Every seconds-to-frames conversion in the recipe calls FrameGrid.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vadkit import io
from vadkit.config import FeatureConfig
from vadkit.errors import InputError


@dataclass(frozen=True)
class FrameGrid:
    win_s: float = 0.025
    hop_s: float = 0.010

    @classmethod
    def from_config(cls, cfg: FeatureConfig) -> "FrameGrid":
        return cls(cfg.win_ms / 1000.0, cfg.hop_ms / 1000.0)

    def samples(self, sample_rate_hz: int) -> tuple[int, int]:
        """(win, hop) in samples at a given rate."""
        return round(self.win_s * sample_rate_hz), round(self.hop_s * sample_rate_hz)

    def n_frames(self, n_samples: int, sample_rate_hz: int) -> int:
        win, hop = self.samples(sample_rate_hz)
        return 0 if n_samples < win else 1 + (n_samples - win) // hop

    def n_frames_for_duration(self, duration_s: float) -> int:
        """Frames of a recording lasting duration_s (rounded to whole microseconds first)."""
        n_us, win_us, hop_us = (round(v * 1e6) for v in (duration_s, self.win_s, self.hop_s))
        return 0 if n_us < win_us else 1 + (n_us - win_us) // hop_us

    def centres(self, n_frames: int) -> np.ndarray:
        """(n_frames,) float64 centre times in seconds."""
        return np.arange(n_frames) * self.hop_s + self.win_s / 2

    def labels(self, regions: io.Segments, n_frames: int) -> np.ndarray:
        """Speech regions [(start_s, end_s)] -> (n_frames,) int8 0/1 by the centre rule."""
        y = np.zeros(n_frames, dtype=np.int8)
        c = self.centres(n_frames)
        for s, e in regions:
            y[np.searchsorted(c, s, "left"):np.searchsorted(c, e, "left")] = 1
        return y

    def segments(self, labels: np.ndarray) -> io.Segments:
        """(n_frames,) 0/1 decisions -> speech regions [(start_s, end_s)], times rounded to 0.1 ms."""
        y = np.concatenate([[0], np.asarray(labels).astype(np.int8) != 0, [0]]).astype(np.int8)
        d = np.diff(y)
        starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
        off = self.win_s / 2 - self.hop_s / 2
        return [(round(max(0.0, a * self.hop_s + off), 4), round(b * self.hop_s + off, 4))
                for a, b in zip(starts, ends)]


def feature_dim(cfg: FeatureConfig) -> int:
    return cfg.n_mfcc * (1 + cfg.deltas)


def compute_features(x: np.ndarray, sample_rate_hz: int, cfg: FeatureConfig) -> np.ndarray:
    """MFCCs (+ deltas) of a mono signal: (n_frames, n_mfcc * (1 + deltas)) float32.

    n_fft equals the window, so frame k really is centred at k*hop + win/2 (see the grid above).
    Shorter than one window: (0, dim).
    """
    import librosa
    grid = FrameGrid.from_config(cfg)
    win, hop = grid.samples(sample_rate_hz)
    if len(x) < win:
        return np.zeros((0, feature_dim(cfg)), dtype=np.float32)
    mfcc = librosa.feature.mfcc(y=np.asarray(x, dtype=np.float32), sr=sample_rate_hz, n_mfcc=cfg.n_mfcc,
                                n_fft=win, win_length=win, hop_length=hop, center=False,
                                n_mels=cfg.n_mels, fmin=cfg.fmin_hz, fmax=cfg.fmax_hz)
    # mode="nearest": deltas defined for recordings shorter than the regression window too
    parts = [mfcc] + [librosa.feature.delta(mfcc, width=cfg.delta_width, order=o, mode="nearest")
                      for o in range(1, cfg.deltas + 1)]
    return np.ascontiguousarray(np.concatenate(parts, axis=0).T, dtype=np.float32)


def features_of_file(path: str, cfg: FeatureConfig) -> np.ndarray:
    """Read audio (resampled to cfg.sample_rate_hz) and compute its features; fail on < 1 frame."""
    x, sr = io.read_audio(path, cfg.sample_rate_hz)
    feats = compute_features(x, sr, cfg)
    if len(feats) == 0:
        raise InputError(f"{path}: audio is shorter than one {cfg.win_ms:g} ms frame; drop it from the list")
    if not np.all(np.isfinite(feats)):
        raise InputError(f"{path}: features contain NaN/inf; check the audio for corrupt samples")
    return feats


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
