"""Scripts run straight from a fresh shell (no path.sh, no activated venv, any folder), as Kaldi users
type `local/score.py exp/*`: their first line starts the checkout's .venv python, which finds vadkit
through the .pth that utils/setup_venv.sh writes."""
import os
import subprocess

import pytest

from conftest import ROOT

SCRIPTS = sorted(p for d in ("steps", "local", "local/ablation") for p in (ROOT / d).glob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_script_starts_the_checkouts_venv(script):
    up = "../" * (len(script.relative_to(ROOT).parts) - 1)
    assert script.read_text().splitlines()[0] == (
        f"#!/usr/bin/env -S sh -c 'p=\"${{0%/*}}/{up}.venv/bin/python\"; [ -x \"$p\" ] || p=python3; "
        "exec \"$p\" \"$0\" \"$@\"'")
    assert os.access(script, os.X_OK)


@pytest.mark.skipif((ROOT / ".venv").is_symlink(), reason="this checkout uses another checkout's .venv")
@pytest.mark.parametrize("script", ["steps/vad.py", "local/score.py", "steps/validate_data_dir.py"])
def test_a_script_runs_from_a_fresh_shell(script, tmp_path):
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path), "LC_ALL": "C"}   # nothing of ours
    p = subprocess.run([str(ROOT / script), "--help"], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    assert "e.g." in p.stdout
