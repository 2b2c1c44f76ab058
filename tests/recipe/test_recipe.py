"""End-to-end runs of run.sh on a tiny built-in corpus, in a copy of the recipe (slow)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from vadkit import io
from vadkit.decode import decoding
from vadkit.features import cache

from conftest import ROOT, copy_recipe

TINY_CORPUS = "train_minutes: 1.5\ndev_minutes: 0.5\ntest_minutes: 0.5\nmin_rec_s: 10\nmax_rec_s: 20\n"
TINY_TRAIN = "  epochs: 3\n  steps_per_epoch: 10\n  batch_size: 16\n"


def run(recipe: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    p = subprocess.run(["./run.sh", *args], cwd=recipe, capture_output=True, text=True, timeout=1200)
    if check and p.returncode != 0:
        raise AssertionError(f"run.sh {' '.join(args)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


@pytest.fixture(scope="module")
def recipe(tmp_path_factory) -> Path:
    """A copy of the recipe with tiny corpus and model sizes, sharing the project's .venv."""
    r = copy_recipe(tmp_path_factory.mktemp("recipe"), ("lstm", "blstm", "lstm2"), 32, TINY_TRAIN)
    (r / "conf/corpus_builtin.yaml").write_text(TINY_CORPUS)
    return r


@pytest.mark.slow
def test_full_run_produces_every_output(recipe):
    p = run(recipe, "--nj", "2")
    for s in range(6):
        assert f"Stage {s}:" in p.stdout
    for m in ("lstm", "blstm", "lstm2"):
        e = recipe / "exp" / m
        for f in ("final.pt", "config.yaml", "history.json", "curves.png", "log/train.log",
                  "checkpoints/epoch-3.pt"):
            assert (e / f).is_file(), f"{m}/{f}"
        for s in ("dev", "test"):
            d = e / f"decode_{s}"
            assert (d / "hyp.rttm").is_file() and (d / "probs.scp").is_file()
            assert (d / "scoring/confusion.png").is_file() and list((d / "scoring").glob("waveform_*.png"))
            m_ = io.read_json(d / "scoring/metrics.json")
            assert m_["roc_auc"] > 0.6, (m, s, m_["roc_auc"])  # beats chance (0.5) after 30 tiny steps
    table = [line for line in p.stdout.splitlines() if line.startswith(("dev ", "test "))]
    assert len(table) == 6
    # what the options resolved to, logged once before stage 0; stages 0, 1 and the summary log through $cmd
    assert "sets: train dev test (features: train dev test; scored: dev test); systems: exp/lstm exp/blstm " \
           "exp/lstm2" in p.stdout
    logs = {f: (recipe / f).read_text() for f in ("data/local/log/builtin.log", "data/local/log/prepare_builtin.log",
                                                  "data/local/log/validate.log", "exp/log/plot_curves.log",
                                                  "exp/log/summary.log")}
    assert logs["data/local/log/builtin.log"].startswith("# local/make_builtin_corpus.py --config "
                                                         "conf/corpus_builtin.yaml --nj 2 data/local/builtin\n")
    assert "data/test: OK (" in logs["data/local/log/validate.log"] and table[0] in logs["exp/log/summary.log"]
    assert all("# Ended (code 0)" in text for text in logs.values())


@pytest.mark.fault
@pytest.mark.slow
def test_rerun_skips_finished_work_and_resumes_training(recipe):
    final, hyp = recipe / "exp/lstm/final.pt", recipe / "exp/lstm/decode_test/hyp.rttm"
    before = final.stat().st_mtime_ns, hyp.stat().st_mtime_ns
    run(recipe, "--stage", "3", "--stop-stage", "4", "--model", "lstm", "--nj", "1")   # stage 5 always re-scores
    assert (final.stat().st_mtime_ns, hyp.stat().st_mtime_ns) == before
    assert "already trained" in (recipe / "exp/lstm/log/train.log").read_text()
    assert "up to date, nothing to do" in (recipe / "exp/lstm/log/decode_test.1.log").read_text()
    # an interrupted training: no final.pt, last checkpoint gone -> resumes from epoch 2
    final.unlink()
    (recipe / "exp/lstm/checkpoints/epoch-3.pt").unlink()
    run(recipe, "--stage", "3", "--stop-stage", "3", "--model", "lstm")
    assert "resuming from exp/lstm/checkpoints/epoch-2.pt" in (recipe / "exp/lstm/log/train.log").read_text()
    assert final.is_file()


@pytest.mark.slow
def test_hdf5_cache_equals_ark(recipe, monkeypatch):
    monkeypatch.chdir(recipe)  # scp files name their arks relative to the recipe, as in Kaldi
    ark, ark_labels, _ = cache.load("data/dev")
    run(recipe, "--stage", "2", "--stop-stage", "2", "--feat-format", "hdf5", "--nj", "1")
    h5, h5_labels, info = cache.load("data/dev")
    assert info["format"] == "hdf5" and not (recipe / "data/dev/feats.ark").exists()
    assert sorted(h5) == sorted(ark)
    assert all(np.array_equal(h5[k], ark[k]) and np.array_equal(h5_labels[k], ark_labels[k]) for k in ark)


