"""Shared fixtures: tiny data dirs and audio generated on the fly (tests/builders.py), and copies of
the recipe for end-to-end runs.  No downloads, no shared corpora."""
from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from vadkit import cli, io
from vadkit.features import cache

from builders import FEATS, make_toy_data_dir, toy_recording
from reliability import pytest_terminal_summary  # noqa: F401  (the hook)

ROOT = Path(__file__).resolve().parents[1]


def child_env() -> dict[str, str]:
    """The environment for a recipe script a test starts as a process: this one's, with the recipe on
    PYTHONPATH and one thread.  Not a stripped one: a machine's OPENBLAS_CORETYPE (numpy's BLAS kernels)
    must reach the child, or outputs compared with this process's can differ in the last bit."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}


RECIPE_FILES = ("run.sh", "path.sh", "cmd.sh", "requirements.txt", "requirements-test.txt",
                "conf", "local", "steps", "utils", "vadkit")


def copy_recipe(dest: Path, models: tuple[str, ...] = (), hidden_size: int = 16, train: str = "") -> Path:
    """A copy of the recipe in `dest` sharing the project's .venv; each of `models` shrunk to
    `hidden_size` units with `train` (YAML lines under `train:`) as its training section."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in RECIPE_FILES:
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy2)(ROOT / name, dest / name)
    os.symlink(ROOT / ".venv", dest / ".venv")
    for m in models:
        text = (dest / f"conf/{m}.yaml").read_text().replace("hidden_size: 256", f"hidden_size: {hidden_size}")
        (dest / f"conf/{m}.yaml").write_text(text.split("train:")[0] + "train:\n" + train)
    return dest


def run_script(monkeypatch, capsys, script: str, *args, stream: str = "err") -> tuple[int, str]:
    """A Python step script (`script` relative to the recipe) through cli.run in this process, as its command
    line runs it, without an interpreter start-up: (exit status, what it wrote to `stream`: err or out)."""
    spec = importlib.util.spec_from_file_location(f"script_{Path(script).stem}", ROOT / script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setattr(sys, "argv", [str(ROOT / script), *map(str, args)])
    capsys.readouterr()
    try:
        cli.run(mod.main)
        status = 0
    except SystemExit as e:
        status = e.code
    return status, getattr(capsys.readouterr(), stream)


def pytest_collection_modifyitems(items):
    """Modules with more slow end-to-end tests run first, each module's tests kept together and in order: with
    tests/run.sh's `-n 2 --dist loadfile` the longest files start at once instead of last on one worker."""
    slow = {}
    for item in items:
        slow[item.path] = slow.get(item.path, 0) + (item.get_closest_marker("slow") is not None)
    items.sort(key=lambda item: -slow[item.path])   # stable: the collected order within equal counts


@pytest.fixture
def toy_dir(tmp_path) -> Path:
    return make_toy_data_dir(tmp_path / "toy", 3)


@pytest.fixture(scope="module")
def wav(tmp_path_factory):
    x, _ = toy_recording(np.random.default_rng(3), 25.0)
    p = tmp_path_factory.mktemp("audio") / "rec.wav"
    io.write_wav(p, x, 8000)
    return p


@pytest.fixture(scope="module")
def sets(tmp_path_factory):
    root = tmp_path_factory.mktemp("sets")
    out = {}
    for name, n, seed in (("train", 6, 1), ("dev", 2, 2)):
        d = make_toy_data_dir(root / name, n, dur_s=8.0, seed=seed)
        cache.make_part(d, FEATS, "ark")
        cache.merge_parts(d, FEATS, "ark")
        out[name] = d
    return out

