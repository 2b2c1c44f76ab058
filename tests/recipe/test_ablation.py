"""The ablation loop's conf writer and table (vadkit.eval.ablation, local/ablation/ablation.py), and utils/tune_set.sh."""
from __future__ import annotations

import subprocess

import pytest
import yaml

from vadkit import config, io
from vadkit.config import ExperimentConfig, MixCorpusConfig
from vadkit.errors import InputError
from vadkit.eval import ablation

from conftest import ROOT


def _variants(tmp_path, variants, model="lstm"):
    f = tmp_path / "ablation.yaml"
    f.write_text(yaml.safe_dump({"model": model, "variants": variants}))
    return f


def test_conf_applies_changes_and_names_the_model_after_the_variant(tmp_path):
    f = _variants(tmp_path, {"aug": {"corpus_mix.yaml": {"reverb_prob": 0.5, "label_policy": "fill"},
                                     "lstm.yaml": {"train": {"specaug": True}}}})
    out = tmp_path / "conf"
    ablation.write_conf(f, "aug", ROOT / "conf", out)
    mix = config.load(out / "corpus_mix.yaml", MixCorpusConfig)
    assert mix.reverb_prob == 0.5 and mix.label_policy == "fill"
    assert mix.snr_db_max == config.load(ROOT / "conf/corpus_mix.yaml", MixCorpusConfig).snr_db_max  # the rest kept
    exp = config.load(out / "aug.yaml", ExperimentConfig)
    assert exp.train.specaug and exp.model.hidden_size == 256     # nested merge keeps the other keys
    assert (out / "features.yaml").read_text() == (ROOT / "conf/features.yaml").read_text()
    assert not (tmp_path / "conf.tmp").exists()


