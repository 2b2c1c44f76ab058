"""The frame grid: the seconds<->frames rule.

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

from vadkit import intervals
from vadkit.config import FeatureConfig


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

    def labels(self, regions: intervals.Segments, n_frames: int) -> np.ndarray:
        """Speech regions [(start_s, end_s)] -> (n_frames,) int8 0/1 by the centre rule."""
        y = np.zeros(n_frames, dtype=np.int8)
        c = self.centres(n_frames)
        for s, e in regions:
            y[np.searchsorted(c, s, "left"):np.searchsorted(c, e, "left")] = 1
        return y

    def segments(self, labels: np.ndarray) -> intervals.Segments:
        """(n_frames,) 0/1 decisions -> speech regions [(start_s, end_s)], times rounded to 0.1 ms."""
        y = np.concatenate([[0], np.asarray(labels).astype(np.int8) != 0, [0]]).astype(np.int8)
        d = np.diff(y)
        starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
        off = self.win_s / 2 - self.hop_s / 2
        return [(round(max(0.0, a * self.hop_s + off), 4), round(b * self.hop_s + off, 4))
                for a, b in zip(starts, ends)]
