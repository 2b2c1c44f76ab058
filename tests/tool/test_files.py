"""The VAD tool's files (vadkit.tool.files): its label outputs against the recipe's, which inputs it finds,
what a re-run skips, combined outputs from parts; --device."""
import io as io_module
import json
import logging
import sys

import numpy as np
import pytest
import soundfile as sf
import torch

from vadkit import io
from vadkit.config import DecodeConfig
from vadkit.data import datadir
from vadkit.errors import InputError
from vadkit.tool import command, files
from vadkit.tool.vad import VadResult

from builders import make_model_dir, toy_recording

# half-millisecond times (the frame grid's x.xx75 s), a region at 0, two regions in the same centiseconds
REGIONS = {"rec-b": [(0.0075, 1.2345), (2.5175, 3.9925)],
           "rec_a": [(0.0, 0.5), (2.0, 2.002), (2.003, 2.004), (4.1, 4.9875)]}


def result(segments) -> VadResult:
    return VadResult("x.wav", 8000, 5.0, 0.01, segments, np.zeros(0, np.float32))


@pytest.mark.parametrize("fmt", ["rttm", "segments"])
def test_tool_labels_equal_the_recipe_files_byte_for_byte(tmp_path, fmt):
    wavs = {}
    for rec_id in REGIONS:
        wavs[rec_id] = str(tmp_path / f"{rec_id}.wav")
        io.write_wav(wavs[rec_id], np.zeros(5 * 8000, np.float32), 8000)
    datadir.write_data_dir(tmp_path / "data", wavs, REGIONS)     # the recipe: data dirs (hyp.rttm: io.write_rttm)
    recipe = (tmp_path / "data" / fmt).read_bytes()
    one = files.Outputs(str(tmp_path / f"all.{fmt}"), fmt, len(REGIONS))  # steps/vad.py -o all.<fmt>: one file
    per = files.Outputs(f"{tmp_path}/per/", fmt, len(REGIONS))           # -o per/: one file per recording
    for rec_id, segs in REGIONS.items():
        one.add(rec_id, result(segs))
        per.add(rec_id, result(segs))
    one.close()
    per.close()
    assert (tmp_path / f"all.{fmt}").read_bytes() == recipe
    assert b"".join((tmp_path / "per" / f"{k}.{fmt}").read_bytes() for k in sorted(REGIONS)) == recipe


def test_inputs_take_their_rec_ids_from_the_one_rule(tmp_path):
    for name in ("talk 1.wav", "sub/dir/b.flac", "sub/b.flac", "talk_1-2.wav", "你好.wav"):
        (tmp_path / "in" / name).parent.mkdir(parents=True, exist_ok=True)
        sf.write(tmp_path / "in" / name, np.zeros(800, np.float32), 8000)
    (tmp_path / "in" / "notes.txt").write_text("not audio")
    got = files.list_inputs([str(tmp_path / "in"), str(tmp_path / "in" / "talk 1.wav")])
    assert got == [("sub-b", str(tmp_path / "in/sub/b.flac")), ("sub-dir-b", str(tmp_path / "in/sub/dir/b.flac")),
                   ("talk_1", str(tmp_path / "in/talk 1.wav")), ("talk_1-2", str(tmp_path / "in/talk_1-2.wav")),
                   ("你好", str(tmp_path / "in/你好.wav")), ("talk_1-3", str(tmp_path / "in/talk 1.wav"))]
    assert [k for k, _ in got[:5]] == [io.rec_id_of(p, under=tmp_path / "in") for _, p in got[:5]]


def test_outputs_of_names_in_any_script_are_readable_and_distinct(model, tmp_path):
    names = {"Привет мир.wav": "Привет_мир", "你好.wav": "你好", "talk 1.wav": "talk_1", "talk?1.wav": "talk_1-2"}
    for i, name in enumerate(names):
        io.write_wav(tmp_path / "in" / name, toy_recording(np.random.default_rng(i), 2.0 + i)[0], 8000)
    for fmt in ("json", "rttm"):
        assert files.run(model, [str(tmp_path / "in")], f"{tmp_path}/{fmt}/", fmt, DecodeConfig(threshold=0.5),
                         progress=False) == 0
        assert sorted(p.name for p in (tmp_path / fmt).iterdir() if not p.name.startswith(".")) == sorted(
            f"{k}.{fmt}" for k in names.values())
    for name, k in names.items():   # each output is its own input's: the file it names, its duration
        out = json.loads((tmp_path / "json" / f"{k}.json").read_text(encoding="utf-8"))
        assert out["file"] == str(tmp_path / "in" / name)
        assert out["duration"] == pytest.approx(sf.info(out["file"]).duration)
        rttm = (tmp_path / "rttm" / f"{k}.rttm").read_text(encoding="utf-8")
        assert {line.split()[1] for line in rttm.splitlines()} <= {k}


