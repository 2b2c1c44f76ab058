"""run.sh --corpus mix and --corpus librimix (through a local mirror of tiny archives) on tiny data (slow)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from vadkit import io
from vadkit.data.datadir import load_data_dir
from vadkit.features import cache
from vadkit.models.checkpoint import TrainedModel

from builders import make_ami_corpus, make_mirror, make_sources, write_config
from conftest import ROOT, copy_recipe
from test_recipe import run

TINY_MIX = ("sample_rate_hz: 16000\ntrain_minutes: 0.6\ndev_minutes: 0.2\ntest_minutes: 0.2\n"
            "min_rec_s: 10\nmax_rec_s: 12\ndev_share: 0.25\ntest_share: 0.25\nnoise_dev_share: 0.25\nnoise_test_share: 0.25\n"
            "train_versions: 2\n")   # two mixings of the train set: epoch 2 trains on the second


@pytest.fixture(scope="module")
def recipe(tmp_path_factory) -> Path:
    """A copy of the recipe with a tiny mix corpus and a tiny recommended pair, sharing the project's .venv."""
    r = copy_recipe(tmp_path_factory.mktemp("recipe_mix"))
    (r / "conf/corpus_mix.yaml").write_text(TINY_MIX)
    for m in ("blstm60", "blstm60_pcen"):   # the stages run, accuracy is not checked; its ensemble section kept
        text = (r / f"conf/{m}.yaml").read_text()
        (r / f"conf/{m}.yaml").write_text(text.replace("hidden_size: 96", "hidden_size: 8").replace(
            "epochs: 24", "epochs: 2\n  steps_per_epoch: 2").replace("batch_size: 51", "batch_size: 8"))
    return r


@pytest.mark.slow
def test_librimix_through_a_mirror_runs_every_stage(recipe, tmp_path):
    mirror = tmp_path / "mirror"
    write_config(recipe / "conf/download_librimix.yaml", make_mirror(mirror))
    p = run(recipe, "--corpus", "librimix", "--mirror", str(mirror), "--models", "blstm60", "--nj", "1")
    assert "Stage 5:" in p.stdout and not (recipe / "data/local/downloads/musan.tar.gz").exists()
    assert len((recipe / "data/local/downloads/noise.list").read_text().split()) == 6
    for s in ("dev", "test"):
        m = io.read_json(recipe / f"exp/blstm60/decode_{s}/scoring/metrics.json")
        assert m["n_files"] >= 1 and 0 <= m["accuracy"] <= 1
    assert sorted((recipe / "data/train").iterdir())  # stage 1 wrote the train dir
    versions = {v for (v,) in io.read_table(recipe / "data/train/reco2version").values()}
    assert versions == {"0", "1"} and not (recipe / "data/dev/reco2version").exists()
    assert "epoch 2: train version 1" in (recipe / "exp/blstm60_pcen_seed1/log/train.log").read_text()
    # the real-speech post-processing (probability bridge on) went with the exp dir and into every decode
    assert (recipe / "exp/blstm60/decode.yaml").read_text() == (recipe / "conf/decode_mix.yaml").read_text()
    from vadkit.decode.decoding import decode_config_of
    assert decode_config_of(recipe / "exp/blstm60/decode_dev").bridge_half_life_ms > 0
    # the default features hold both front-ends; blstm60 is its MFCC and PCEN networks' ensemble (its config's
    # `ensemble:`), the one system the run decodes and summarises: members are trained, not decoded
    assert cache.read_info(recipe / "data/train")["features"]["kind"] == "mfcc_pcen"
    kinds = [TrainedModel(recipe / f"exp/{e}").feature_config.kind for e in ("blstm60_seed1", "blstm60_pcen_seed1")]
    assert kinds == ["mfcc", "pcen"] and TrainedModel(recipe / "exp/blstm60").feature_config.kind == "mfcc_pcen"
    assert "systems: exp/blstm60\n" in p.stdout and (recipe / "exp/blstm60/ensemble.yaml").is_file()
    assert "exp/blstm60_seed1 exp/blstm60_pcen_seed1 -> exp/blstm60" in p.stdout
    assert not list((recipe / "exp/blstm60_seed1").glob("decode_*"))
    assert [line.split()[1] for line in p.stdout.splitlines() if line.startswith("test ")] == ["blstm60"]
    # the dev set's noise files alone: prepared, decoded, not scored; they bound the setting tuned on dev
    noises = (recipe / "data/local/librimix/dev/noises").read_text().split()
    assert len(load_data_dir(recipe / "data/dev_noise").rec_ids) == len(noises) >= 1
    assert (recipe / "exp/blstm60/decode_dev_noise/hyp.rttm").is_file()
    assert not (recipe / "exp/blstm60/decode_dev_noise/scoring").exists()
    tuned = io.read_json(recipe / "exp/blstm60/decode_test/scoring/metrics.json")["tuned"]
    assert tuned["noise"]["data"] == "data/dev_noise" and tuned["noise"]["max_share"] == 0.05


@pytest.mark.badinput
@pytest.mark.slow
def test_mix_from_folders_and_unknown_corpus(recipe, tmp_path):
    speech, noise_dir = make_sources(tmp_path / "src")
    p = run(recipe, "--corpus", "mix", "--speech-dir", str(speech), "--noise-dir", str(noise_dir),
            "--ami-dir", str(make_ami_corpus(tmp_path)), "--stop-stage", "1")
    assert "Stage 1:" in p.stdout and (recipe / "data/local/mix/.done").is_file()
    assert all((recipe / f"data/{s}/wav.scp").is_file() for s in ("train", "dev", "test", "dev_noise", "dev_noise_tel"))
    # the dev noises alone, and through the AMI copies' telephone channel: the same recordings, no speech
    noise, tel = load_data_dir(recipe / "data/dev_noise"), load_data_dir(recipe / "data/dev_noise_tel")
    assert noise.rec_ids == tel.rec_ids and not any(noise.regions.values()) and not any(tel.regions.values())
    assert "data/dev_noise_tel: OK" in (recipe / "data/local/log/validate.log").read_text()
    p = run(recipe, "--corpus", "mix", "--noise-dir", str(noise_dir), "--stop-stage", "0", check=False)
    assert p.returncode == 1 and "pass --speech-dir" in p.stderr and "Traceback" not in p.stderr
    p = run(recipe, "--corpus", "nosuch", "--stop-stage", "0", check=False)
    assert p.returncode == 1 and "unknown --corpus 'nosuch'" in p.stderr


def test_help_lists_the_corpora():
    p = subprocess.run(["./run.sh", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0 and "--speech-dir" in p.stdout and "--mirror" in p.stdout
