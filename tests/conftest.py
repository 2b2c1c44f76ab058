"""Shared test fixtures: tiny data dirs generated on the fly (no downloads, no shared corpora)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vadkit import data, io  # noqa: E402


def toy_recording(rng: np.random.Generator, dur_s: float, sr: int = 8000) -> tuple[np.ndarray, list]:
    """Low noise with loud buzzy bursts (amplitude-modulated square waves) as 'speech' regions.

    Not speech: a stand-in with sharp, known boundaries so pipeline tests can check mechanics.
    """
    x = 0.01 * rng.standard_normal(int(dur_s * sr))
    segs, t = [], rng.uniform(0.3, 1.0)
    while t < dur_s - 1.0:
        length = min(rng.uniform(0.5, 1.5), dur_s - t - 0.2)
        k0, k1 = int(t * sr), int((t + length) * sr)
        tt = np.arange(k1 - k0) / sr
        x[k0:k1] += 0.2 * np.sign(np.sin(2 * np.pi * rng.uniform(100, 250) * tt)) * (1 + np.sin(8 * np.pi * tt)) / 2
        segs.append((round(t, 3), round(t + length, 3)))
        t += length + rng.uniform(0.3, 1.2)
    return x.astype(np.float32), segs


def make_toy_data_dir(path: Path, n: int, dur_s: float = 6.0, seed: int = 0, sr: int = 8000) -> Path:
    """A labelled data dir of n toy recordings with audio under path/wav/."""
    rng = np.random.default_rng(seed)
    wavs, regions = {}, {}
    for i in range(n):
        rec_id = f"{path.name}_{i:03d}"
        x, segs = toy_recording(rng, dur_s, sr)
        wavs[rec_id] = str(path / "wav" / f"{rec_id}.wav")
        io.write_wav(wavs[rec_id], x, sr)
        regions[rec_id] = segs
    data.write_data_dir(path, wavs, regions)
    return path


@pytest.fixture
def toy_dir(tmp_path) -> Path:
    return make_toy_data_dir(tmp_path / "toy", 3)
