"""SIGKILL faults (issue 17): each stage of run.sh, and steps/vad.py --nj 2, killed at a seeded random point
inside it, then run again: the run completes, its outputs equal an uninterrupted run's, and no file is left
partial under its final name (slow).

A kill here is what a power cut or the OOM killer does: every process of the run's session (run.sh, and the
jobs run_local.sh starts in process groups of their own) is stopped, then killed; nothing gets to clean up."""
from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from builders import make_model_dir, toy_recording
from conftest import ROOT, child_env, copy_recipe

from vadkit import io

pytestmark = [pytest.mark.slow, pytest.mark.fault]

# the smallest run that still has every stage: one model, 3 short epochs long enough (~1 s each on an idle
# core) that a kill lands inside one, and a corpus of 4 + 2 + 2 recordings.  final.pt is the last epoch, so
# the epochs a resumed training runs make it (this tiny model's lowest dev loss is often epoch 1's)
CORPUS = "train_minutes: 0.6\ndev_minutes: 0.3\ntest_minutes: 0.3\nmin_rec_s: 10\nmax_rec_s: 15\n"
TRAIN = "  epochs: 3\n  steps_per_epoch: 200\n  batch_size: 8\n  select_on: last\n"
# a kill lands this share of the uninterrupted run's time into a stage (an epoch for training): at most
# half, so a re-run twice as fast as the first (warm caches, less load) is still inside it
KILL_AT = (0.05, 0.5)
TRIES = 4
ARGS = ("--model", "lstm", "--nj", "2")
STAGES = {0: "corpus", 1: "data", 2: "features", 3: "train", 4: "decode", 5: "score"}
# the file each stage writes last: when it is there, the stage is done (a test run alone makes the earlier ones)
DONE = {0: "data/local/builtin/.done", 1: "data/test/wav.scp", 2: "data/test/feats.yaml", 3: "exp/lstm/final.pt",
        4: "exp/lstm/decode_test/hyp.rttm"}
# the stage that writes each output (first match wins); a file matching none fails the digest: add it here
STAGE_OF = (("data/local/builtin/*", 0), ("data/*/feats.*", 2), ("data/*/labels.*", 2), ("data/*/cmvn.json", 2),
            ("data/*", 1), ("exp/*/decode_*/scoring/*", 5), ("exp/plots/*", 5), ("exp/*/decode_*/*", 4),
            ("exp/*/decode.yaml", 4),
            ("exp/*", 3))


# ---------------------------------------------------------------- processes
def start(cmd: list, cwd: Path, out: Path) -> subprocess.Popen:
    """cmd in a session of its own (its stdout and stderr in `out`).  One thread per process: two OpenMP
    threads on two cores that other jobs also use spin against them (a 4 s training took over 300 s)."""
    with open(out, "w") as f:
        return subprocess.Popen(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT, start_new_session=True,
                                env=child_env())


def watch(proc: subprocess.Popen, out: Path, events: dict | None = None, timeout_s: float = 600) -> dict:
    """Poll until proc ends: {event: monotonic time its predicate first held}, and "end"; proc must
    succeed (else its output `out` is shown), and is killed if it outlives `timeout_s`."""
    seen, deadline = {}, time.monotonic() + timeout_s
    try:
        while proc.poll() is None:
            assert time.monotonic() < deadline, f"still running after {timeout_s} s"
            seen.update({k: time.monotonic() for k, ready in (events or {}).items() if k not in seen and ready()})
            time.sleep(0.02)
    finally:
        kill_session(proc)
    assert proc.returncode == 0, f"exit {proc.returncode}:\n{out.read_text()[-3000:]}"
    return {**seen, "end": time.monotonic()}


def session_members(sid: int) -> set[int]:
    """Live processes of session `sid` (from /proc/<pid>/stat: state ppid pgrp session ...)."""
    pids = set()
    for d in Path("/proc").iterdir():
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = (d / "stat").read_text()
            fields = stat[stat.rfind(")") + 2:].split()
            if int(fields[3]) == sid and fields[0] not in "ZX":
                pids.add(int(d.name))
    return pids


