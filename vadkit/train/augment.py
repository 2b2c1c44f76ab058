"""What training does to a batch on the fly, each epoch anew (seeded by (seed, epoch), so a run repeats):

- graded targets: a short pause between two speech runs gets an intermediate target by its length
  (train.target_gap_ms), so one output serves phrase-level labels (pauses are non-speech) and
  turn-level ones (short pauses are speech): the pause scores below speech and above silence and noise;
- turn targets: a model with a turn head learns, beside them, turn-level ones (train.turn_gap_ms);
- distillation: a public VAD's probabilities on the train set mixed into the (phrase) targets
  (train.teacher, teacher_weight), so its graded view of pauses, noise and music teaches beside our labels;
- level and channel: a random gain and spectral tilt per segment (train.gain_db_max, tilt_db_max),
  applied to the cached features, where both are a fixed shift (features.extract.band_shift_direction);
- SpecAugment masks (train.specaug).
"""
from __future__ import annotations

import numpy as np

from vadkit.config import FeatureConfig, TrainConfig
from vadkit.errors import InputError
from vadkit.features.extract import band_shift_direction
from vadkit.features.norm import NormStats


def _inner_pauses(speech: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) frames of every non-speech run with speech on both sides."""
    edges = np.flatnonzero(np.diff(speech.astype(np.int8)))  # last frame before each change
    starts, ends = edges[speech[edges]] + 1, edges[~speech[edges]] + 1   # pause starts, speech restarts
    restart = np.searchsorted(ends, starts, side="right")   # the speech restart after each pause (if any)
    return [(int(s), int(ends[i])) for s, i in zip(starts, restart) if i < len(ends)]


def graded_targets(y: np.ndarray, gap_frames: float, peak: float) -> np.ndarray:
    """0/1 frame labels -> targets in which every non-speech run with speech on both sides and shorter
    than gap_frames frames gets peak * (1 - length / gap_frames); the rest is unchanged.  (n,) float32."""
    y = np.asarray(y, dtype=np.float32)
    out = y.copy()
    if gap_frames <= 0 or len(y) == 0:
        return out
    for s, e in _inner_pauses(y >= 0.5):
        if e - s < gap_frames:
            out[s:e] = peak * (1 - (e - s) / gap_frames)
    return out


def turn_targets(y: np.ndarray, gap_frames: float) -> np.ndarray:
    """0/1 frame labels -> turn-level ones: every non-speech run with speech on both sides and shorter
    than gap_frames frames becomes speech (1).  (n,) float32."""
    out = np.asarray(y, dtype=np.float32).copy()
    for s, e in _inner_pauses(out >= 0.5) if len(out) else []:
        if e - s < gap_frames:
            out[s:e] = 1.0
    return out


def graded_set(labels: list, cfg: TrainConfig, features: FeatureConfig) -> list:
    """graded_targets of every recording of a set (unchanged when train.target_gap_ms is 0)."""
    if cfg.target_gap_ms <= 0:
        return labels
    gap = cfg.target_gap_ms / features.hop_ms
    return [graded_targets(y, gap, cfg.target_gap_peak) for y in labels]


def target_set(labels: list, cfg: TrainConfig, features: FeatureConfig, turn_head: bool) -> list:
    """The training targets of a set's 0/1 labels: graded_set, (n,) per recording; with a turn head
    (n, 2): the phrase-level targets, then turn_targets."""
    phrase = graded_set(labels, cfg, features)
    if not turn_head:
        return phrase
    gap = cfg.turn_gap_ms / features.hop_ms
    return [np.stack([p, turn_targets(y, gap)], axis=1) for p, y in zip(phrase, labels)]


def distilled_set(targets: list, teacher: list, weight: float) -> list:
    """(1 - weight) * target + weight * teacher probability, per frame; with a turn head (targets (n, 2)) the
    phrase column only (the public VADs score phrase-level speech).  BCE is linear in its target, so this is
    the weighted sum of the losses against the labels and against the teacher."""
    out = []
    for y, p in zip(targets, teacher):
        y = np.array(y, dtype=np.float32)
        phrase = y[:, 0] if y.ndim == 2 else y   # a view: mixed in place
        phrase *= 1 - weight
        phrase += weight * np.asarray(p, np.float32)
        out.append(y)
    return out


class LevelAugment:
    """Per segment: gain uniform in +-gain_db_max dB and a spectral tilt uniform in +-tilt_db_max dB (lowest
    to highest mel band), added to globally normalised features as their exact shifts.  Per-file and
    sliding CMVN remove a gain by themselves: there it only tilts."""

    def __init__(self, cfg: TrainConfig, features: FeatureConfig, stats: NormStats, input_dims: int):
        self.cfg = cfg
        if features.has_pcen and self.enabled:   # no fixed shift to add; PCEN removes a gain and tilt itself
            raise InputError(f"gain_db_max / tilt_db_max: not for kind: {features.kind} features (each PCEN "
                             "band is divided by its own past, which removes a steady gain and tilt); set "
                             "them to 0")
        if not self.enabled:   # (the shifts need the mel analysis: librosa and scipy.signal, ~2 s to import)
            self.gain = self.tilt = np.zeros(input_dims, np.float32)
            return
        n_mels = features.n_mels
        scale = stats.std[:input_dims] if cfg.normalize else np.ones(input_dims)
        gain = band_shift_direction(features, np.ones(n_mels))[:input_dims] / scale
        tilt = band_shift_direction(features, np.linspace(-0.5, 0.5, n_mels))[:input_dims] / scale
        self.gain = gain.astype(np.float32) if cfg.cmvn == "global" else np.zeros(input_dims, np.float32)
        self.tilt = tilt.astype(np.float32)

    @property
    def enabled(self) -> bool:
        return self.cfg.gain_db_max > 0 or self.cfg.tilt_db_max > 0

    def __call__(self, rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
        """x (b, L, D) -> a shifted copy; draws 2 numbers per segment from rng."""
        b = len(x)
        g = rng.uniform(-self.cfg.gain_db_max, self.cfg.gain_db_max, b).astype(np.float32)
        t = rng.uniform(-self.cfg.tilt_db_max, self.cfg.tilt_db_max, b).astype(np.float32)
        return x + (g[:, None] * self.gain + t[:, None] * self.tilt)[:, None, :]


def spec_augment(rng: np.random.Generator, x: np.ndarray, cfg: TrainConfig) -> np.ndarray:
    """SpecAugment (Park et al. 2019) without time warping on a batch x (b, L, D) of normalised
    features: per segment, specaug_time_masks runs of 0..specaug_time_width frames and
    specaug_freq_masks runs of 0..specaug_freq_width feature dims set to 0 (the mean).  Labels are
    kept: a masked frame is still speech or not.  Returns a copy.  Under torchrun each rank masks its
    own share with the same stream, so the masks differ from a one-process run (the batches do not)."""
    x = x.copy()
    b, length, dim = x.shape
    for i in range(b):
        for _ in range(cfg.specaug_time_masks):
            w = int(rng.integers(0, cfg.specaug_time_width + 1))
            t0 = int(rng.integers(0, max(1, length - w + 1)))
            x[i, t0:t0 + w] = 0.0
        for _ in range(cfg.specaug_freq_masks):
            w = int(rng.integers(0, min(cfg.specaug_freq_width, dim) + 1))
            f0 = int(rng.integers(0, max(1, dim - w + 1)))
            x[i, :, f0:f0 + w] = 0.0
    return x
