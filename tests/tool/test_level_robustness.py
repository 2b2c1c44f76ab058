"""A 20 dB gain change moves the shipped model's decisions by little (issue 15's level robustness pin).

Generated speech over noise (espeak-ng, procedural noise).  Measured first (blstm60, 2026-12-05): 94 % frame
agreement at -20 dB here, 89 % on AMI test (local/level_sweep.py, RESULTS.md), 83 % on the first minute of
one AMI dev meeting: real far-field audio is more level-bound than this test can show.
"""
from __future__ import annotations

import numpy as np
import pytest

from vadkit import Vad
from vadkit.corpora import mix

from builders import make_sources, tiny_cfg

GAIN_DB = -20.0


def _agreement(vad: Vad, x: np.ndarray, sr: int) -> tuple[float, float, float]:
    """(frame agreement of the decisions, speech share at 0 dB, at GAIN_DB)."""
    threshold = vad.decode.threshold
    d0 = vad.probs(x, sr) > threshold
    d1 = vad.probs(x * 10 ** (GAIN_DB / 20), sr) > threshold
    return float(np.mean(d0 == d1)), float(d0.mean()), float(d1.mean())


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> np.ndarray:
    speech, noise = make_sources(tmp_path_factory.mktemp("src"), n_speakers=3, n_noise=2)
    utts, noises = [str(p) for p in sorted(speech.rglob("*.flac"))], [str(p) for p in sorted(noise.glob("*.wav"))]
    cfg = tiny_cfg(sample_rate_hz=16000, min_rec_s=20, max_rec_s=20, snr_db_min=10, snr_db_max=15,
                   peak_dbfs_min=-6, peak_dbfs_max=-6)
    return mix.make_mix_recording(cfg, "test", 0, utts, noises)[0]


class _LevelBound:
    """A detector that calls frames louder than an absolute level speech: what the check must catch."""
    decode = type("D", (), {"threshold": 0.5})

    def probs(self, x: np.ndarray, sr: int) -> np.ndarray:
        frames = x[:len(x) // 160 * 160].reshape(-1, 160)
        return (20 * np.log10(np.sqrt(np.mean(frames ** 2, axis=1)) + 1e-9) > -35).astype(float)


def test_the_shipped_model_20_db_quieter(recording):
    agree, share0, share1 = _agreement(Vad(), recording, 16000)
    assert agree >= 0.9 and abs(share1 - share0) <= 0.1, (agree, share0, share1)


def test_a_level_bound_detector_fails_the_check(recording):
    agree, share0, share1 = _agreement(_LevelBound(), recording, 16000)
    assert not (agree >= 0.9 and abs(share1 - share0) <= 0.1), (agree, share0, share1)
