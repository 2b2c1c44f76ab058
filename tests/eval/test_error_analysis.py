"""vadkit.eval.error_analysis (local/error_analysis.py): frame levels, places in the reference, and the per-group error table."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vadkit import io
from vadkit.config import DecodeConfig
from vadkit.eval import error_analysis as ea
from vadkit.eval import scoring
from vadkit.features.grid import FrameGrid


def test_frame_levels_follow_the_signal():
    rate, grid = 8000, FrameGrid()
    x = np.concatenate([np.full(8000, 0.1), np.full(8000, 0.001)]).astype(np.float32)
    lv = ea.frame_levels(x, rate, grid, grid.n_frames(len(x), rate))
    assert lv[10] == pytest.approx(-20, abs=0.01) and lv[-10] == pytest.approx(-60, abs=0.01)


def test_places():
    ref = np.array([0] * 40 + [1] * 20 + [0] * 10 + [1] * 10 + [0] * 40, np.int8)
    level = np.full(len(ref), -70.0)
    level[40:60] = -20
    level[50:55] = -55                                   # 35 dB below the turn's peak: quiet in a turn
    level[70:80] = -30
    pl = ea.places(ref, level, 0.01)
    assert (pl[50:55] == 1).all() and (pl[40:50] == 0).all() and (pl[70:80] == 0).all()
    assert (pl[60:70] == 2).all() and (pl[10:40] == 2).all() and (pl[80:110] == 2).all()
    assert (pl[:10] == 3).all() and (pl[110:] == 3).all()


def test_analyse_counts_misses_and_false_alarms(tmp_path):
    rate, grid = 8000, FrameGrid()
    x = np.zeros(8000 * 2, np.float32)
    x[8000:] = 0.1 * np.sin(np.arange(8000) * 0.3)
    wav = tmp_path / "r.wav"
    io.write_wav(wav, x, rate)
    n = grid.n_frames(len(x), rate)
    ref = grid.labels([(1.0, 2.0)], n)
    prob = np.where(ref == 1, 0.9, 0.1).astype(np.float32)
    prob[:10] = 0.8                                      # 10 false alarms in the silent first second
    dec = scoring.Decoded(Path("d"), Path("e"), ["r"], grid, DecodeConfig(), {"r": str(wav)}, {"r": 2.0},
                          {"r": [(1.0, 2.0)]}, {"r": []}, {"r": ref}, {"r": ref}, {"r": prob})
    rows = {(r["group"], r["ref"]): r for r in ea.analyse(ea.frames(dec), 0.5)}
    voiced = rows[("speech, voiced", "speech")]
    assert voiced["frames"] == ref.sum() and voiced["error"] == 0.0
    silent = rows[("level -200..-60 dB", "non-speech")]
    assert silent["error"] == pytest.approx(10 / silent["frames"])
    ranks = {(r["speech"], r["non_speech"]): r["roc_auc"] for r in ea.ranking_by_place(ea.frames(dec))}
    assert ranks[("speech, voiced", "non-speech, away")] == 1.0            # 0.8 and 0.1 below 0.9
    dec.probs["r"][:10] = 0.95                                           # the false alarms above the speech
    ranks = {(r["speech"], r["non_speech"]): r["roc_auc"] for r in ea.ranking_by_place(ea.frames(dec))}
    assert ranks[("speech, voiced", "non-speech, near a turn")] == 1.0    # they lie away from the turn
    assert ranks[("speech, voiced", "non-speech, away")] < 1.0


def test_bridged_roc_auc_lifts_pauses_kept_inside_a_turn():
    grid = FrameGrid()
    ref = np.array([0] * 200 + [1] * 150 + [0] * 200, np.int8)     # one turn ...
    prob = np.where(ref == 1, 0.9, 0.05).astype(np.float32)
    prob[250:280] = 0.03                                            # ... with a pause the network calls silence
    dec = scoring.Decoded(Path("d"), Path("e"), ["r"], grid, DecodeConfig(), {"r": "r.wav"}, {"r": 5.5},
                          {"r": [(2.0, 3.5)]}, {"r": []}, {"r": ref}, {"r": ref}, {"r": prob})
    off = scoring.bridged_roc_auc(dec, DecodeConfig(), streams=False)
    on = scoring.bridged_roc_auc(dec, DecodeConfig(bridge_half_life_ms=300.0, bridge_weight=0.5), streams=False)
    assert off < 0.9 and on == pytest.approx(1.0)   # the pause now lies above the silence around the turn
