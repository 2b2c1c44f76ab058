"""One run per directory: a second training of an exp dir, or a second decode of a decode dir, started
while the first runs, refuses with a message naming the dir and the holder; a dead holder blocks nothing."""
import os
import re
import subprocess
import sys
import time

import pytest
from conftest import ROOT

from vadkit import io
from vadkit.config import ExperimentConfig, ModelConfig, TrainConfig
from vadkit.errors import InputError
from vadkit.train import training


def small_cfg(epochs):
    return ExperimentConfig(ModelConfig(hidden_size=8), TrainConfig(epochs=epochs, steps_per_epoch=2, batch_size=4,
                                                                    segment_frames=50))


HOLD = ("import sys, time; from vadkit import io\n"
        "with io.dir_lock(sys.argv[1], 'test holder'):\n"
        "    print('held', flush=True); time.sleep(60)\n")


def _holder(path):
    """A process holding path's lock until killed."""
    p = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert p.stdout.readline().strip() == "held"
    return p


@pytest.mark.fault
def test_a_second_process_is_refused_until_the_first_ends_dead_or_alive(tmp_path):
    p = _holder(tmp_path / "exp")
    try:
        refused = (rf"^{re.escape(str(tmp_path))}/exp is in use by another run \(pid {p.pid} on .*test holder\); "
                   "wait for it to finish")
        with pytest.raises(InputError, match=refused), io.dir_lock(tmp_path / "exp", "second"):
            pass
    finally:
        p.kill()   # SIGKILL: no clean-up, the kernel drops the lock all the same
        p.wait()
    assert (tmp_path / "exp/.lock").is_file()
    with io.dir_lock(tmp_path / "exp", "third"):
        assert f"pid {os.getpid()} " in (tmp_path / "exp/.lock").read_text()
    with io.dir_lock(tmp_path / "exp", "fourth"):   # released at the end of the block
        pass


@pytest.mark.fault
def test_a_second_training_of_one_exp_dir_refuses_and_deletes_nothing(sets, tmp_path):
    exp = tmp_path / "m"
    training.run(small_cfg(epochs=1), sets["train"], sets["dev"], exp)
    (exp / "final.pt").unlink()   # as if still training
    before = sorted(p.name for p in exp.rglob("*"))
    refused = rf"{re.escape(str(exp))} is in use by another run \(pid {os.getpid()} "
    with io.dir_lock(exp, "training"), pytest.raises(InputError, match=refused):   # the first run: this process
        training.run(small_cfg(epochs=2), sets["train"], sets["dev"], exp, overwrite=True)
    assert sorted(p.name for p in exp.rglob("*")) == before   # --overwrite true cleared nothing
    training.run(small_cfg(epochs=2), sets["train"], sets["dev"], exp, overwrite=True)   # free again
    assert (exp / "final.pt").is_file()


@pytest.mark.fault
def test_a_second_decode_sh_refuses_before_starting_a_job(tmp_path):
    dec = tmp_path / "exp/decode_dev"
    p = _holder(dec)
    try:
        t0 = time.monotonic()
        r = subprocess.run(["steps/decode.sh", str(tmp_path / "exp"), str(tmp_path / "data"), str(dec)], cwd=ROOT,
                           capture_output=True, text=True, timeout=60, check=False)
    finally:
        p.kill()
        p.wait()
    assert r.returncode == 1 and time.monotonic() - t0 < 30
    assert r.stderr.startswith(f"decode.sh: {dec} is in use by another run (pid {p.pid} on "), r.stderr
    assert not (tmp_path / "exp/log").exists()   # no job was started
