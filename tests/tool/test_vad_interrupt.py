"""steps/vad.py interrupted (Ctrl-C, SIGTERM) in the middle of 24 files, then run again (issue 17): it stops at
once with one line, keeps what it finished, and a re-run skips that and ends with the outputs of a whole run."""
import json
import logging
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from vadkit import io

from builders import make_model_dir, toy_recording
from conftest import ROOT, child_env
from test_vad import vad_main

N_FILES = 24
DUR_S = 20   # about 0.2 s a file on one thread: the signal lands while most files remain
OPTIONS = ["--threshold", "0.505", "--probs", "true"]


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    root = tmp_path_factory.mktemp("interrupt")
    for i in range(N_FILES):
        io.write_wav(root / "in" / f"r{i:02d}.wav", toy_recording(np.random.default_rng(i), float(DUR_S))[0], 8000)
    return {"model": make_model_dir(root / "model", hidden=256, layers=2), "inputs": root / "in"}


def start(job, out, nj=2):
    """steps/vad.py in its own process group, writing to `out`."""
    cmd = [sys.executable, str(ROOT / "steps/vad.py"), "--model", str(job["model"]), *OPTIONS, "--nj", str(nj),
           "-o", str(out), str(job["inputs"])]
    env = child_env()   # as the re-runs below, which run in this process
    # Ctrl-C as at a terminal: a test run started in the background (`cmd &` in a script) ignores SIGINT, and a
    # child inherits that (as nohup intends); the child gets the default disposition back
    return subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def interrupt(proc, watch, sig, group):
    """Send `sig` (to the process group, as a terminal's Ctrl-C does, or to the process only, as `kill`
    does) once a first output is finished in folder `watch` (its stamp, written last, is there);
    (exit code, stderr, seconds to exit)."""
    t0 = time.monotonic()
    while not (watch.is_dir() and any(p.match(".r*.json.stamp") for p in watch.iterdir())):
        assert proc.poll() is None and time.monotonic() - t0 < 300, proc.stderr.read()
        time.sleep(0.02)
    (os.killpg if group else os.kill)(proc.pid, sig)
    t1 = time.monotonic()
    try:
        err = proc.communicate(timeout=10)[1]
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"still running 10 s after {sig.name}: {proc.communicate()[1][-2000:]}")
    return proc.returncode, err, time.monotonic() - t1


def finished(err, where=""):
    """N from the one line `vad.py: interrupted; N of 24 outputs finished are kept...`, checked."""
    lines = [line for line in err.splitlines() if "interrupted" in line]
    assert len(lines) == 1 and lines[0].startswith("vad.py: interrupted; "), err[-2000:]
    n = int(lines[0].split("; ")[1].split(" of ")[0])
    assert f"{n} of {N_FILES} outputs finished are kept{where}" in lines[0]
    assert "Traceback" not in err and "leaked" not in err, err[-2000:]
    return n


def assert_no_process_left(pgid):
    t0 = time.monotonic()
    while time.monotonic() - t0 < 5:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    pytest.fail("worker processes outlived steps/vad.py")


def complete(path):
    j = json.loads(path.read_text())
    assert j["duration"] == DUR_S and len(j["probs"]) == 1 + (DUR_S * 8000 - 200) // 80 and j["segments"], path
    return j


def rerun(caplog, job, out, *options):
    """steps/vad.py's main() again in this process (no start-up), its log in caplog."""
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="vadkit.tool.files"):
        return vad_main("--model", job["model"], *OPTIONS, *options, "-o", out, job["inputs"])


@pytest.mark.fault
def test_ctrl_c_keeps_finished_outputs_and_a_rerun_resumes(job, tmp_path, caplog):
    out = tmp_path / "out"
    code, err, took = interrupt(start(job, f"{out}/"), out, signal.SIGINT, group=True)
    assert code == 130 and took < 10
    n = finished(err, "; a re-run skips them")
    kept = [p.with_name(p.name[1:-6]) for p in out.glob(".r*.json.stamp")]   # an output without one is redone
    assert 1 <= n < N_FILES and len(kept) == n
    for p in kept:
        complete(p)
    before = {p.name: p.stat().st_mtime_ns for p in kept}
    assert rerun(caplog, job, f"{out}/") == 0 and f"{n} of {N_FILES} inputs skipped" in caplog.text
    assert {p.name: p.stat().st_mtime_ns for p in kept} == before           # skipped: not written again
    resumed = {p.name: p.read_bytes() for p in out.glob("r*.json")}
    assert len(resumed) == N_FILES
    # --overwrite true: every file again, as one uninterrupted run; the same bytes
    assert rerun(caplog, job, f"{out}/", "--overwrite", "true") == 0 and "skipped" not in caplog.text
    assert all(p.stat().st_mtime_ns != before[p.name] for p in kept)
    assert {p.name: p.read_bytes() for p in out.glob("r*.json")} == resumed


@pytest.mark.fault
def test_sigterm_keeps_the_parts_of_a_combined_output(job, tmp_path, caplog):
    out, parts = tmp_path / "all.json", tmp_path / ".all.json.parts"
    proc = start(job, out)
    code, err, took = interrupt(proc, parts, signal.SIGTERM, group=False)   # the parent alone: it stops the workers
    assert code == 143 and took < 10
    assert_no_process_left(proc.pid)
    n = finished(err, f" in {parts}/; a re-run reuses them")
    stamps = list(parts.glob(".r*.json.stamp"))
    assert 1 <= n < N_FILES and not out.exists() and len(stamps) == n
    for p in stamps:
        complete(p.with_name(p.name[1:-6]))
    assert rerun(caplog, job, out) == 0 and f"{n} of {N_FILES} inputs skipped" in caplog.text
    assert rerun(caplog, job, tmp_path / "whole.json") == 0
    assert out.read_bytes() == (tmp_path / "whole.json").read_bytes()
    assert [j["file"] for j in json.loads(out.read_text())] == [str(p) for p in sorted(job["inputs"].iterdir())]
