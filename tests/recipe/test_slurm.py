"""The recipe on a real single-node Slurm (utils/start_local_slurm.sh): job arrays give the local launcher's
bytes, trainings run as concurrent jobs, a requeued training resumes, a failed one is named (slow).

Needs root and apt (CI has both; the daemons are installed by apt if missing); skips otherwise."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT, copy_recipe
from test_recipe import TINY_CORPUS

pytestmark = pytest.mark.slow
TINY_TRAIN = "  epochs: 2\n  steps_per_epoch: 6\n  batch_size: 8\n"
SLURM = "utils/slurm.sh --time 10"


def _free_port_pair() -> int:
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port < 65000:
            with socket.socket() as s2:
                try:
                    s2.bind(("127.0.0.1", port + 1))
                    return port
                except OSError:
                    continue
    raise RuntimeError("no two free consecutive ports")


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    """SLURM_CONF of a private one-node Slurm, stopped (by its recorded pids) after the module."""
    have = all(shutil.which(b) for b in ("munged", "slurmctld", "slurmd", "sbatch"))
    if os.geteuid() != 0:
        pytest.skip("a local Slurm needs root (slurmd starts jobs as their users); CI runs this as root")
    if not have and not shutil.which("apt-get"):
        pytest.skip("slurm-wlm and munge are not installed and there is no apt-get to install them")
    d = tmp_path_factory.mktemp("slurm")
    p = subprocess.run([ROOT / "utils/start_local_slurm.sh", "--dir", d, "--install", "true",
                        "--port", str(_free_port_pair())], capture_output=True, text=True, timeout=600)
    try:
        assert p.returncode == 0, p.stderr
        yield d / "slurm.conf"
    finally:
        pids = [int(line.split()[1]) for line in (d / "pids").read_text().splitlines()] if (d / "pids").exists() else []
        subprocess.run([ROOT / "utils/stop_local_slurm.sh", d], capture_output=True, timeout=60)
        for pid in pids:  # the daemons we started are gone
            assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


@pytest.fixture(scope="module")
def recipe(tmp_path_factory, slurm):
    r = copy_recipe(tmp_path_factory.mktemp("recipe"), ("lstm", "blstm"), 16, TINY_TRAIN)
    (r / "conf/corpus_builtin.yaml").write_text(TINY_CORPUS)
    run(r, "--stage", "0", "--stop-stage", "1", env={})
    return r


def run(recipe: Path, *args: str, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    p = subprocess.run(["./run.sh", *args], cwd=recipe, capture_output=True, text=True, timeout=600,
                       env={**os.environ, "OMP_NUM_THREADS": "1", **env})
    if check and p.returncode != 0:
        raise AssertionError(f"run.sh {' '.join(args)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def snapshot(recipe: Path, pattern: str) -> dict[str, bytes]:
    """The outputs under `pattern`; a dir's .lock (who ran there, when) is not an output."""
    files = {str(f.relative_to(recipe)): f.read_bytes() for f in sorted(recipe.glob(pattern))
             if f.is_file() and f.name != ".lock"}
    assert files, pattern
    return files


def squeue(slurm_conf, *args) -> list[str]:
    p = subprocess.run(["squeue", "-h", *args], capture_output=True, text=True, env={**os.environ, "SLURM_CONF": str(slurm_conf)})
    return p.stdout.split()


def test_features_train_decode_on_slurm_match_local(recipe, slurm):
    env = {"SLURM_CONF": str(slurm)}
    feats = "data/*/feats*"  # feats.ark/scp, labels are in labels.*; cmvn.json below
    run(recipe, "--stage", "2", "--stop-stage", "2", "--nj", "2", env=env)
    local = {**snapshot(recipe, feats), **snapshot(recipe, "data/*/labels.*"), **snapshot(recipe, "data/*/cmvn.json")}
    run(recipe, "--stage", "2", "--stop-stage", "2", "--nj", "2", "--overwrite", "true", "--feats-cmd", SLURM, env=env)
    on_slurm = {**snapshot(recipe, feats), **snapshot(recipe, "data/*/labels.*"), **snapshot(recipe, "data/*/cmvn.json")}
    assert on_slurm == local
    assert "(slurm job " in (recipe / "data/dev/log/make_feats.2.log").read_text()

    # Two trainings: two Slurm jobs running at the same time.
    seen, done = [], threading.Event()

    def watch():
        while not done.is_set():
            seen.append(squeue(slurm, "-o", "%i:%T"))
            time.sleep(0.2)

    t = threading.Thread(target=watch)
    t.start()
    try:
        run(recipe, "--stage", "3", "--stop-stage", "3", "--models", "lstm blstm", "--train-cmd", SLURM, env=env)
    finally:
        done.set()
        t.join()
    assert max(sum(j.endswith(":RUNNING") for j in s) for s in seen) == 2, seen
    for m in ("lstm", "blstm"):
        assert (recipe / f"exp/{m}/final.pt").is_file()
        assert "(slurm job " in (recipe / f"exp/{m}/log/train.log").read_text()

    def decode_test_set(cmd: str) -> dict[str, bytes]:   # stage 4's steps/decode.sh for one set, in two jobs
        p = subprocess.run(["steps/decode.sh", "--cmd", cmd, "--overwrite", "true", "--nj", "2", "exp/lstm",
                            "data/test", "exp/lstm/decode_test"], cwd=recipe, capture_output=True, text=True,
                           timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1", **env})
        assert p.returncode == 0, p.stderr
        return snapshot(recipe, "exp/lstm/decode_test/*")

    local = decode_test_set("utils/run_local.sh")
    assert decode_test_set(SLURM) == local
    assert "(slurm job " in (recipe / "exp/lstm/log/decode_test.2.log").read_text()


@pytest.mark.fault
def test_requeued_training_resumes_and_failed_one_is_named(recipe, slurm):
    env = {"SLURM_CONF": str(slurm)}
    conf = recipe / "conf/lstm_long.yaml"
    conf.write_text((recipe / "conf/lstm.yaml").read_text().replace("epochs: 2", "epochs: 12"))
    (recipe / "conf/broken.yaml").write_text("model:\n  arch: lstm\n  no_such_key: 1\n")
    p = subprocess.Popen(["./run.sh", "--stage", "3", "--stop-stage", "3", "--models", "lstm_long broken",
                          "--train-cmd", SLURM + " --requeue true"], cwd=recipe, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env={**os.environ, "OMP_NUM_THREADS": "1", **env})
    try:
        ckpt = recipe / "exp/lstm_long/checkpoints/epoch-2.pt"
        deadline = time.monotonic() + 120
        while not ckpt.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert ckpt.exists(), "no checkpoint after 120 s"
        # Preemption as Slurm does it: the running job is killed and goes back to the queue.
        job = squeue(slurm, "-n", "exp/lstm_long/log/train", "-t", "RUNNING", "-o", "%i")
        assert len(job) == 1
        subprocess.run(["scontrol", "requeue", job[0]], check=True, env={**os.environ, "SLURM_CONF": str(slurm)})
        out, err = p.communicate(timeout=300)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 1
    assert "train.sh: training failed for 1 of 2 models: broken (logs: exp/broken/log/train.log" in err
    assert "slurm.sh: job failed (exit 1; slurm job " in err and "no_such_key" in err
    log = (recipe / "exp/lstm_long/log/train.log").read_text()
    assert "restart 1)" in log and "resuming from exp/lstm_long/checkpoints/epoch-" in log
    assert (recipe / "exp/lstm_long/final.pt").is_file()
