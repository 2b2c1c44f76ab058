"""The VAD tool: Python API (vadkit.Vad) and steps/vad.py on generated audio with small untrained models."""
import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from vadkit import io
from vadkit.config import DecodeConfig
from vadkit.errors import InputError
from vadkit.features.extract import features_of_file
from vadkit.io import labels
from vadkit.models.checkpoint import TrainedModel

from builders import make_model_dir
from conftest import ROOT, child_env


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("models")
    return {"uni": make_model_dir(d / "uni"), "bi": make_model_dir(d / "bi", bidirectional=True),
            "deltas": make_model_dir(d / "deltas", input_dims=60), "delayed": make_model_dir(d / "delayed", label_delay=5),
            "voiced": make_model_dir(d / "voiced", input_dims=63, voicing=True),
            "voiced_unread": make_model_dir(d / "voiced_unread", input_dims=60, voicing=True),
            "pcen": make_model_dir(d / "pcen", input_dims=120, kind="pcen")}




@pytest.mark.parametrize("kind", ["uni", "bi", "deltas", "delayed", "voiced", "voiced_unread", "pcen"])
def test_file_in_blocks_equals_the_recipe_decode(models, wav, kind):
    from vadkit import Vad
    tm = TrainedModel(models[kind])
    ref = tm.probs([features_of_file(str(wav), tm.feature_config)])[0]
    vad = Vad(tm, DecodeConfig(), chunk_s=None, block_s=3.3)  # blocks of 3.3 s: many block borders
    assert vad.fc.voicing == (kind == "voiced")   # not computed for a model that does not read it
    res = vad.run_file(wav)
    assert res.probs.shape == ref.shape
    assert np.abs(res.probs - ref).max() < 1e-5
    x, sr = sf.read(wav, dtype="float32")
    assert np.abs(vad.probs(x, sr) - ref).max() < 1e-5
    # chunks of 4 s batched with 1 s of context: within the tolerance the README states
    chunked = Vad(tm, DecodeConfig(), chunk_s=4.0, context_s=1.0, batch_size=3).run_file(wav)
    assert np.abs(chunked.probs - ref).max() < 1e-3


@pytest.mark.badinput
def test_other_rates_and_stereo_are_resampled_and_mixed(models, wav, tmp_path):
    from vadkit import Vad
    x, _ = sf.read(wav, dtype="float32")
    x16 = io.resample(x, 8000, 16000)
    stereo = np.stack([x16, 0.5 * x16], axis=1)
    sf.write(tmp_path / "st.flac", stereo, 16000)
    vad = Vad(models["uni"], DecodeConfig(), chunk_s=None, block_s=2.0)
    whole = vad.probs(io.resample(0.75 * x16, 16000, 8000), 8000)
    got = vad.run_file(tmp_path / "st.flac")
    assert got.sample_rate_hz == 16000 and abs(got.duration_s - len(x16) / 16000) < 1e-9
    assert np.abs(got.probs - whole).max() < 1e-4
    left = vad.run_file(tmp_path / "st.flac", channel=0)
    assert np.abs(left.probs - vad.probs(io.resample(x16, 16000, 8000), 8000)).max() < 1e-4
    with pytest.raises(InputError, match="st.flac: has 2 channel"):
        vad.run_file(tmp_path / "st.flac", channel=2)


def test_segments_follow_post_processing_and_json_shape(models, wav):
    from vadkit import Vad
    vad = Vad(models["uni"], DecodeConfig(threshold=0.0), chunk_s=None)  # everything is speech
    res = vad.run_file(wav)
    n = len(res.probs)
    assert res.segments == [(0.0075, round(n * 0.01 + 0.0075, 4))]  # frames 0..n-1 on the README's grid
    j = res.to_json(with_probs=True)
    assert list(j) == ["file", "sample_rate", "duration", "frame_shift", "segments", "probs"]
    assert j["frame_shift"] == 0.01 and j["segments"] == [{"start": 0.007, "end": round(n * 0.01 + 0.0075, 3)}]
    assert len(j["probs"]) == len(res.probs) == 1 + (round(res.duration_s * 8000) - 200) // 80


def test_digital_silence_gives_no_speech(models, tmp_path):
    from vadkit import Vad
    io.write_wav(tmp_path / "z.wav", np.zeros(8000, np.float32), 8000)
    res = Vad(models["uni"], DecodeConfig(threshold=0.0)).run_file(tmp_path / "z.wav")
    assert res.segments == [] and "all samples are zero" in res.warnings[0]


