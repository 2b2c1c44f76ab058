"""A full disk while writing features, checkpoints, VAD outputs or the Vad's temporary spill (issue 17): one line
naming the file and the fix, nothing half-written under a final name, and the outputs finished before it
byte-identical.

The full disk is real, without root or a tmpfs: the temporary name an output is written under (io.tmp_path) is
made a symbolic link to /dev/full, where every write fails with ENOSPC, so each library (kaldiio, h5py, torch,
numpy, matplotlib) meets the error its own way, as on a full disk.  The cleanup deletes the link like any
temporary file, so a re-run right after it finds room again."""
from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from vadkit import io
from vadkit.config import ExperimentConfig, ModelConfig, TrainConfig
from vadkit.errors import DiskFull
from vadkit.features import cache
from vadkit.tool.vad import Vad
from vadkit.train import training

from builders import FEATS, make_model_dir, make_toy_data_dir, toy_recording
from conftest import ROOT, run_script

pytestmark = [pytest.mark.fault, pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")]
FULL = r"\(No space left on device\)"


def full_at(path: Path) -> Path:
    """Make this process's next write of `path` meet a full disk."""
    tmp = io.tmp_path(path)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    tmp.symlink_to("/dev/full")
    return tmp


def files(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`: {relative path: bytes}."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def no_tmp(folder: Path) -> list[str]:
    return [str(p) for p in folder.rglob(".tmp*")]


def one_error_line(err: str, script: str, pattern: str) -> None:
    lines = err.strip().splitlines()
    assert "Traceback" not in err and sum(" error: " in line for line in lines) == 1, err
    assert lines[-1].startswith(f"{script}: error: ") and re.search(pattern, lines[-1]), lines[-1]


# ---------------------------------------------------------------- the one place: atomic writes
@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_atomic_write_full_after_some_bytes_keeps_the_old_file(tmp_path, code):
    target = tmp_path / "out.bin"
    target.write_bytes(b"good")
    with pytest.raises(DiskFull, match=rf"^disk full while writing {target} \({os.strerror(code)}\); free space"):
        with io.atomic_write(target) as tmp, open(tmp, "wb") as f:
            f.write(b"x" * 5000)
            f.flush()
            assert tmp.stat().st_size == 5000     # a partial file under the temporary name ...
            raise OSError(code, os.strerror(code))
    assert target.read_bytes() == b"good" and [p.name for p in tmp_path.iterdir()] == ["out.bin"]  # ... gone


def test_other_write_errors_and_hdf5_texts(tmp_path):
    with pytest.raises(PermissionError):   # not a full disk: unchanged
        with io.atomic_write(tmp_path / "x"):
            raise PermissionError(errno.EACCES, "Permission denied")
    with pytest.raises(DiskFull, match=FULL):   # h5py: errno only in the HDF5 error stack's text
        with io.atomic_write(tmp_path / "x.h5"):
            raise OSError("Can't write data (file write failed: ..., errno = 28, error message = 'No space ...')")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- the feature cache (stage 2)
@pytest.mark.parametrize("fmt", cache.FORMATS)
def test_feature_cache_merge_on_a_full_disk(tmp_path, monkeypatch, capsys, fmt):
    done, todo = (make_toy_data_dir(tmp_path / n, 2, dur_s=3.0, seed=i) for i, n in enumerate(("train", "dev")))
    for d in (done, todo):
        cache.make_part(d, FEATS, fmt)
    cache.merge_parts(done, FEATS, fmt)
    before = files(tmp_path / "train")
    final = todo / ("feats.ark" if fmt == "ark" else "feats.h5")
    full_at(final)
    status, err = run_script(monkeypatch, capsys, "steps/make_feats.py", "--config", ROOT / "conf/features.yaml",
                           "--feat-format", fmt, "--merge", "true", todo)
    assert status == 1
    one_error_line(err, "make_feats.py", rf"disk full while writing {final} {FULL}; free space on its disk")
    assert files(tmp_path / "train") == before and not no_tmp(tmp_path)
    assert not any((todo / n).exists() for n in ("feats.ark", "feats.scp", "labels.ark", "feats.h5", "cmvn.json",
                                                 cache.MARKER))
    cache.merge_parts(todo, FEATS, fmt)          # the parts were kept: with room again, the merge finishes
    assert cache.is_up_to_date(todo, FEATS, fmt) and len(cache.load(todo)[0]) == 2


def test_feature_cache_full_at_its_last_table_leaves_no_table(tmp_path, monkeypatch):
    d = make_toy_data_dir(tmp_path / "dev", 2, dur_s=3.0)
    cache.make_part(d, FEATS, "ark")
    rename = os.replace

    def replace(src, dst):   # a rename needs a directory block too: the last table's fails
        if Path(dst).name == "labels.ark":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return rename(src, dst)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(DiskFull, match=rf"disk full while writing {d / 'labels.ark'} {FULL}"):
        cache.merge_parts(d, FEATS, "ark")
    left = [n for n in ("feats.ark", "feats.scp", "labels.ark", "labels.scp") if (d / n).exists()]
    assert left == [] and not no_tmp(tmp_path)   # feats.ark/scp, renamed already, went again


# ---------------------------------------------------------------- training: checkpoints and final.pt
def small_cfg(epochs: int) -> ExperimentConfig:
    return ExperimentConfig(ModelConfig(hidden_size=8), TrainConfig(epochs=epochs, steps_per_epoch=2, batch_size=4,
                                                                    segment_frames=100))


def test_checkpoint_on_a_full_disk_keeps_the_last_one_and_resumes(sets, tmp_path):
    exp = tmp_path / "exp"
    training.run(small_cfg(1), sets["train"], sets["dev"], exp)
    for name in ("final.pt", "config.yaml"):   # go on to 2 epochs
        (exp / name).unlink()
    before = files(exp / "checkpoints")
    full_at(exp / "checkpoints/epoch-2.pt")
    with pytest.raises(DiskFull) as e:
        training.run(small_cfg(2), sets["train"], sets["dev"], exp)
    assert str(e.value) == (f"disk full while writing {exp}/checkpoints/epoch-2.pt (No space left on device); "
                            "free space on its disk, then run again: training resumes from its last checkpoint")
    assert files(exp / "checkpoints") == before and not no_tmp(exp)
    training.run(small_cfg(2), sets["train"], sets["dev"], exp)
    assert (exp / "checkpoints/epoch-2.pt").is_file() and (exp / "final.pt").is_file()


def test_final_model_on_a_full_disk(sets, tmp_path):
    exp = tmp_path / "exp"
    full_at(exp / "final.pt")
    with pytest.raises(DiskFull, match=rf"^disk full while writing {exp}/final.pt {FULL}; free space"):
        training.run(small_cfg(1), sets["train"], sets["dev"], exp)
    before = files(exp / "checkpoints")
    assert not (exp / "final.pt").exists() and list(before) == ["epoch-1.pt"] and not no_tmp(exp)
    training.run(small_cfg(1), sets["train"], sets["dev"], exp)   # no epoch again: final.pt from the checkpoint
    assert files(exp / "checkpoints") == before and (exp / "final.pt").is_file()


# ---------------------------------------------------------------- steps/vad.py and the Vad class
@pytest.fixture(scope="module")
def vad_job(tmp_path_factory):
    root = tmp_path_factory.mktemp("vad")
    for i in range(3):
        io.write_wav(root / "in" / f"r{i}.wav", toy_recording(np.random.default_rng(i), 4.0)[0], 8000)
    return make_model_dir(root / "model"), root / "in"


def vad(monkeypatch, capsys, model, *args) -> tuple[int, str]:
    return run_script(monkeypatch, capsys, "steps/vad.py", "--model", model, "--threshold", 0, *args)


def test_vad_outputs_folder_on_a_full_disk(vad_job, tmp_path, monkeypatch, capsys):
    model, inputs = vad_job
    out = tmp_path / "out"
    assert vad(monkeypatch, capsys, model, "--format", "json", "-o", f"{out}/", inputs)[0] == 0
    before = files(out)
    full_at(out / "r1.json")
    status, err = vad(monkeypatch, capsys, model, "--format", "json", "--overwrite", "true", "-o", f"{out}/", inputs)
    assert status == 1
    one_error_line(err, "vad.py", rf"disk full while writing {out}/r1.json {FULL}; free space on its disk or choose "
                   r"another dir; 1 of 3 outputs finished are kept; a re-run skips them$")
    assert files(out) == before and not no_tmp(tmp_path)   # r0 rewritten alike, r1 and r2 not touched


def test_vad_combined_output_on_a_full_disk(vad_job, tmp_path, monkeypatch, capsys):
    model, inputs = vad_job
    out = tmp_path / "all.rttm"
    assert vad(monkeypatch, capsys, model, "--format", "rttm", "-o", out, inputs)[0] == 0
    before = out.read_bytes()
    full_at(out)
    status, err = vad(monkeypatch, capsys, model, "--format", "rttm", "--min-speech-ms", 500, "-o", out, inputs)
    assert status == 1
    one_error_line(err, "vad.py", rf"disk full while writing {out} {FULL}; .*; 3 of 3 outputs finished are kept in "
                   rf"{tmp_path}/.all.rttm.parts/; a re-run reuses them$")
    assert out.read_bytes() == before and not no_tmp(tmp_path)
    assert vad(monkeypatch, capsys, model, "--format", "rttm", "--min-speech-ms", 500, "-o", out, inputs)[0] == 0
    assert sorted(io.read_rttm(out)) == ["r0", "r1", "r2"]


@pytest.fixture
def full_tmpdir(monkeypatch):
    """The Vad's temporary spill goes to a full disk; yields the files it opened (to check they are closed)."""
    opened = []

    def temporary_file():
        opened.append(open("/dev/full", "w+b"))
        return opened[-1]
    monkeypatch.setattr(tempfile, "TemporaryFile", temporary_file)
    return opened


def test_vad_spill_on_a_full_disk(vad_job, full_tmpdir, tmp_path, monkeypatch, capsys):
    model, inputs = vad_job
    with pytest.raises(DiskFull) as e:
        Vad(model).run_file(inputs / "r0.wav")
    assert str(e.value) == (f"disk full while writing the temporary features of {inputs / 'r0.wav'} in "
                            f"{tempfile.gettempdir()} (No space left on device); free space there or set TMPDIR to "
                            "a folder with room")
    assert full_tmpdir and all(f.closed for f in full_tmpdir)
    status, err = vad(monkeypatch, capsys, model, "--format", "json", "-o", f"{tmp_path}/out/", inputs)
    assert status == 1 and len(full_tmpdir) == 2   # stopped at the first input, not once per input
    one_error_line(err, "vad.py", r"temporary features of .*r0.wav in .*set TMPDIR to a folder with room; 0 of 3 "
                   "outputs finished are kept")
    assert files(tmp_path / "out") == {}


def test_vad_stdout_on_a_full_disk(vad_job):
    model, inputs = vad_job
    with open("/dev/full", "w") as full:
        p = subprocess.run([sys.executable, str(ROOT / "steps/vad.py"), "--model", str(model), "--format", "rttm",
                            str(inputs)], stdout=full, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert p.returncode == 1
    one_error_line(p.stderr, "vad.py", rf"disk full while writing stdout {FULL}; free space where it goes, or write "
                   r"elsewhere with -o; 3 of 3 finished, none printed")
