"""Every script answers --help (exit 0) with what it does, its arguments, a working e.g. line and what it
writes; the options its e.g. lines use are options it takes (an example never shows an old spelling)."""
import importlib.util
import re
import subprocess

import pytest

from conftest import ROOT

PY_SCRIPTS = sorted(p.relative_to(ROOT).as_posix() for d in ("steps", "local", "local/ablation")
                    for p in (ROOT / d).glob("*.py"))
SH_SCRIPTS = sorted(p.relative_to(ROOT).as_posix() for d in ("steps", "local", "local/ablation", "utils")
                    for p in (ROOT / d).glob("*.sh") if p.name not in ("launcher_lib.sh", "parse_options.sh"))


def examples(text: str) -> list[str]:
    """The e.g. lines of a help text, with the indented lines continuing them."""
    out, inside = [], False
    for line in text.splitlines():
        if line.startswith("e.g."):
            out.append(line)
            inside = True
        elif inside and line.startswith(" ") and line.strip():
            out.append(line)
        else:
            inside = False
    return out


def check_help(text: str) -> None:
    lines = examples(text)
    assert lines, "no e.g. line"
    used = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", " ".join(lines)))
    help_body = text.replace("\n".join(lines), "")
    unknown = [o for o in sorted(used) if not re.search(rf"(?<![\w-]){o}(?![\w-])", help_body)]
    assert not unknown, f"e.g. uses options the help does not list: {unknown}"


@pytest.mark.parametrize("script", PY_SCRIPTS)
def test_python_script_help(script, capsys):
    spec = importlib.util.spec_from_file_location("script_" + re.sub(r"\W", "_", script), ROOT / script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    with pytest.raises(SystemExit) as e:
        mod.main(["--help"])
    assert e.value.code == 0
    check_help(capsys.readouterr().out)


@pytest.mark.parametrize("script", SH_SCRIPTS)
def test_shell_script_help(script):
    p = subprocess.run([script, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    check_help(p.stdout + p.stderr)  # utils/setup_venv.sh and tune_set.sh answer on stderr


def test_run_sh_help():
    p = subprocess.run(["./run.sh", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0
    check_help(p.stdout)


@pytest.mark.badinput
@pytest.mark.parametrize("args,message", [
    (["--stage", "99"], "--stage 99 --stop-stage 100: stages are 0-5"),
    (["--stage", "-1"], "--stage -1 --stop-stage 100: stages are 0-5"),
    (["--stage", "3", "--stop-stage", "2"], "the last may not come before the first"),
])
def test_run_sh_refuses_stages_it_does_not_have(args, message):
    """Issue 17: `./run.sh --stage 99` printed "done" and exited 0, having run nothing."""
    p = subprocess.run(["./run.sh", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and message in p.stderr and "done in" not in p.stdout
