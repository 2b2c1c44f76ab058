"""End-to-end runs of run.sh --corpus dir and --corpus mat on tiny generated files (slow)."""
from __future__ import annotations


import pytest

from vadkit import io
from vadkit.data import datadir
from vadkit.io import labels

from builders import toy_mat, write_audio
from conftest import ROOT, copy_recipe
from test_recipe import run

TINY_TRAIN = "  epochs: 1\n  steps_per_epoch: 4\n  batch_size: 8\n"


@pytest.fixture(scope="module")
def recipe(tmp_path_factory):
    """A copy of the recipe with a tiny lstm, sharing the project's .venv."""
    r = copy_recipe(tmp_path_factory.mktemp("recipe"), ("lstm",), 16, TINY_TRAIN)
    return r


def folder(path, n, sr, fmt, seed):
    """n toy recordings at sr under path, labels in fmt (one file each, or one shared RTTM)."""
    shared = {}
    for i in range(n):
        wav = path / f"{path.name}{i}.wav"
        segs = write_audio(wav, 5.0, sr, seed=seed + i)
        if fmt == "rttm":
            shared[wav.stem] = segs
        else:
            suffix = {"audacity": ".txt"}.get(fmt, f".{fmt}")
            labels.write(wav.with_suffix(suffix), {wav.stem: segs}, fmt, n_samples=5 * sr, sample_rate_hz=sr)
    if shared:
        labels.write(path / "labels.rttm", shared, "rttm")


@pytest.mark.badinput
@pytest.mark.slow
def test_corpus_dir_trains_then_evaluates_a_test_folder_alone(recipe, tmp_path):
    folder(tmp_path / "tr", 3, 16000, "csv", 10)
    folder(tmp_path / "dv", 2, 8000, "rttm", 20)
    folder(tmp_path / "ts", 2, 8000, "voz", 30)
    p = run(recipe, "--corpus", "dir", "--train-dir", str(tmp_path / "tr"), "--dev-dir", str(tmp_path / "dv"),
            "--test-dir", str(tmp_path / "ts"), "--model", "lstm", "--nj", "1")
    assert "nothing to build" in p.stdout
    for s in ("dev", "test"):
        assert io.read_json(recipe / f"exp/lstm/decode_{s}/scoring/metrics.json")["n_files"] == 2
    assert len(list((recipe / "data/train/wav").glob("*.wav"))) == 3  # 16 kHz resampled once
    final = (recipe / "exp/lstm/final.pt").stat().st_mtime_ns
    # a labelled test folder alone, scored with the model trained above
    folder(tmp_path / "ev", 3, 8000, "audacity", 40)
    test_metrics = (recipe / "exp/lstm/decode_test/scoring/metrics.json").read_bytes()
    p = run(recipe, "--corpus", "dir", "--test-dir", str(tmp_path / "ev"), "--model", "lstm", "--stage", "1")
    assert "Stage 3:" not in p.stdout and (recipe / "exp/lstm/final.pt").stat().st_mtime_ns == final
    m = io.read_json(recipe / "exp/lstm/decode_eval_ev/scoring/metrics.json")      # a set of its own
    assert m["n_files"] == 3 and [f["rec_id"] for f in m["per_file"]] == ["ev0", "ev1", "ev2"]
    assert "tuned" not in m                                                         # never tuned on itself
    assert (recipe / "exp/lstm/decode_test/scoring/metrics.json").read_bytes() == test_metrics   # untouched
    assert datadir.load_data_dir(recipe / "data/test").rec_ids == ["ts0", "ts1"]          # data/test too
    bad = run(recipe, "--corpus", "dir", "--train-dir", str(tmp_path / "tr"), "--test-dir", "x", check=False)
    assert bad.returncode == 1 and "--train-dir with --dev-dir" in bad.stderr


@pytest.mark.slow
def test_corpus_mat_runs_stages_0_to_5(recipe, tmp_path):
    m = tmp_path / "nb"
    for lst, folder_, n in (("training_VAD", "training_VAD", 3), ("valid_VAD", "valid_VAD", 2)):
        names = [f"features_labs_{i}.mat" for i in range(1, n + 1)]
        for i, name in enumerate(names):
            toy_mat(m / folder_ / name, 100 * n + i, v73=i % 2 == 1)
        (m / f"{lst}.lst").write_text("\n".join(names) + "\n")
    toy_mat(m / "audio_sample_test.mat", 7, dur_s=12.0, wav=m / "audio_sample_test.wav")
    p = run(recipe, "--corpus", "mat", "--mat-dir", str(m), "--model", "lstm", "--nj", "1", "--feat-format", "hdf5")
    assert "Stage 2: features" not in p.stdout  # stage 1 cached the .mat features
    assert not (recipe / "data/train/wav.scp").exists() and (recipe / "data/train/feats.h5").is_file()
    score = recipe / "exp/lstm/decode_test/scoring"
    assert io.read_json(score / "metrics.json")["n_files"] == 1
    assert (score / "waveform_audio_sample_test.png").is_file()
    assert io.read_json(recipe / "exp/lstm/decode_dev/scoring/metrics.json")["n_files"] == 2
    (m / "valid_VAD.lst").write_text("features_labs_1.mat\nfeatures_labs_9.mat\n")
    bad = run(recipe, "--corpus", "mat", "--mat-dir", str(m), "--stop-stage", "1", check=False)
    assert bad.returncode == 1 and "valid_VAD.lst:2: features_labs_9.mat not found in" in bad.stderr


@pytest.mark.badinput
def test_run_sh_checks_corpus_options_at_once():
    import subprocess
    for args, msg in ((["--corpus", "mat"], "--corpus mat needs --mat-dir"),
                      (["--corpus", "dir", "--train-dir", "a", "--test-dir", "c"], "--train-dir with --dev-dir"),
                      (["--corpus", "dir", "--train-dir", "a", "--dev-dir", "b"], "--corpus dir needs --test-dir"),
                      (["--feat-conf", "conf/nope.yaml"], "--feat-conf conf/nope.yaml: no such file")):
        p = subprocess.run(["./run.sh", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert p.returncode == 1 and msg in p.stderr, (args, p.stderr)