def run_cli(*args):
    return subprocess.run([sys.executable, str(ROOT / "steps/vad.py"), *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, env=child_env())


def test_cli_bad_files_are_reported_and_counted(models, wav, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    x, _ = sf.read(wav, dtype="float32")
    sf.write(d / "good.wav", x, 8000)
    sf.write(d / "sub_dir_good.flac", x[:40000], 8000)
    sf.write(d / "empty.wav", np.zeros(0, np.float32), 8000)
    sf.write(d / "short.wav", np.full(100, 0.1, np.float32), 8000)
    y = x.copy()
    y[500] = np.nan
    sf.write(d / "nan.wav", y, 8000, subtype="FLOAT")
    (d / "junk.wav").write_bytes(b"not audio at all" * 20)
    out = tmp_path / "out"
    r = run_cli("--model", models["uni"], "--format", "json", "--probs", "true", "-o", f"{out}/", "--median-frames", 3,
                "--nj", 2, d)  # two worker processes
    assert r.returncode == 4, r.stderr
    errors = [line for line in r.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 4
    for name in ("empty.wav", "short.wav", "nan.wav", "junk.wav"):
        assert sum(name in line for line in errors) == 1
    assert sorted(p.name for p in out.iterdir()) == [".good.json.stamp", ".sub_dir_good.json.stamp",
                                                     "good.json", "sub_dir_good.json"]   # no stamp: redone
    j = json.loads((out / "good.json").read_text())
    assert j["file"].endswith("good.wav") and j["sample_rate"] == 8000 and len(j["probs"]) > 2000


def vad_main(*args):
    """steps/vad.py's main() in this process (no interpreter start-up): returns the failure count."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("vad_step", ROOT / "steps/vad.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.main([str(a) for a in args])


def test_cli_combined_outputs_wav_scp_and_formats(models, wav, tmp_path, capsys):
    scp = tmp_path / "wav.scp"
    scp.write_text(f"recA {wav}\nrecB {wav}\n")
    assert vad_main("--model", models["uni"], "--format", "rttm", "--threshold", 0, "-o", tmp_path / "all.rttm",
                    scp) == 0
    assert sorted(io.read_rttm(tmp_path / "all.rttm")) == ["recA", "recB"]
    assert vad_main("--model", models["uni"], "--format", "segments", "--threshold", 0, wav) == 0
    assert capsys.readouterr().out.startswith("rec-0000001-0002499 rec 0.007 24.988\n")  # as data dirs write it
    assert vad_main("--model", models["uni"], "--format", "json", "--threshold", 0, "--max-speech-s", "null",
                    "-o", tmp_path / "all.json", scp) == 0
    assert [j["file"] for j in json.loads((tmp_path / "all.json").read_text())] == [str(wav)] * 2
    for fmt in ("voz", "audacity", "png"):
        assert vad_main("--model", models["uni"], "--format", fmt, "--threshold", 0, "-o", f"{tmp_path}/o/", wav) == 0
    voz = labels.read_voz(tmp_path / "o/rec.voz")
    assert len(voz) == 25 * 8000 and voz[:50].sum() == 0 and voz[100:-200].all()
    assert (tmp_path / "o/rec.txt").read_text() == "0.0075\t24.9875\tspeech\n"
    assert (tmp_path / "o/rec.png").stat().st_size > 1000


@pytest.mark.badinput
def test_cli_takes_the_settings_tuned_on_dev(models, wav, tmp_path):
    tuned = tmp_path / "metrics.json"
    io.write_json(tuned, {"f1": 0.5, "tuned": {"threshold": 0.0, "postprocess": {"min_silence_ms": 0, "pad_ms": 0}}})
    for name, opts in (("explicit", ["--threshold", 0, "--min-silence-ms", 0]), ("tuned", ["--tuned", tuned]),
                       ("default", []), ("override", ["--tuned", tuned, "--min-speech-ms", 30000])):
        assert vad_main("--model", models["uni"], *opts, "-o", tmp_path / f"{name}.json", wav) == 0
    seg = {n: json.loads((tmp_path / f"{n}.json").read_text())[0]["segments"] for n in ("explicit", "tuned", "default",
                                                                                      "override")}
    assert seg["tuned"] == seg["explicit"] != seg["default"]     # threshold 0: all speech, unlike conf/decode.yaml's
    assert seg["override"] == []                                 # an option given still wins over --tuned
    io.write_json(tuned, {"f1": 0.5})
    with pytest.raises(InputError, match="no tuned threshold.*--tune-on"):
        vad_main("--model", models["uni"], "--tuned", tuned, wav)


@pytest.mark.badinput
def test_cli_bad_model_and_unwritable_output(models, wav, tmp_path):
    with pytest.raises(InputError, match="final.pt: no trained model"):
        vad_main("--model", tmp_path / "nothing", wav)
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="cannot be written"):
        vad_main("--model", models["uni"], "-o", f"{tmp_path}/file/out/", wav)


@pytest.mark.badinput
def test_cli_post_processing_out_of_range_is_one_line(wav):
    """Issue 17: --max-speech-s 0.01 was a traceback, --threshold 2 silently accepted."""
    for args, message in ((["--threshold", "2"], "threshold must be a probability in [0, 1], not 2.0 (options --threshold)"),
                          (["--max-speech-s", "0.01"], "max_speech_s must be null or >= 0.05 s")):
        r = subprocess.run([sys.executable, str(ROOT / "steps/vad.py"), *args, str(wav)], capture_output=True, text=True)
        assert r.returncode == 1 and message in r.stderr and "Traceback" not in r.stderr
