"""Same config, same seed, same weights: steps/train.py in fresh processes gives bit-identical final.pt,
a training resumed in a new process after epoch k ends where the uninterrupted one does, and the
thread count does not matter (MKL's strict mode, vadkit.train)."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from vadkit import config
from vadkit.config import ExperimentConfig
from vadkit.train import training

ROOT = Path(__file__).resolve().parents[2]
# big enough that MKL splits the output layer's weight-gradient sum (16 x 200 frames) across 2 threads
CONFIG = ("model:\n  hidden_size: 32\ntrain:\n  epochs: 3\n  steps_per_epoch: 3\n  batch_size: 16\n"
          "  segment_frames: 200\n  lr_schedule: cosine\n")


def assert_same_training(a: Path, b: Path) -> None:
    """Two exp dirs hold bit-identical final weights and the same losses, to the last bit."""
    h_a, h_b = (json.loads((d / "history.json").read_text()) for d in (a, b))
    assert [(e["train_loss"], e["dev_loss"]) for e in h_a] == [(e["train_loss"], e["dev_loss"]) for e in h_b]
    w_a, w_b = (torch.load(d / "final.pt", weights_only=True)["model_state"] for d in (a, b))
    assert w_a.keys() == w_b.keys()
    diff = {k: float((w_a[k].double() - w_b[k].double()).abs().max()) for k in w_a if not torch.equal(w_a[k], w_b[k])}
    assert not diff, f"weights differ (max abs difference per tensor): {diff}"


def train(sets, exp: Path, threads: int = 1, *extra: str) -> str:
    """steps/train.py on the tiny config in a new process; its log (stderr)."""
    conf = exp.parent / "tiny.yaml"
    conf.write_text(CONFIG)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": str(threads)}
    env.pop("MKL_CBWR", None)   # what vadkit.train picks, not the caller's
    p = subprocess.run([sys.executable, str(ROOT / "steps/train.py"), "--config", str(conf), *extra,
                        str(sets["train"]), str(sets["dev"]), str(exp)], capture_output=True, text=True, env=env,
                       timeout=600, check=False)
    assert p.returncode == 0, p.stderr[-2000:]
    return p.stderr


@pytest.fixture(scope="module")
def reference(sets, tmp_path_factory):
    exp = tmp_path_factory.mktemp("ref") / "exp"
    train(sets, exp)
    return exp


def test_same_seed_in_fresh_processes_gives_identical_weights(sets, reference, tmp_path):
    train(sets, tmp_path / "again")
    assert_same_training(reference, tmp_path / "again")
    assert (tmp_path / "again/final.pt").read_bytes() == (reference / "final.pt").read_bytes()   # the file too
    cfg = config.load(tmp_path / "tiny.yaml", ExperimentConfig)   # another seed, here: no interpreter start-up
    cfg.train.seed = 2
    training.run(cfg, sets["train"], sets["dev"], tmp_path / "seed2")
    with pytest.raises(AssertionError):   # the check tells two trainings apart
        assert_same_training(reference, tmp_path / "seed2")


@pytest.mark.fault
def test_resumed_in_a_new_process_after_epoch_1_gives_identical_weights(sets, reference, tmp_path):
    cut = tmp_path / "cut"
    shutil.copytree(reference, cut)
    for name in ("final.pt", "checkpoints/epoch-3.pt", "checkpoints/epoch-2.pt"):   # killed during epoch 2
        (cut / name).unlink()
    assert "checkpoints/epoch-1.pt" in train(sets, cut)   # "resuming from .../epoch-1.pt"
    assert_same_training(reference, cut)


@pytest.mark.slow   # two OpenMP threads on a shared 2-core machine can take a minute
def test_thread_count_does_not_change_the_weights(sets, reference, tmp_path):
    train(sets, tmp_path / "two", 2)
    assert_same_training(reference, tmp_path / "two")
