"""Shipped models (vadkit.tool.pretrained): packaging a trained model, and the defaults that use it."""
import numpy as np
import pytest
import torch

from vadkit import StreamingVad, Vad, io
from vadkit.config import DecodeConfig, FeatureConfig
from vadkit.errors import InputError
from vadkit.features.extract import compute_features
from vadkit.models.checkpoint import TrainedModel
from vadkit.tool import pretrained

from builders import make_model_dir, toy_recording


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """A pretrained/ folder with an offline and a streaming model packaged from random-weight models."""
    root = tmp_path / "pretrained"
    monkeypatch.setattr(pretrained, "ROOT", root)
    feats = [compute_features(toy_recording(np.random.default_rng(k), 6.0)[0], 8000, FeatureConfig()) for k in (1, 2)]
    out = {}
    for name, bi in ((pretrained.OFFLINE, True), (pretrained.STREAMING, False)):
        exp = make_model_dir(tmp_path / "exp" / name, bidirectional=bi)
        io.write_json(exp / "history.json", [{"epoch": 1, "seconds": 60.0}])
        io.write_json(exp / "decode_ami_dev/scoring/metrics.json",
                      {"roc_auc": 0.9, "f1": 0.8, "ci95": {"roc_auc": [0.85, 0.95]}, "tuned": {"f1": 0.85}})
        decode = DecodeConfig(threshold=0.3, median_frames=5)
        card = pretrained.card_text(exp, name, decode, "## Training\nthe notes")
        out[name] = (exp, pretrained.package(exp, root / name, decode, feats, card), feats)
    return out


def test_package_halves_the_weights_within_tolerance(shipped):
    exp, done, feats = shipped[pretrained.OFFLINE]
    folder = pretrained.ROOT / pretrained.OFFLINE
    assert done["precision"] == "float16" and done["max_abs_dp"] <= pretrained.HALF_TOLERANCE
    state = torch.load(folder / "final.pt", weights_only=True)["model_state"]
    assert all(v.dtype == torch.float16 for v in state.values() if torch.is_floating_point(v))
    assert done["bytes"] < (exp / "final.pt").stat().st_size      # tiny here: the zip container dominates
    a, b = TrainedModel(exp, "cpu").probs(feats), TrainedModel(folder, "cpu").probs(feats)
    assert max(float(np.abs(x - y).max()) for x, y in zip(a, b)) <= pretrained.HALF_TOLERANCE
    card = (folder / "MODEL_CARD.md").read_text()
    assert "weights float16 (largest speech-probability change" in card
    assert "| ami_dev | 0.900 [0.850, 0.950] | 0.800 | 0.850 |" in card and "the notes" in card
    assert pretrained.available() == sorted([pretrained.OFFLINE, pretrained.STREAMING])


def test_defaults_use_the_shipped_models_and_their_post_processing(shipped, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path / "exp")          # holds folders named like the shipped models: not taken
    v = Vad()
    assert v.model.path == pretrained.ROOT / pretrained.OFFLINE / "final.pt"
    assert (v.decode.threshold, v.decode.median_frames) == (0.3, 5)       # its decode.yaml, not conf/decode.yaml
    assert Vad(pretrained.STREAMING).model.path.parent.name == pretrained.STREAMING
    s = StreamingVad()
    assert s.model.path.parent.name == pretrained.STREAMING and s.cfg.threshold == 0.3
    x, _ = toy_recording(np.random.default_rng(0), 5.0)
    assert Vad().run(x, 8000).duration_s == 5.0


@pytest.mark.badinput
def test_no_shipped_model_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(pretrained, "ROOT", tmp_path / "none")
    with pytest.raises(InputError, match="shipped model 'blstm60' is not in .*; pass a model"):
        Vad()
    assert pretrained.available() == []


def test_the_shipped_models_run_and_take_int16():
    """The committed models: they load weights-only, say what they are, and int16 samples give the
    segments float samples give."""
    assert pretrained.available() == sorted([pretrained.OFFLINE, pretrained.STREAMING])
    x, _ = toy_recording(np.random.default_rng(7), 20.0)
    x = x * 3.0                                                     # a louder toy: speech-like bursts
    pcm = np.round(np.clip(x, -1, 1) * 32767).astype(np.int16)
    for name in pretrained.available():
        folder = pretrained.ROOT / name
        assert "## Training data and licences" in (folder / "MODEL_CARD.md").read_text()
        v = Vad(name, device="cpu")
        assert v.decode == Vad(folder / "final.pt", device="cpu").decode          # its own decode.yaml
        a, b = v.run(x, 8000), v.run(pcm, 8000)
        assert np.abs(a.probs - b.probs).max() < 1e-3 and a.segments == b.segments


def test_an_ensemble_ships_with_every_member_halved(tmp_path, monkeypatch):
    from vadkit.models import ensemble
    monkeypatch.chdir(tmp_path)
    feats = [compute_features(toy_recording(np.random.default_rng(3), 6.0)[0], 8000, FeatureConfig())]
    members = []
    for k in (1, 2):
        members.append(make_model_dir(tmp_path / f"exp/pair_seed{k}", bidirectional=True, seed=0))
        torch.manual_seed(k)   # same stats (seed 0's recording), other weights
        ck = torch.load(members[-1] / "final.pt", weights_only=True)
        ck["model_state"] = {n: torch.randn_like(v) * 0.3 for n, v in ck["model_state"].items()}
        torch.save(ck, members[-1] / "final.pt")
        io.write_json(members[-1] / "history.json", [{"epoch": e, "seconds": 30.0 * k} for e in (1, 2)])
    ensemble.make_ensemble(members, tmp_path / "exp/pair")
    decode = DecodeConfig(threshold=0.4)
    card = pretrained.card_text(tmp_path / "exp/pair", "pair", decode, "## Training\nthe notes")
    assert "- Network: the mean of 2 networks' speech probabilities, each a 1-layer bidirectional LSTM" in card
    assert "- Trained 2 epochs each (2 trainings), 3 min in all; " in card
    done = pretrained.package(tmp_path / "exp/pair", tmp_path / "shipped/pair", decode, feats, card)
    ck = torch.load(tmp_path / "shipped/pair/final.pt", weights_only=True)
    assert done["precision"] == "float16" and len(ck["members"]) == 2
    assert all(v.dtype == torch.float16 for m in ck["members"] for v in m["model_state"].values())
    a = TrainedModel(tmp_path / "exp/pair", "cpu").probs(feats)[0]
    b = TrainedModel(tmp_path / "shipped/pair", "cpu").probs(feats)[0]
    assert np.abs(a - b).max() <= pretrained.HALF_TOLERANCE and np.abs(a - b).max() > 0
    assert Vad(tmp_path / "shipped/pair", chunk_s=None).decode.threshold == 0.4


def test_a_shipped_model_packaged_again_says_its_training_log_is_gone(shipped, tmp_path):
    exp, _, _ = shipped[pretrained.OFFLINE]
    again = tmp_path / "again"                    # a shipped final.pt alone, as when re-tuning its operating point
    again.mkdir()
    (again / "final.pt").write_bytes((pretrained.ROOT / pretrained.OFFLINE / "final.pt").read_bytes())
    card = pretrained.card_text(again, "again", DecodeConfig(), "notes")
    assert "Packaged again from its final.pt, whose training log was not kept" in card
    assert "- Trained 1 epochs, 1 min; the epoch kept" in pretrained.card_text(exp, "x", DecodeConfig(), "notes")
