"""Training, resume, decoding and scoring on toy data (small models, a few steps)."""
import json
import shutil

import numpy as np
import pytest
import torch
from test_determinism import assert_same_training

from vadkit import config
from vadkit.config import DecodeConfig, ExperimentConfig, ModelConfig, TrainConfig
from vadkit.decode import decoding
from vadkit.errors import InputError
from vadkit.eval import report, scoring
from vadkit.features import cache
from vadkit.train import training


def small_cfg(epochs=3, bidirectional=False):
    return ExperimentConfig(ModelConfig(hidden_size=16, bidirectional=bidirectional),
                            TrainConfig(epochs=epochs, steps_per_epoch=4, batch_size=8, segment_frames=100))


@pytest.mark.fault
def test_train_writes_layout_and_resumes_identically(sets, tmp_path):
    full, cut = tmp_path / "full", tmp_path / "cut"
    training.run(small_cfg(), sets["train"], sets["dev"], full)
    for name in ("config.yaml", "final.pt", "history.json", "curves.png", "checkpoints/epoch-3.pt"):
        assert (full / name).is_file(), name
    ck = torch.load(full / "final.pt", weights_only=True)
    assert {"model_state", "model_config", "feature_config", "norm_stats", "epoch"} <= set(ck)
    # an interrupted run: stop after epoch 1, then resume
    training.run(small_cfg(epochs=1), sets["train"], sets["dev"], cut)
    (cut / "final.pt").unlink()
    (cut / "config.yaml").unlink()
    training.run(small_cfg(), sets["train"], sets["dev"], cut)
    assert_same_training(full, cut)


@pytest.mark.badinput
def test_changed_config_needs_overwrite(sets, tmp_path):
    training.run(small_cfg(epochs=1), sets["train"], sets["dev"], tmp_path / "m")
    with pytest.raises(InputError, match="trained with another config.*--overwrite true"):
        training.run(small_cfg(epochs=1, bidirectional=True), sets["train"], sets["dev"], tmp_path / "m")
    training.run(small_cfg(epochs=1, bidirectional=True), sets["train"], sets["dev"], tmp_path / "m", overwrite=True)
    assert torch.load(tmp_path / "m/final.pt", weights_only=True)["model_config"]["bidirectional"]


def test_decode_and_score(sets, tmp_path):
    exp = tmp_path / "blstm"
    cfg = small_cfg(epochs=4, bidirectional=True)
    training.run(cfg, sets["train"], sets["dev"], exp)
    dcfg = DecodeConfig(median_frames=3)
    out = exp / "decode_dev"
    for job in (1, 2):
        decoding.decode_part(exp, sets["dev"], out, dcfg, nj=2, job=job)
    decoding.merge(exp, sets["dev"], out, dcfg, nj=2)
    probs = decoding.read_probs(out)
    feats, _, _ = cache.load(sets["dev"])
    assert {k: len(v) for k, v in probs.items()} == {k: len(v) for k, v in feats.items()}
    one = tmp_path / "one"
    decoding.decode_part(exp, sets["dev"], one, dcfg)
    decoding.merge(exp, sets["dev"], one, dcfg)
    assert (out / "hyp.rttm").read_text() == (one / "hyp.rttm").read_text()
    assert all(np.array_equal(probs[k], decoding.read_probs(one)[k]) for k in probs)
    m = scoring.score(sets["dev"], out)
    for key in ("accuracy", "precision", "recall", "f1", "miss_rate", "false_alarm_rate", "roc_auc",
                "threshold", "n_frames"):
        assert key in m
    assert m["n_frames"] == sum(len(v) for v in probs.values())
    assert m["roc_auc"] > 0.5  # a few steps on easy toy data beat chance
    assert (out / "scoring/confusion.png").is_file() and list((out / "scoring").glob("waveform_*.png"))
    (tmp_path / "nothing").mkdir()
    rows, notes = report.summary_rows([exp, tmp_path / "nothing"])
    assert [r["set"] for r in rows] == ["dev"] and "nothing" in notes[0]
    assert "all_speech_acc" in report.format_table(rows)


@pytest.mark.badinput
def test_decode_without_model(sets, tmp_path):
    with pytest.raises(InputError, match="final.pt: no trained model"):
        decoding.decode_part(tmp_path / "none", sets["dev"], tmp_path / "d", DecodeConfig())


def test_cosine_learning_rate():
    cfg = TrainConfig(lr=1e-3, lr_schedule="cosine", lr_min=1e-5)
    assert training.learning_rate(cfg, 0, 100) == pytest.approx(1e-3)
    assert training.learning_rate(cfg, 50, 100) == pytest.approx((1e-3 + 1e-5) / 2)
    assert training.learning_rate(cfg, 100, 100) == pytest.approx(1e-5)
    assert training.learning_rate(TrainConfig(lr=2e-3), 70, 100) == 2e-3


@pytest.mark.fault
def test_cosine_schedule_resumes_identically(sets, tmp_path):
    cfg = small_cfg()
    cfg.train.lr_schedule = "cosine"
    full = tmp_path / "full"
    training.run(cfg, sets["train"], sets["dev"], full)
    cut = tmp_path / "cut"
    shutil.copytree(full, cut)
    for name in ("final.pt", "checkpoints/epoch-3.pt", "checkpoints/epoch-2.pt"):
        (cut / name).unlink()
    training.run(cfg, sets["train"], sets["dev"], cut)  # resumes from epoch 1 at the right learning rate
    assert len(json.loads((cut / "history.json").read_text())) == 3
    assert_same_training(full, cut)
    with pytest.raises(InputError, match="m.yaml: train: lr_schedule must be constant or cosine"):
        (tmp_path / "m.yaml").write_text("train:\n  lr_schedule: step\n")
        config.load(tmp_path / "m.yaml", ExperimentConfig)
