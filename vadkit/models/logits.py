"""Logits -> speech probabilities in numpy, without torch (the energy baseline and scripts that only check
their arguments should not pay for importing it)."""
from __future__ import annotations

import numpy as np


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """Logits (any shape) -> probabilities 1 / (1 + exp(-x)), float32: the one decode-time sigmoid
    (TrainedModel, Vad, StreamingVad and the energy baseline), so their probabilities agree bit for bit."""
    return (1 / (1 + np.exp(-logits))).astype(np.float32)