@pytest.mark.badinput
def test_conf_rejects_unknown_variant_and_file(tmp_path):
    f = _variants(tmp_path, {"a": {"nosuch.yaml": {"x": 1}}})
    with pytest.raises(InputError, match="no variant 'b'"):
        ablation.write_conf(f, "b", ROOT / "conf", tmp_path / "out")
    with pytest.raises(InputError, match="nosuch.yaml, which does not exist"):
        ablation.write_conf(f, "a", ROOT / "conf", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def _system(root, variant, name, auc_dev, auc_test, seconds):
    exp = root / variant / "exp" / name
    exp.mkdir(parents=True)
    io.write_json(exp / "history.json", [{"epoch": 1, "seconds": seconds}, {"epoch": 2, "seconds": seconds}])
    for set_, auc in (("ami_dev", auc_dev), ("ami_test", auc_test)):
        (exp / f"decode_{set_}" / "scoring").mkdir(parents=True)
        io.write_json(exp / f"decode_{set_}" / "scoring" / "metrics.json",
                      {"roc_auc": auc, "ci95": {"roc_auc": [auc - 0.05, auc + 0.05]}, "tuned": {"f1": auc - 0.1}})


def test_table_means_over_seeds(tmp_path):
    _system(tmp_path, "a", "a", 0.8, 0.7, 60)
    _system(tmp_path, "b", "b_seed1", 0.9, 0.8, 30)
    _system(tmp_path, "b", "b_seed2", 0.7, 0.6, 90)
    (tmp_path / "c" / "exp").mkdir(parents=True)                  # not trained yet: no row
    assert [r["variant"] for r in ablation.table_rows(tmp_path, ["b", "a"])] == ["b", "a"]
    rows = {r["variant"]: r for r in ablation.table_rows(tmp_path)}
    assert set(rows) == {"a", "b"}
    assert rows["a"]["ami_test_auc"] == pytest.approx(0.7) and rows["a"]["ami_test_auc_ci95"] == pytest.approx([0.65, 0.75])
    assert rows["a"]["train_min"] == pytest.approx(2.0) and rows["a"]["seeds"] == 1
    assert rows["b"]["ami_dev_auc"] == pytest.approx(0.8) and rows["b"]["ami_dev_auc_sd"] == pytest.approx(0.1414, abs=1e-3)
    assert rows["b"]["ami_test_auc_ci95"] is None and rows["b"]["test_auc"] is None
    text = ablation.format_markdown(list(rows.values()))
    assert "| a | 1 | 0.800 |" in text and "0.800 ± 0.141" in text


@pytest.mark.parametrize("s,tune", [("test", "dev"), ("dev", "dev"), ("ami_test", "ami_dev"),
                                    ("ami_dev", "ami_dev"), ("ami_test_tel", "ami_dev_tel"),
                                    ("builtin_test", "builtin_dev"), ("eval_test", ""), ("eval_new", "")])
def test_tune_set(s, tune):
    p = subprocess.run(["utils/tune_set.sh", s], cwd=ROOT, capture_output=True, text=True, check=True)
    assert p.stdout.strip() == tune


@pytest.mark.parametrize("s,decoded,noise", [
    ("test", "dev_noise dev test", "dev_noise"), ("ami_test", "dev_noise ami_dev ami_test", "dev_noise"),
    ("xdev", "dev_noise xdev", "dev_noise"), ("ami_test", "ami_dev ami_test", ""),   # not decoded: none
    ("ami_test", "dev_noise ami_test", ""),                                         # no dev set to tune on: none
    ("ami_test_tel", "dev_noise ami_dev_tel", ""), ("ami_test_tel", "dev_noise_tel ami_dev_tel", "dev_noise_tel"),
    ("ami_dev_tel", "", "dev_noise_tel"), ("builtin_test", "dev_noise builtin_dev", ""),
    ("eval_new", "dev_noise", ""), ("dev_noise", "dev_noise", ""), ("dev_noise_tel", "dev_noise_tel", "")])
def test_tune_set_noise(s, decoded, noise):
    p = subprocess.run(["utils/tune_set.sh", "--noise", s, *decoded.split()], cwd=ROOT, capture_output=True,
                       text=True, check=True)
    assert p.stdout.strip() == noise


def test_tune_set_noise_is_the_plan_rule():
    from vadkit import plan
    for s in ("dev", "test", "xdev", "ami_dev", "ami_test", "ami_dev_tel", "ami_test_tel", "builtin_dev",
              "builtin_test", "eval_calls", "dev_noise", "dev_noise_tel"):
        p = subprocess.run(["utils/tune_set.sh", "--noise", s], cwd=ROOT, capture_output=True, text=True, check=True)
        assert p.stdout.strip() == (plan.noise_set_of(s) or ""), s


@pytest.mark.badinput
def test_run_ablation_needs_its_folders():
    p = subprocess.run(["local/ablation/run_ablation.sh", "--speech-dir", "x"], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 1 and "Usage: local/ablation/run_ablation.sh" in p.stderr


def test_run_sh_options_are_passed_not_written(tmp_path):
    f = _variants(tmp_path, {"sel": {"run.sh": {"valid_set": "ami_dev"}, "corpus_mix.yaml": {"reverb_prob": 0.5}}})
    ablation.write_conf(f, "sel", ROOT / "conf", tmp_path / "conf")
    assert not (tmp_path / "conf" / "run.sh").exists()
    p = subprocess.run([str(ROOT / "local/ablation/ablation.py"), "--config", str(f), "options", "sel"], cwd=ROOT,
                       capture_output=True, text=True, check=True)
    assert p.stdout.strip() == "--valid-set ami_dev"


@pytest.mark.badinput
def test_run_sh_rejects_bad_valid_set():
    p = subprocess.run(["./run.sh", "--valid-set", "ami_dev"], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 1 and "--valid-set ami_dev needs --ami-dir" in p.stderr


@pytest.mark.badinput
def test_prepare_builtin_picks_sets_and_prefix(tmp_path):
    """--builtin-eval's data prep: data/builtin_dev and builtin_test from a corpus folder."""
    import numpy as np
    for s in ("train", "dev", "test"):
        (tmp_path / "c" / s).mkdir(parents=True)
        io.write_wav(tmp_path / "c" / s / f"{s}1.wav", np.zeros(8000, np.float32), 8000)
        io.write_rttm(tmp_path / "c" / s / "rttm", {f"{s}1": [(0.2, 0.6)]})
    run = [str(ROOT / "local/prepare_builtin.py"), str(tmp_path / "c"), str(tmp_path / "data")]
    p = subprocess.run([run[0], "--sets", "dev test", "--prefix", "builtin_", *run[1:]], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["builtin_dev", "builtin_test"]
    assert (tmp_path / "data" / "builtin_test" / "wav.scp").read_text().startswith("test1 ")
    p = subprocess.run([run[0], "--sets", "eval", *run[1:]], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 2 and "--sets takes" in p.stderr


def test_variants_apply_over_the_base(tmp_path):
    f = tmp_path / "ablation.yaml"
    f.write_text(yaml.safe_dump({"model": "lstm", "base": {"corpus_mix.yaml": {"label_policy": "energy", "reverb_prob": 0.0}},
                                 "variants": {"plain": {}, "rev": {"corpus_mix.yaml": {"reverb_prob": 0.5}}}}))
    for v, prob in (("plain", 0.0), ("rev", 0.5)):
        ablation.write_conf(f, v, ROOT / "conf", tmp_path / v)
        mix = config.load(tmp_path / v / "corpus_mix.yaml", MixCorpusConfig)
        assert mix.label_policy == "energy" and mix.reverb_prob == prob
