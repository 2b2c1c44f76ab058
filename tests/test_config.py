import pytest

from vadkit import config
from vadkit.config import DecodeConfig, ExperimentConfig, FeatureConfig, MixCorpusConfig
from vadkit.errors import InputError

from conftest import ROOT


def test_shipped_configs_load():
    assert config.load(ROOT / "conf/features.yaml", FeatureConfig).n_mfcc == 20
    config.load(ROOT / "conf/decode.yaml", DecodeConfig)
    for m in ("lstm", "blstm", "lstm2"):
        cfg = config.load(ROOT / f"conf/{m}.yaml", ExperimentConfig)
        assert cfg.model.hidden_size == 256 and cfg.train.batch_size == 51 and cfg.train.lr == 0.001
        assert cfg.train.cmvn == "global" and not cfg.train.specaug     # issue-7 levers off by default
    assert config.load(ROOT / "conf/features.yaml", FeatureConfig).kind == "mfcc"
    assert config.load(ROOT / "conf/features_logmel.yaml", FeatureConfig).kind == "logmel"
    mix = config.load(ROOT / "conf/corpus_mix.yaml", MixCorpusConfig)   # the 16 kHz recipe (issue 15)
    assert (mix.sample_rate_hz, mix.label_policy, mix.reverb_prob) == (16000, "energy", 0.5)
    assert config.load(ROOT / "conf/features_16k.yaml", FeatureConfig).sample_rate_hz == mix.sample_rate_hz
    assert all(getattr(mix, f"{a}_prob") == 0 for a in ("overlap", "music", "eq", "telephone"))
    for m in ("blstm60", "lstm2_small60"):   # the shipped models: graded targets on phrase-level labels
        assert config.load(ROOT / f"conf/{m}.yaml", ExperimentConfig).train.target_gap_ms == 500
    old = config.load(ROOT / "conf/corpus_mix_8k.yaml", MixCorpusConfig)   # the 8 kHz recipe before it
    assert (old.sample_rate_hz, old.label_policy, old.label_policy_gap_ms) == (8000, "fill", 500.0)
    both = {r: config.load(ROOT / f"conf/features_mfcc_pcen{r}.yaml", FeatureConfig) for r in ("", "_8k")}
    assert both["_8k"].sample_rate_hz == old.sample_rate_hz and both[""].sample_rate_hz == mix.sample_rate_hz
    assert config.to_dict(both["_8k"]) == {**config.to_dict(both[""]), "sample_rate_hz": 8000}   # the rate alone


@pytest.mark.badinput
def test_unknown_key_names_file_and_valid_keys(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text("model:\n  hiden_size: 3\n")
    with pytest.raises(InputError, match=r"m.yaml: model: unknown key\(s\) hiden_size; valid keys: arch, "):
        config.load(p, ExperimentConfig)
    p.write_text("a: [1\n")
    with pytest.raises(InputError, match="invalid YAML"):
        config.load(p, FeatureConfig)
