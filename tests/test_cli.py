"""vadkit.cli: the Parser's command-line conventions and one release of deprecated spellings; run()'s exits."""
import logging
import signal
import sys

import pytest

from vadkit import cli
from vadkit.errors import Interrupted


def make_parser():
    p = cli.parser("test script.  e.g.: x.py --probs true in.wav out.png")
    p.add_argument("--start-s", type=float, default=0.0)
    p.rename("--start", "--start-s")
    p.add_bool("--probs")
    p.add_list("--sets", default=["train", "dev"])
    p.to_positional("-o", "last")
    p.to_positional("--model", "first")
    p.add_argument("model")
    p.add_argument("inputs", nargs="*")
    p.add_argument("out")
    return p


def test_current_spellings_parse_without_warnings(caplog):
    a = make_parser().parse_args(["--start-s", "2", "--probs", "false", "--sets", "dev test", "m", "a", "b", "o"])
    assert (a.start_s, a.probs, a.sets, a.model, a.inputs, a.out) == (2.0, False, ["dev", "test"], "m", ["a", "b"], "o")
    assert make_parser().parse_args(["m", "o"]).sets == ["train", "dev"] and not caplog.records


@pytest.mark.parametrize("old, new", [
    (["--start", "2", "m", "o"], ["--start-s", "2", "m", "o"]),
    (["--start=2", "m", "o"], ["--start-s=2", "m", "o"]),
    (["--probs", "m", "o"], ["--probs", "true", "m", "o"]),
    (["m", "o", "--probs"], ["m", "o", "--probs", "true"]),
    (["--sets", "dev,test", "m", "o"], ["--sets", "dev test", "m", "o"]),
    (["--sets=dev,test", "m", "o"], ["--sets", "dev test", "m", "o"]),
    (["-o", "o", "m", "a"], ["m", "a", "o"]),
    (["--model", "m", "a", "o"], ["m", "a", "o"]),
])
def test_deprecated_spellings_are_rewritten_with_one_warning(caplog, old, new):
    p = make_parser()
    with caplog.at_level(logging.WARNING, logger="vadkit.cli"):
        assert p._upgrade(old) == new
    assert len(caplog.records) == 1 and "deprecated" in caplog.records[0].getMessage()
    assert "\n" not in caplog.records[0].getMessage()
    assert p.parse_args(old) == p.parse_args(new)


def test_values_after_double_dash_are_left_alone():
    assert make_parser()._upgrade(["--", "--probs", "-o"]) == ["--", "--probs", "-o"]


@pytest.mark.badinput
def test_bool_takes_only_true_or_false(capsys):
    # (--probs yes is the old bare flag followed by the positional "yes")
    with pytest.raises(SystemExit) as e:
        make_parser().parse_args(["--probs=yes", "m", "o"])
    assert e.value.code == 2 and "--probs: expected true or false, got 'yes'" in capsys.readouterr().err


def test_help_lists_the_deprecated_spellings():
    text = make_parser().format_help()
    assert "e.g.: x.py" in text
    assert "--start (now --start-s)" in text and "bare --probs (now --probs true)" in text
    assert "-o X (now X as the last argument)" in text and '--sets A,B (now --sets "A B")' in text


@pytest.mark.fault
@pytest.mark.parametrize("exc,line,status", [(KeyboardInterrupt(), "prog.py: interrupted", 130),
                                             (Interrupted("3 of 5 outputs finished are kept", signal.SIGTERM),
                                              "prog.py: interrupted; 3 of 5 outputs finished are kept", 143)])
def test_an_interrupt_is_one_line_and_128_plus_the_signal(monkeypatch, capsys, exc, line, status):
    def main(argv):
        raise exc
    monkeypatch.setattr(sys, "argv", ["prog.py"])
    old = signal.getsignal(signal.SIGINT)
    try:
        with pytest.raises(SystemExit) as e:
            cli.run(main)
    finally:
        signal.signal(signal.SIGINT, old)
    assert e.value.code == status and capsys.readouterr().err == line + "\n"


NJ_SCRIPTS = ["steps/make_feats.py", "steps/decode.py", "local/make_builtin_corpus.py", "local/make_mix.py"]


# three kinds of bad --nj, each counted once as bad input (on the first script), checked in every script
@pytest.mark.parametrize("script,nj", [pytest.param(s, nj, marks=[pytest.mark.badinput] if s == NJ_SCRIPTS[0] else [])
                                       for s in NJ_SCRIPTS for nj in ("0", "-1", "1.5")])
def test_nj_must_be_a_positive_integer(script, nj, tmp_path, monkeypatch, capsys):
    import importlib.util
    import subprocess

    from conftest import ROOT
    args = ["--nj", nj, "--config", "c.yaml", "a", "b", "c"]
    if nj == "0":   # through a new interpreter, as the recipe calls the script
        p = subprocess.run([sys.executable, str(ROOT / script), *args], capture_output=True, text=True, check=False,
                           cwd=tmp_path)
        code, err = p.returncode, p.stderr
    else:           # the other values through the same main() in this process: no interpreter start-up
        spec = importlib.util.spec_from_file_location(script.replace("/", "_")[:-3], ROOT / script)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        monkeypatch.chdir(tmp_path)
        with pytest.raises(SystemExit) as e:
            mod.main(args)
        code, err = e.value.code, capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert err.strip().splitlines()[-1].endswith(f"error: argument --nj: must be a positive integer, not '{nj}'")


@pytest.mark.badinput
def test_config_options_take_each_field_in_its_type():
    from vadkit.config import DecodeConfig
    p = cli.parser("doc")
    cli.add_config_options(p, DecodeConfig, "post-processing")
    a = p.parse_args(["--bridge-sides", "past", "--bridge-half-life-ms", "350", "--max-speech-s", "null"])
    cfg = cli.apply_config_options(DecodeConfig(), a)
    assert (cfg.bridge_sides, cfg.bridge_half_life_ms, cfg.max_speech_s) == ("past", 350.0, None)
    with pytest.raises(cli.InputError, match=r"bridge_sides must be one of auto, both, past.*--bridge-sides"):
        cli.apply_config_options(DecodeConfig(), p.parse_args(["--bridge-sides", "future"]))


@pytest.mark.badinput
def test_a_reader_that_leaves_early_ends_the_script_quietly():
    import subprocess
    from conftest import ROOT, child_env
    code = "from vadkit import cli\ncli.run(lambda _: [print(i) for i in range(10**6)])"
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                         env=child_env())
    assert p.stdout.readline() == b"0\n"
    p.stdout.close()                        # as `| head -1` does
    assert p.wait(timeout=60) == 128 + signal.SIGPIPE and b"Traceback" not in p.stderr.read()
