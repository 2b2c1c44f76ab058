"""model.input_kind: an MFCC or a PCEN network trained on its front-end's columns of a kind mfcc_pcen cache is the
network a cache of that kind alone trains, and decodes from either cache."""
import dataclasses
import shutil

import numpy as np
import pytest
import torch

from vadkit.config import DecodeConfig, ExperimentConfig, FeatureConfig, ModelConfig, TrainConfig
from vadkit.decode import decoding
from vadkit.errors import InputError
from vadkit.features import cache
from vadkit.features.extract import kind_view, model_columns
from vadkit.models import ensemble
from vadkit.models.checkpoint import TrainedModel
from vadkit.train import training

from builders import make_toy_data_dir

BOTH = FeatureConfig(kind="mfcc_pcen", pcen_gain=0.5)
ALONE = {"mfcc": FeatureConfig(), "pcen": FeatureConfig(kind="pcen", pcen_gain=0.5)}
DIMS = {"mfcc": 60, "pcen": 120}


@pytest.fixture(scope="module")
def caches(tmp_path_factory):
    """The same toy train and dev recordings cached three times: kind mfcc, pcen and mfcc_pcen."""
    root = tmp_path_factory.mktemp("kinds")
    out = {}
    for kind, feats in (("mfcc_pcen", BOTH), *ALONE.items()):
        for name, n, seed in (("train", 4, 1), ("dev", 2, 2)):
            d = make_toy_data_dir(root / kind / name, n, dur_s=6.0, seed=seed)
            cache.make_part(d, feats, "ark")
            cache.merge_parts(d, feats, "ark")
            out[kind, name] = d
    return out


def cfg(kind: str, input_kind: str = "", dims: int | None = None) -> ExperimentConfig:
    return ExperimentConfig(ModelConfig(input_dims=dims or DIMS[kind], input_kind=input_kind, hidden_size=12),
                            TrainConfig(epochs=2, steps_per_epoch=3, batch_size=8, segment_frames=100))


def decode(exp, data, out) -> dict:
    dcfg = DecodeConfig()
    decoding.decode_part(exp, data, out, dcfg)
    decoding.merge(exp, data, out, dcfg)
    return decoding.read_probs(out)


def test_the_views_of_a_mfcc_pcen_config():
    for kind, alone in ALONE.items():
        view, columns = kind_view(BOTH, kind)
        assert view == alone and len(columns) == DIMS[kind]          # the other front-end's keys at their defaults
        assert model_columns(alone, BOTH) == columns and model_columns(alone, alone) is None
    assert kind_view(BOTH, "mfcc")[1][:3] == [0, 1, 2] and kind_view(BOTH, "mfcc")[1][20:23] == [60, 61, 62]
    assert kind_view(BOTH, "pcen")[1][:2] == [20, 21] and kind_view(BOTH, "pcen")[1][40:42] == [80, 81]
    assert kind_view(ALONE["mfcc"], "") == (ALONE["mfcc"], None) == kind_view(ALONE["mfcc"], "mfcc")


@pytest.mark.parametrize("kind", ["mfcc", "pcen"])
def test_a_front_end_of_a_mfcc_pcen_cache_trains_as_its_own_cache(caches, tmp_path, kind):
    own, view = tmp_path / "own", tmp_path / "view"
    training.run(cfg(kind), caches[kind, "train"], caches[kind, "dev"], own)
    training.run(cfg(kind, kind), caches["mfcc_pcen", "train"], caches["mfcc_pcen", "dev"], view)
    a, b = (torch.load(e / "final.pt", weights_only=True) for e in (own, view))
    assert b["feature_config"] == a["feature_config"] == dataclasses.asdict(ALONE[kind])   # a plain MFCC/PCEN model
    np.testing.assert_allclose(b["norm_stats"]["mean"], a["norm_stats"]["mean"], rtol=1e-4, atol=1e-4)
    assert len(b["norm_stats"]["std"]) == DIMS[kind]
    # the same network up to the caches' float rounding; either cache decodes it
    p_own = decode(own, caches[kind, "dev"], tmp_path / "d1")
    p_view = decode(view, caches[kind, "dev"], tmp_path / "d2")
    p_both = decode(view, caches["mfcc_pcen", "dev"], tmp_path / "d3")
    for k in p_own:
        assert np.abs(p_view[k] - p_own[k]).max() < 5e-3
        assert np.abs(p_both[k] - p_view[k]).max() < 1e-3