def test_text_to_a_stdout_without_the_ids_script_is_utf8(monkeypatch):
    buf = io_module.BytesIO()
    monkeypatch.setattr(sys, "stdout", io_module.TextIOWrapper(buf, encoding="ascii"))
    files.write_stdout("SPEAKER 你好 1 0.500 1.000 <NA> <NA> speech <NA> <NA>\n")
    files.write_stdout("SPEAKER a 1 0.500 1.000 <NA> <NA> speech <NA> <NA>\n")
    assert buf.getvalue().decode("utf-8") == ("SPEAKER 你好 1 0.500 1.000 <NA> <NA> speech <NA> <NA>\n"
                                              "SPEAKER a 1 0.500 1.000 <NA> <NA> speech <NA> <NA>\n")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return str(make_model_dir(tmp_path_factory.mktemp("m") / "uni"))


def write_inputs(folder, n=3):
    for i in range(n):
        io.write_wav(folder / f"r{i}.wav", toy_recording(np.random.default_rng(i), 4.0)[0], 8000)
    return folder


def skipped(caplog) -> int:
    """How many inputs the last run skipped (its log line), 0 when it says nothing."""
    found = [r.getMessage() for r in caplog.records if "inputs skipped" in r.getMessage()]
    caplog.clear()
    return int(found[-1].split(" of ")[0]) if found else 0


def test_a_rerun_skips_current_outputs_and_redoes_changed_ones(model, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="vadkit.tool.files")
    inputs, out = write_inputs(tmp_path / "in"), tmp_path / "out"

    def run(decode=None, **kw):
        decode = decode or DecodeConfig(threshold=0.5)
        assert files.run(model, [str(inputs)], f"{out}/", "json", decode, progress=False, **kw) == 0
        return skipped(caplog), {p.name: p.stat().st_mtime_ns for p in out.glob("r*.json")}

    n, first = run()
    assert n == 0 and sorted(first) == ["r0.json", "r1.json", "r2.json"]
    n, again = run()
    assert n == 3 and again == first                                     # nothing written again
    io.write_wav(inputs / "r1.wav", toy_recording(np.random.default_rng(7), 4.0)[0], 8000)   # a new r1.wav
    n, now = run()
    assert n == 2 and now["r1.json"] != first["r1.json"] and now["r0.json"] == first["r0.json"]
    for changed in ({"decode": DecodeConfig(threshold=0.6)}, {"chunk_s": 2.0}, {"overwrite": True}):
        assert run(**changed)[0] == 0                                  # other settings, or --overwrite true
    (out / ".r2.json.stamp").unlink()                                   # written, not stamped: redone
    assert run()[0] == 2


def test_a_combined_output_is_assembled_from_its_parts(model, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="vadkit.tool.files")
    inputs, decode = write_inputs(tmp_path / "in"), DecodeConfig(threshold=0.5)
    for fmt in ("json", "rttm"):
        out, parts = tmp_path / f"all.{fmt}", tmp_path / f".all.{fmt}.parts"
        assert files.run(model, [str(inputs)], f"{tmp_path}/per/", fmt, decode, progress=False) == 0
        assert files.run(model, [str(inputs)], str(out), fmt, decode, progress=False) == 0
        assert skipped(caplog) == 0 and sorted(p.name for p in parts.glob("r*")) == [f"r{i}.{fmt}" for i in range(3)]
        whole = out.read_bytes()
        out.unlink()                                                    # as after an interrupt: parts, no OUT
        (parts / f".r1.{fmt}.stamp").unlink()
        assert files.run(model, [str(inputs)], str(out), fmt, decode, progress=False) == 0
        assert skipped(caplog) == 2 and out.read_bytes() == whole
        per = [(tmp_path / "per" / f"r{i}.{fmt}").read_text() for i in range(3)]
        if fmt == "json":
            assert json.loads(whole) == [json.loads(t) for t in per]
        else:
            assert whole.decode() == "".join(per)


@pytest.mark.badinput
@pytest.mark.skipif(torch.cuda.is_available(), reason="the error is for machines without CUDA")
def test_device_cuda_without_cuda_is_one_line_naming_the_option():
    assert command.check_device("auto") is None and command.check_device("cpu") == "cpu"
    for device in ("cuda", "cuda:1"):
        with pytest.raises(InputError, match=rf"^--device {device}: no CUDA device here .*; use --device cpu or auto$"):
            command.check_device(device)
    with pytest.raises(InputError, match="^--device gpu: not a device; use auto, cpu, cuda or cuda:N$"):
        command.check_device("gpu")
