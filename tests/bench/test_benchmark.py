"""local/benchmark.py's measurements on a tiny generated set with a tiny trained model (slow: spawns processes)."""
from __future__ import annotations

import json

import pytest

from vadkit.bench import benchmark
from vadkit.config import BaselineConfig, ExperimentConfig, FeatureConfig, ModelConfig, TrainConfig, to_dict
from vadkit.features import cache
from vadkit.train import training

from builders import make_model_dir, make_toy_data_dir


@pytest.mark.slow
def test_benchmark_document_shape_and_values(tmp_path):
    d = make_toy_data_dir(tmp_path / "dev", 2, dur_s=5.0, seed=4)
    cache.make_part(d, FeatureConfig(), "ark")
    cache.merge_parts(d, FeatureConfig(), "ark")
    cfg = ExperimentConfig(ModelConfig(hidden_size=8), TrainConfig(epochs=1, steps_per_epoch=1, batch_size=4))
    training.run(cfg, d, d, tmp_path / "tiny")
    assert benchmark.select_recordings(d, 4.0) == ["dev_000"] and len(benchmark.select_recordings(d, 99)) == 2
    # start_delay_s=0: each feature job starts when it is ready (the test checks figures, not their precision)
    doc = benchmark.run(d, [str(tmp_path / "tiny")], ["energy"], 99, [1, 2], 1, FeatureConfig(),
                        to_dict(BaselineConfig()), log=lambda _: None, start_delay_s=0, rss_hours=[0.01])
    json.dumps(doc)  # what benchmark.json holds
    assert set(doc) >= {"machine", "systems", "features"}
    assert doc["machine"]["cores"] >= 1 and "torch" in doc["machine"]["versions"]
    assert set(doc["systems"]) == {"tiny", "baseline_energy"}
    for s in doc["systems"].values():
        assert 0 < s["rtf_1thread"] < 10 and s["peak_rss_mb"] >= doc["rss_floor_mb"] * 0.9
        assert s["rtf_vs_silero"] is None  # silero not timed in this run: no ratio invented
    tiny = doc["systems"]["tiny"]
    assert tiny["train_frames_per_s"] > 0 and tiny["dev_f1"] is None   # never scored
    assert all(0 < t < 10 for t in tiny["vad_parts"]["rtf"].values()) and tiny["vad_parts"]["params"] > 0
    assert tiny["vad_parts"]["max_abs_dp_chunked"] < 1e-3                # the tool's chunking changes little
    assert tiny["long_file_rss_mb"]["0.01"] >= doc["rss_floor_mb"] * 0.9
    assert doc["features"]["x_realtime"] > 1 and set(doc["features"]["x_realtime_by_cores"]) == {"1", "2"}
    assert doc["audio"]["seconds"] == pytest.approx(10.0, abs=0.01)
    table = benchmark.format_table(doc)
    assert "baseline_energy" in table and "x with 1 job(s) at once" in table
    assert "the VAD tool, part by part" in table and "0.01h:" in table


@pytest.mark.badinput
def test_benchmark_cli_checks_its_arguments(tmp_path):
    import subprocess
    import sys

    from conftest import ROOT
    r = subprocess.run([sys.executable, str(ROOT / "local/benchmark.py"), "--rss-hours", "1,2", "data/test",
                        str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1 and "--rss-hours '1,2': expected space-separated numbers" in r.stderr
    r = subprocess.run([sys.executable, str(ROOT / "local/benchmark.py"), "data/test", str(tmp_path / "nomodel"),
                        str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1 and "nomodel/final.pt: no trained model" in r.stderr
    r = subprocess.run([sys.executable, str(ROOT / "local/benchmark.py"), "--train-steps", "-1", "data/test",
                        str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1 and "--train-steps -1: give a number of steps >= 0" in r.stderr


@pytest.mark.slow
def test_no_training_steps_times_no_training(tmp_path):
    d = make_toy_data_dir(tmp_path / "dev", 1, dur_s=5.0)
    cache.make_part(d, FeatureConfig(), "ark")
    cache.merge_parts(d, FeatureConfig(), "ark")
    mdir = make_model_dir(tmp_path / "m")
    doc = benchmark.run(d, [str(mdir)], [], 99, [1], 0, FeatureConfig(), to_dict(BaselineConfig()),
                        log=lambda _: None, start_delay_s=0)
    m = doc["systems"]["m"]
    assert m["train_frames_per_s"] is None and m["train_peak_rss_mb"] is None and m["rtf_1thread"] > 0
    row = next(line.split() for line in benchmark.format_table(doc).splitlines() if line.split()[:1] == ["m"])
    assert row[-1] == "-"   # the training column: not timed
