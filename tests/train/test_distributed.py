"""Distributed data-parallel training: 2 torchrun processes (gloo, CPU) take the steps 1 process takes,
rank 0 alone writes, and a DDP run resumes from its last checkpoint (slow: starts torchrun groups);
the batch sharding and the AMP switch on CPU (quick)."""
from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from vadkit import config
from vadkit.config import ExperimentConfig, FeatureConfig
from vadkit.features import cache
from vadkit.train import training

from builders import make_toy_data_dir
from conftest import ROOT

CONF = """model:
  arch: lstm
  input_dims: 20
  hidden_size: 16
train:
  epochs: 3
  steps_per_epoch: 4
  batch_size: 9
  segment_frames: 100
  lr_schedule: cosine
"""


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("ddp")
    for name, n, seed in (("train", 6, 1), ("dev", 3, 2)):
        d = make_toy_data_dir(root / name, n, dur_s=8.0, seed=seed)
        cache.make_part(d, FeatureConfig(), "ark")
        cache.merge_parts(d, FeatureConfig(), "ark")
    (root / "conf.yaml").write_text(CONF)
    return root


def train(root, exp, nproc):
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}"]
    cmd = [*(torchrun if nproc > 1 else [sys.executable]), str(ROOT / "steps/train.py"), "--config", "conf.yaml",
           "train", "dev", exp]
    p = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=300,
                       env={**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)})
    assert p.returncode == 0, p.stderr
    return p.stderr


def history(root, exp):
    return json.loads((root / exp / "history.json").read_text())


def test_sampler_shards_are_the_whole_batch():
    rng = np.random.default_rng(0)
    feats = [rng.standard_normal((n, 3)).astype(np.float32) for n in (50, 120, 300, 80)]
    labels = [(f[:, 0] > 0).astype(np.float32) for f in feats]
    sampler = training.SegmentSampler(feats, labels, segment_frames=100, batch_size=7)
    whole = sampler.batch(np.random.default_rng([1, 2]))
    parts = [sampler.batch(np.random.default_rng([1, 2]), rank, 3) for rank in range(3)]
    assert [len(p[0]) for p in parts] == [3, 2, 2]
    for k in range(3):  # x, y and mask of the three ranks, stacked, are the one-process batch
        assert np.array_equal(np.concatenate([p[k] for p in parts]), whole[k])


def test_amp_on_cpu_trains_in_float32(setup, caplog):
    cfgs = [config.load(setup / "conf.yaml", ExperimentConfig) for _ in range(2)]
    cfgs[0].train.epochs = cfgs[1].train.epochs = 1
    cfgs[1].train.amp = True
    caplog.set_level(logging.INFO, logger="vadkit.train")
    for name, cfg in zip(("fp32", "amp"), cfgs):
        training.run(cfg, setup / "train", setup / "dev", setup / name)
    assert "mixed precision is for CUDA; training in float32 on cpu" in caplog.text
    assert history(setup, "amp")[0]["dev_loss"] == pytest.approx(history(setup, "fp32")[0]["dev_loss"], rel=1e-6)


@pytest.mark.slow
def test_two_processes_match_one_and_resume(setup):
    train(setup, "one", 1)
    # The recipe's way: the GPU count of the launcher (--gpu 2, ignored locally) -> torchrun with 2 processes.
    for name in ("steps", "utils"):
        (setup / name).symlink_to(ROOT / name)
    (setup / "conf").mkdir()
    shutil.copy(setup / "conf.yaml", setup / "conf/two.yaml")
    p = subprocess.run(["steps/train.sh", "--cmd", "utils/run_local.sh --gpu 2", "--config", "conf/two.yaml", "train",
                        "dev", "two"],
                       cwd=setup, capture_output=True, text=True, timeout=300,
                       env={**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT),
                            "PATH": f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"})
    assert p.returncode == 0, p.stderr
    log = (setup / "two/log/train.log").read_text()
    assert log.startswith("# torchrun --standalone --nproc-per-node 2 steps/train.py --config conf/two.yaml")
    assert "distributed: 2 processes (gloo)" in log
    assert log.count("epoch 3/3: train loss") == 1  # rank 0 alone logs
    one, two = history(setup, "one"), history(setup, "two")
    # The same global batches, split in two: equal up to float rounding (no dropout in a 1-layer LSTM).
    for a, b in zip(one, two, strict=True):
        for k in ("train_loss", "train_accuracy", "dev_loss", "dev_accuracy"):
            assert b[k] == pytest.approx(a[k], rel=1e-4, abs=1e-6), (a["epoch"], k)
    # Killed during epoch 3: no final.pt, the last checkpoint is epoch 2 -> resumes there, same result.
    shutil.copytree(setup / "two", setup / "cut")
    (setup / "cut/final.pt").unlink()
    (setup / "cut/checkpoints/epoch-3.pt").unlink()
    log = train(setup, "cut", 2)
    assert "resuming from cut/checkpoints/epoch-2.pt" in log
    assert history(setup, "cut")[-1]["dev_loss"] == pytest.approx(two[-1]["dev_loss"], rel=1e-5)
