"""The README's and docs/*.md's examples: every recipe command names a script and options that exist and
models the recipe knows; the README's Python block runs as written with the shipped models (on a generated
talk.wav).  Plain ``` blocks are layouts and usage summaries (illustrative); ```bash and ```python blocks are
examples.  In docs/, lines not starting with a recipe script (pip, sed, sbatch, ...) are not checked."""
import functools
import re
import shlex
import subprocess
import sys

import numpy as np
import pytest
from builders import toy_recording

from vadkit import io
from vadkit.tool import pretrained

from conftest import ROOT

README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, re.S)
DOCS = {p.name: re.findall(r"```(\w*)\n(.*?)```", p.read_text(), re.S) for p in sorted((ROOT / "docs").glob("*.md"))}
SCRIPT = re.compile(r"^(\./run\.sh|tests/run\.sh|(?:steps|local|utils)/[\w/]+\.(?:py|sh))$")


def commands(blocks=BLOCKS) -> list[list[str]]:
    """Each example command of the bash blocks as words, comments dropped, joined lines joined."""
    out = []
    for lang, text in blocks:
        if lang != "bash":
            continue
        for line in text.replace("\\\n", " ").splitlines():
            lex = shlex.shlex(line, posix=True, punctuation_chars="|&;<>")
            lex.whitespace_split, lex.commenters = True, "#"
            words, redirect = [], False
            for tok in lex:
                if tok in ("|", "||", "&&", ";", "&"):
                    out += [words] if words else []
                    words, redirect = [], False
                elif tok in (">", ">>", "<", "2>", "&>"):
                    redirect = True
                elif not redirect:
                    words.append(tok)
            out += [words] if words else []
    return out


@functools.cache   # 38 example commands name 19 scripts: start each one once
def help_text(script: str) -> str:
    p = subprocess.run([str(ROOT / script), "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    return p.stdout + p.stderr


def test_readme_has_examples_of_each_kind():
    kinds = [lang for lang, _ in BLOCKS]
    assert kinds.count("bash") >= 2 and kinds.count("python") == 1


@pytest.mark.parametrize("words", commands(), ids=lambda w: " ".join(w)[:60])
def test_commands_name_real_scripts_options_and_models(words):
    if words[0] in ("pip", "vadkit-vad"):        # the installed tool takes steps/vad.py's options
        words = ["steps/vad.py", *words[3 if words[0] == "pip" else 1:]] if "vadkit-vad" in words else []
    if not words:
        return
    assert SCRIPT.match(words[0]) and (ROOT / words[0].removeprefix("./")).is_file(), words[0]
    known = help_text(words[0].removeprefix("./"))
    for opt in (w for w in words[1:] if w.startswith("--")):
        assert re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", known), f"{words[0]}: no option {opt}"
    for i, w in enumerate(words[1:-1], 1):      # models named by an option: a conf/<model>.yaml or a shipped one
        if w in ("--model", "--models"):
            for m in words[i + 1].split():
                name = re.sub(r"_(seed\d+|ens)$", "", m.removeprefix("exp/"))
                assert (ROOT / f"conf/{name}.yaml").is_file() or name in pretrained.available(), m


DOC_COMMANDS = [(name, w) for name, blocks in DOCS.items() for w in commands(blocks)
                if re.match(r"^(\./run\.sh|tests/run\.sh|steps/|local/|utils/)", w[0])]


@pytest.mark.parametrize("doc, words", DOC_COMMANDS, ids=lambda v: v if isinstance(v, str) else " ".join(v)[:50])
def test_docs_commands_name_real_scripts_options_and_models(doc, words):
    test_commands_name_real_scripts_options_and_models(words)


def test_docs_have_recipe_examples():
    assert len({doc for doc, _ in DOC_COMMANDS}) >= 4 and len(DOC_COMMANDS) >= 20


def test_models_in_prose_and_python_exist():
    for m in set(re.findall(r"exp/(\w+)", README)) - {"model", "plots", "log"}:
        name = re.sub(r"_(seed\d+|ens)$", "", m)
        assert (ROOT / f"conf/{name}.yaml").is_file() or name in pretrained.available(), m


@pytest.mark.slow
def test_the_python_block_runs_with_the_shipped_models(tmp_path):
    code = next(text for lang, text in BLOCKS if lang == "python")
    x, _ = toy_recording(np.random.default_rng(9), 12.0, 16000)
    io.write_wav(tmp_path / "talk.wav", 3 * x, 16000)
    setup = "import numpy as np, soundfile as sf\nsamples, rate = sf.read('talk.wav', dtype='int16')\n"
    p = subprocess.run([sys.executable, "-c", setup + code + "\nprint('RES', res.duration_s, type(sv).__name__)"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "RES 12.0 StreamingVad" in p.stdout and p.stdout.startswith("[")