def kill_session(proc: subprocess.Popen) -> None:
    """SIGSTOP every process of proc's session until no new one appears, then SIGKILL them all at once."""
    frozen: set[int] = set()
    while new := session_members(proc.pid) - frozen:
        for pid in new:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        frozen |= new
    for pid in frozen:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while session_members(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not session_members(proc.pid), "processes outlived SIGKILL"


def kill_inside(proc: subprocess.Popen, began, delay_s: float, unfinished) -> bool:
    """SIGKILL proc's session `delay_s` after `began()` first holds: whether the kill found the stage running
    (proc alive, `unfinished()` true).  False means the stage beat the clock, on a machine less busy than
    when the delay was measured; the caller undoes it and tries a shorter delay."""
    try:
        while not began():
            assert proc.poll() is None, f"ended (exit {proc.returncode}) before the stage began"
            time.sleep(0.01)
        time.sleep(delay_s)
        return proc.poll() is None and unfinished()
    finally:
        kill_session(proc)


# ---------------------------------------------------------------- no partial file under a final name
def temporary(rel: Path) -> bool:
    """Names a kill may leave: atomic_write's .tmp<pid>.<name>, a corpus built as .<name>.partial, an old
    corpus being deleted as .<name>.old, steps/vad.py's write probe."""
    return any(p.startswith((".tmp", ".write_test")) or p.endswith((".partial", ".old")) for p in rel.parts)


def ignored(rel: Path) -> bool:
    """Logs are appended as a job runs, and a .lock holds who ran there last (pid, time): neither is an output."""
    return "log" in rel.parts[:-1] or rel.name == ".lock"


def lines_whole(p: Path) -> bool:
    """A text table's last line is whole (a line cut short can still parse); empty is whole."""
    text = p.read_text()
    return not text or text.endswith("\n")


def check_scp(p: Path, root: Path) -> None:
    import kaldiio
    for (value,) in io.read_table(p).values():
        if ".ark:" in value:   # feats, labels, probs: the offset must land on a whole matrix
            path, offset = value.rsplit(":", 1)
            kaldiio.load_mat(f"{path if os.path.isabs(path) else root / path}:{offset}")
        else:                  # wav.scp: a whole audio file
            io.audio_info(value if os.path.isabs(value) else root / value)


def check_whole(p: Path, root: Path) -> None:
    """Raise unless the file at p parses whole."""
    import h5py
    import kaldiio
    import torch
    from PIL import Image
    kind = p.suffix if p.suffix else p.name
    if kind == ".ark":
        for _, mat in kaldiio.load_ark(str(p)):
            np.asarray(mat)
    elif kind == ".scp":
        assert lines_whole(p)
        check_scp(p, root)
    elif kind == ".h5":
        with h5py.File(p, "r") as f:
            f.visititems(lambda _, obj: obj[()] if isinstance(obj, h5py.Dataset) else None)
    elif kind == ".pt":
        torch.load(p, map_location="cpu", weights_only=False)
    elif kind == ".json":
        json.loads(p.read_text())
    elif kind in (".rttm", "rttm"):   # a line cut short can still parse: text files end with a newline
        assert lines_whole(p) and io.read_rttm(p) is not None
    elif kind in (".yaml", ".done", ".stamp"):   # a stamp, or a feature part's bare .done marker (empty)
        assert isinstance(yaml.safe_load(p.read_text()), dict) or (kind == ".done" and not p.stat().st_size)
    elif kind == ".wav":
        io.audio_info(p)
    elif kind == ".png":
        Image.open(p).load()
    elif kind == ".npz":
        with np.load(p) as z:
            [z[k] for k in z.files]
    elif kind in ("reco2dur", "utt2spk", "spk2utt", "segments"):
        assert lines_whole(p) and io.read_table(p, None)
    else:
        raise AssertionError(f"{p}: no check for this kind of file; add one to check_whole")


def assert_nothing_partial(root: Path, dirs=("data", "exp")) -> int:
    """Every file under a final name below root/dirs parses whole; the number checked."""
    files = [p for d in dirs for p in sorted((root / d).rglob("*")) if p.is_file()]
    finals = [p for p in files if not temporary(p.relative_to(root)) and not ignored(p.relative_to(root))]
    bad = []
    for p in finals:
        try:
            check_whole(p, root)
        except Exception as e:  # noqa: BLE001  (any failure to parse is what we look for; all are listed)
            bad.append(f"{p.relative_to(root)}: {type(e).__name__}: {e}"[:300])
    assert not bad, "partial under a final name:\n" + "\n".join(bad)
    return len(finals)


# ---------------------------------------------------------------- outputs compared with an uninterrupted run
def _canonical(obj, h) -> None:
    import torch
    if isinstance(obj, torch.Tensor):
        h.update(f"{obj.dtype}{tuple(obj.shape)}".encode() + obj.cpu().contiguous().numpy().tobytes())
    elif isinstance(obj, dict):
        for k in sorted(obj, key=str):
            h.update(repr(k).encode())
            _canonical(obj[k], h)
    elif isinstance(obj, (list, tuple)):
        for x in obj:
            _canonical(x, h)
    else:
        h.update(repr(obj).encode())


def _no_seconds(history: list) -> list:
    return [{k: v for k, v in e.items() if k != "seconds"} for e in history]


def digest(p: Path) -> str:
    """sha1 of a file's bytes, less what legitimately differs between two runs: the wall time of each epoch
    (history.json and the epoch checkpoints' history: "seconds") and the modification time of the model a
    decode dir was made with (decode.yaml: model_mtime_ns, when final.pt was written)."""
    if p.name == "history.json":
        return hashlib.sha1(repr(_no_seconds(json.loads(p.read_text()))).encode()).hexdigest()
    if p.name == "decode.yaml":
        return hashlib.sha1(repr({k: v for k, v in yaml.safe_load(p.read_text()).items()
                                  if k != "model_mtime_ns"}).encode()).hexdigest()
    if p.parent.name == "checkpoints":
        import torch
        state = torch.load(p, map_location="cpu", weights_only=False)
        h = hashlib.sha1()
        _canonical({**state, "history": _no_seconds(state["history"])}, h)
        return h.hexdigest()
    return hashlib.sha1(p.read_bytes()).hexdigest()


def stage_of(rel: str) -> int:
    stage = next((s for pattern, s in STAGE_OF if fnmatch.fnmatch(rel, pattern)), None)
    assert stage is not None, f"{rel}: which stage writes it? add it to STAGE_OF"
    return stage


def stage_files(root: Path):
    """(path, path relative to root) of every file under root's data/ and exp/ but logs and .lock files."""
    for p in sorted(q for d in ("data", "exp") for q in (root / d).rglob("*") if q.is_file()):
        if not ignored(rel := p.relative_to(root)):
            yield p, rel


def outputs(root: Path, last_stage: int = 5) -> dict[str, str]:
    """{path: digest} of the outputs of stages 0..last_stage under root (data/, exp/), less logs, .lock files
    and temporary names (ignored(), temporary())."""
    return {str(rel): digest(p) for p, rel in stage_files(root)
            if not temporary(rel) and stage_of(str(rel)) <= last_stage}


def remove_outputs(root: Path, stage: int) -> None:
    """Undo a stage that finished: delete every file it writes (temporary names and stamps too), so the next
    try runs it again from the start."""
    for p, rel in list(stage_files(root)):
        if stage_of(str(rel)) == stage:
            p.unlink()


# ---------------------------------------------------------------- the recipe
def tiny_recipe(path: Path) -> Path:
    r = copy_recipe(path, ("lstm",), 16, TRAIN)
    (r / "conf/corpus_builtin.yaml").write_text(CORPUS)
    return r


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted run: its outputs, and how long each stage (and an epoch) took."""
    r = tiny_recipe(tmp_path_factory.mktemp("reference"))
    out = r.parent / "run.out"
    began = {s: (lambda s=s: f"Stage {s}:" in out.read_text()) for s in STAGES}
    seen = watch(start(["./run.sh", *ARGS], r, out), out, began)
    took = {s: seen.get(s + 1, seen["end"]) - seen[s] for s in STAGES}
    took["epoch"] = json.loads((r / "exp/lstm/history.json").read_text())[1]["seconds"]
    assert_nothing_partial(r)   # the checks pass on a whole run
    return {"outputs": outputs(r), "took": took}


@pytest.fixture(scope="module")
def killed(tmp_path_factory):
    """One recipe copy whose stages are killed and re-run in turn."""
    return tiny_recipe(tmp_path_factory.mktemp("killed"))


@pytest.mark.parametrize("stage", STAGES, ids=[f"{s}-{name}" for s, name in STAGES.items()])
def test_a_killed_stage_reruns_to_the_outputs_of_an_uninterrupted_run(reference, killed, stage, tmp_path):
    if stage > 0 and not (killed / DONE[stage - 1]).is_file():   # run alone: the earlier stages first
        watch(start(["./run.sh", "--stop-stage", str(stage - 1), *ARGS], killed, tmp_path / "before.out"),
              tmp_path / "before.out")
    this = ("--stage", str(stage), "--stop-stage", str(stage), *ARGS)
    out = tmp_path / "run.out"
    rng = random.Random(stage)
    for attempt in range(TRIES):   # each try that the stage outran is undone, then tried at half the delay
        proc = start(["./run.sh", *this], killed, out)
        if stage == 3:   # mid-epoch, after the first checkpoint
            began = (killed / "exp/lstm/checkpoints/epoch-1.pt").is_file
            delay_s = rng.uniform(*KILL_AT) * reference["took"]["epoch"] / 2 ** attempt
        else:
            began = lambda: f"Stage {stage}:" in out.read_text()
            delay_s = rng.uniform(*KILL_AT) * reference["took"][stage] / 2 ** attempt
        if kill_inside(proc, began, delay_s, lambda: stage not in DONE or not (killed / DONE[stage]).is_file()):
            break
        remove_outputs(killed, stage)
    else:
        pytest.fail(f"stage {stage} ended before the kill in {TRIES} tries, the last {delay_s:.2f} s in")
    assert_nothing_partial(killed)
    watch(start(["./run.sh", *this], killed, tmp_path / "rerun.out"), tmp_path / "rerun.out")
    if stage == 3:
        assert "resuming from exp/lstm/checkpoints/epoch-" in (killed / "exp/lstm/log/train.log").read_text()
    got = outputs(killed, stage)
    want = {k: v for k, v in reference["outputs"].items() if stage_of(k) <= stage}
    differ = sorted(k for k in got.keys() | want.keys() if got.get(k) != want.get(k))
    assert not differ, f"killed {delay_s:.2f} s into stage {stage}; differ from the uninterrupted run: {differ}"


# ---------------------------------------------------------------- steps/vad.py --nj 2
VAD_FILES, VAD_DUR_S = 12, 40


@pytest.fixture(scope="module")
def vad_job(tmp_path_factory):
    """Inputs, a model big enough that a file takes a while, and the uninterrupted run's output and timing."""
    root = tmp_path_factory.mktemp("vad")
    for i in range(VAD_FILES):
        io.write_wav(root / "in" / f"r{i:02d}.wav", toy_recording(np.random.default_rng(i), VAD_DUR_S)[0], 8000)
    job = {"root": root, "model": make_model_dir(root / "model", hidden=256, layers=2)}
    out = root / "whole/all.json"
    first = lambda: any(out.parent.glob(".all.json.parts/.r*.stamp"))
    seen = watch(start(vad_cmd(job, out), ROOT, root / "whole.out"), root / "whole.out", {"first": first})
    return {**job, "whole": out.read_bytes(), "took": seen["end"] - seen["first"]}


def vad_cmd(job, out: Path) -> list:
    return [sys.executable, str(ROOT / "steps/vad.py"), "--model", str(job["model"]), "--probs", "true",
            "--nj", "2", "-o", str(out), str(job["root"] / "in")]


def test_a_killed_vad_run_reruns_to_the_output_of_an_uninterrupted_run(vad_job, tmp_path):
    out = tmp_path / "all.json"
    parts = tmp_path / ".all.json.parts"
    proc = start(vad_cmd(vad_job, out), ROOT, tmp_path / "killed.out")
    delay_s = random.Random(6).uniform(*KILL_AT) * vad_job["took"]
    assert kill_inside(proc, lambda: any(parts.glob(".r*.stamp")), delay_s, lambda: not out.exists()), \
        f"the run ended before the kill, {delay_s:.2f} s in"
    n = assert_nothing_partial(tmp_path, dirs=(parts.name,))
    assert n >= 2, f"killed {delay_s:.2f} s in: no part finished"   # at least one output and its stamp
    watch(start(vad_cmd(vad_job, out), ROOT, tmp_path / "rerun.out"), tmp_path / "rerun.out")
    assert "inputs skipped" in (tmp_path / "rerun.out").read_text()   # the finished parts are kept
    assert out.read_bytes() == vad_job["whole"], f"killed {delay_s:.2f} s in: not the uninterrupted run's output"