def test_a_network_is_not_retrained_when_only_the_other_front_end_changes(caches, tmp_path):
    """config.yaml records the features the network reads: an MFCC network trained on an mfcc_pcen cache is done
    when its data dirs are cached again with other PCEN settings; a PCEN network is not."""
    sets = {n: shutil.copytree(caches["mfcc_pcen", n], tmp_path / n) for n in ("train", "dev")}
    for kind in ALONE:
        training.run(cfg(kind, kind), sets["train"], sets["dev"], tmp_path / kind)
    before = (tmp_path / "mfcc/final.pt").stat().st_mtime_ns
    for d in sets.values():
        cache.make_part(d, dataclasses.replace(BOTH, pcen_time_ms=200.0), "ark")
        cache.merge_parts(d, dataclasses.replace(BOTH, pcen_time_ms=200.0), "ark")
    training.run(cfg("mfcc", "mfcc"), sets["train"], sets["dev"], tmp_path / "mfcc")
    assert (tmp_path / "mfcc/final.pt").stat().st_mtime_ns == before
    with pytest.raises(InputError, match="pcen was trained with another config or data; re-run with --overwrite"):
        training.run(cfg("pcen", "pcen"), sets["train"], sets["dev"], tmp_path / "pcen")


def test_a_network_of_a_cache_of_its_kind_alone_counts_as_trained(caches, tmp_path):
    """Upgrading a run: a model trained before input_kind (on an MFCC cache, no input_kind) is not retrained when
    its conf says input_kind: mfcc and its data dirs now hold kind mfcc_pcen features."""
    sets = {n: shutil.copytree(caches["mfcc", n], tmp_path / n) for n in ("train", "dev")}
    exp = tmp_path / "m"
    training.run(cfg("mfcc"), sets["train"], sets["dev"], exp)
    before = (exp / "final.pt").stat().st_mtime_ns
    for d in sets.values():
        cache.make_part(d, BOTH, "ark")
        cache.merge_parts(d, BOTH, "ark")
    training.run(cfg("mfcc", "mfcc"), sets["train"], sets["dev"], exp)
    assert (exp / "final.pt").stat().st_mtime_ns == before
    with pytest.raises(InputError, match="trained with another config"):   # without input_kind: all 180 dims
        training.run(cfg("mfcc", "", 180), sets["train"], sets["dev"], exp)


def test_members_of_one_cache_make_the_mixed_ensemble(caches, tmp_path):
    ms = []
    for kind in ALONE:
        training.run(cfg(kind, kind), caches["mfcc_pcen", "train"], caches["mfcc_pcen", "dev"], tmp_path / kind)
        ms.append(tmp_path / kind)
    assert ensemble.make_ensemble(ms, tmp_path / "ens")
    assert TrainedModel(tmp_path / "ens").feature_config == BOTH
    dev = caches["mfcc_pcen", "dev"]
    each = [decode(m, dev, m / "decode_dev") for m in ms]
    ens = decode(tmp_path / "ens", dev, tmp_path / "ens/decode_dev")
    for k in ens:
        assert np.abs(ens[k] - (each[0][k] + each[1][k]) / 2).max() < 1e-5


@pytest.mark.badinput
def test_front_ends_that_are_not_there_are_refused(caches, tmp_path):
    train, dev = caches["mfcc", "train"], caches["mfcc", "dev"]
    with pytest.raises(InputError, match=f"{train}: model.input_kind pcen: features of kind mfcc hold no pcen "
                                         "columns.*--feat-conf conf/features_mfcc_pcen.yaml"):
        training.run(cfg("pcen", "pcen"), train, dev, tmp_path / "a")
    both = caches["mfcc_pcen", "train"]
    with pytest.raises(InputError, match="model input_dims 60 of the 180 kind mfcc_pcen dims .* mixes MFCC and PCEN "
                                         "columns; set model.input_kind: mfcc or pcen"):
        training.run(cfg("mfcc"), both, caches["mfcc_pcen", "dev"], tmp_path / "b")
    with pytest.raises(InputError, match=r"input_dims 130 exceeds the 120 feature dims .*\(pcen columns\)"):
        training.run(cfg("pcen", "pcen", 130), both, caches["mfcc_pcen", "dev"], tmp_path / "c")
    assert not any((tmp_path / e / "final.pt").exists() for e in "abc")
    with pytest.raises(ValueError, match="input_kind must be mfcc, pcen or empty"):
        ModelConfig(input_kind="logmel")
    # a PCEN network cannot decode an MFCC cache
    training.run(cfg("pcen", "pcen"), both, caches["mfcc_pcen", "dev"], tmp_path / "p")
    with pytest.raises(InputError, match=f"{dev}: features were cached with kind mfcc .*re-run stage 2"):
        decode(tmp_path / "p", dev, tmp_path / "p/decode")
    assert not (tmp_path / "p/decode/hyp.rttm").exists()