@pytest.mark.badinput
@pytest.mark.slow
def test_truncated_wav_stops_stage_1_naming_it(recipe):
    wav = sorted((recipe / "data/local/builtin/dev").glob("*.wav"))[0]
    good = wav.read_bytes()
    wav.write_bytes(good[:len(good) // 2])
    try:
        p = run(recipe, "--stage", "1", "--stop-stage", "1", check=False)
    finally:
        wav.write_bytes(good)
    assert p.returncode == 1
    assert f"{wav.name}: wav is truncated" in p.stderr and "Traceback" not in p.stderr


@pytest.mark.slow
def test_ami_dir_adds_scored_sets(recipe, tmp_path):
    """A model with a turn head (which conf each kind of model decodes with: test_shell_utils.py, stage 4 alone)."""
    from builders import make_ami_corpus
    lstm = (recipe / "conf/lstm.yaml").read_text()
    (recipe / "conf/lstm_turn.yaml").write_text(lstm.replace("model:\n", "model:\n  turn_head: true\n", 1))
    p = run(recipe, "--stage", "1", "--models", "lstm_turn", "--nj", "1", "--ami-dir",
            str(make_ami_corpus(tmp_path)))
    validated = (recipe / "data/local/log/validate.log").read_text()
    assert "data/ami_dev: OK (2 recordings" in validated and "data/ami_test: OK (2 recordings" in validated
    assert "data/ami_test_tel: OK (2 recordings" in validated                # the telephone copy (default)
    for s in ("ami_dev", "ami_test", "ami_dev_tel", "ami_test_tel"):
        m = io.read_json(recipe / f"exp/lstm_turn/decode_{s}/scoring/metrics.json")
        assert m["n_files"] == 2
        assert f"on data/{'ami_dev_tel' if s.endswith('_tel') else 'ami_dev'} " in m["tuned"]["threshold_source"]
    assert [line.split()[:2] for line in p.stdout.splitlines() if line.startswith("ami_")] == \
        [["ami_dev", "lstm_turn"], ["ami_dev_tel", "lstm_turn"], ["ami_test", "lstm_turn"],
         ["ami_test_tel", "lstm_turn"]]
    # turn-level labels: the AMI sets decode with the turn head (conf/decode_turn.yaml), the rest with the phrase head
    for s, head in (("ami_dev", "turn"), ("ami_test_tel", "turn"), ("dev", "phrase")):
        assert decoding.decode_config_of(recipe / f"exp/lstm_turn/decode_{s}").head == head, s
    assert "Stage 4: decode data/ami_dev with exp/lstm_turn (conf/decode_turn.yaml)" in p.stdout


@pytest.mark.slow
def test_seeds_train_a_model_each_and_their_ensemble(recipe):
    """Stage 3 with --seeds; what stages 4 and 5 do with the seeds' dirs: test_shell_utils.py (a fake launcher)."""
    p = run(recipe, "--stage", "3", "--stop-stage", "3", "--model", "lstm", "--seeds", "1 2", "--nj", "1")
    assert "ensemble of the seeds: exp/lstm_seed1 exp/lstm_seed2 -> exp/lstm_ens" in p.stdout
    assert (recipe / "exp/lstm_ens/ensemble.yaml").is_file()
    assert "--seed 2 " in (recipe / "exp/lstm_seed2/log/train.log").read_text()
    from vadkit.models.checkpoint import TrainedModel
    assert len(TrainedModel(recipe / "exp/lstm_ens").members) == 2      # loads: one model of the two
    assert "exp/lstm_ens" not in run(recipe, "--stage", "3", "--model", "lstm", "--seeds", "1",
                                     "--stop-stage", "3").stdout  # one seed: no ensemble


@pytest.mark.slow
def test_a_config_with_a_teacher_decodes_the_train_set_first(recipe):
    """train.teacher: stage 3 decodes data/train with the public VAD, then trains on it (config.yaml says where)."""
    pytest.importorskip("silero_vad", reason="optional baseline package (pip install -r requirements-baselines.txt)")
    lstm = (recipe / "conf/lstm.yaml").read_text()
    (recipe / "conf/lstm_kd.yaml").write_text(lstm + "  teacher: silero\n  teacher_weight: 0.3\n")
    p = run(recipe, "--stage", "3", "--stop-stage", "3", "--model", "lstm_kd", "--nj", "1")
    assert "Stage 3: teacher silero: data/train -> exp/baseline_silero/decode_train" in p.stdout
    assert (recipe / "exp/baseline_silero/decode_train/hyp.rttm").is_file()
    import yaml
    saved = yaml.safe_load((recipe / "exp/lstm_kd/config.yaml").read_text())
    assert saved["data"]["teacher"] == "exp/baseline_silero/decode_train" and saved["train"]["teacher"] == "silero"
    assert (recipe / "exp/lstm_kd/final.pt").is_file()


@pytest.mark.badinput
def test_help_and_unknown_option():
    p = subprocess.run(["./run.sh", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0 and "Stages:" in p.stdout and "--feat-format" in p.stdout
    p = subprocess.run(["./run.sh", "--no-such-option", "1"], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 1 and "unknown option '--no-such-option'" in p.stderr
