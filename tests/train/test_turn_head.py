"""A turn head: a second output trained on turn-level targets, picked at decode time by decode.yaml's head."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from vadkit import config
from vadkit.config import DecodeConfig, ExperimentConfig, FeatureConfig, ModelConfig, TrainConfig
from vadkit.decode import decoding
from vadkit.errors import InputError
from vadkit.features import cache
from vadkit.features.extract import compute_features
from vadkit.models.checkpoint import TrainedModel
from vadkit.models.networks import build_model, use_head
from vadkit.tool import export
from vadkit.tool.streaming import StreamingVad
from vadkit.tool.vad import Vad
from vadkit.train import training
from vadkit.train.augment import graded_targets, target_set, turn_targets

from builders import make_model_dir, toy_recording


def test_turn_targets_fill_inner_pauses_shorter_than_the_gap():
    y = np.array([0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0], np.float32)
    t = turn_targets(y, gap_frames=5)
    assert np.all(t[2:10] == 1)                                  # 1- and 3-frame pauses: speech
    assert np.all(t[10:15] == 0)                                 # 5 frames: not shorter than the gap
    assert np.all(t[:2] == 0) and np.all(t[16:] == 0)            # before the first and after the last speech
    assert np.array_equal(turn_targets(y[:0], 5), y[:0])


def test_target_set_stacks_phrase_and_turn_targets():
    y = [np.array([1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1], np.float32)]
    cfg, fc = TrainConfig(target_gap_ms=50, turn_gap_ms=60), FeatureConfig()   # 5 and 6 frames
    one = target_set(y, cfg, fc, turn_head=False)
    two = target_set(y, cfg, fc, turn_head=True)
    np.testing.assert_array_equal(one[0], graded_targets(y[0], 5, cfg.target_gap_peak))
    assert two[0].shape == (13, 2)
    np.testing.assert_array_equal(two[0][:, 0], one[0])
    np.testing.assert_array_equal(two[0][:, 1], turn_targets(y[0], 6))
    assert two[0][2, 1] == 1 and two[0][2, 0] < 1 and np.all(two[0][5:12, 1] == 0)


@pytest.mark.parametrize("changes", [{}, {"bidirectional": True}, {"label_delay": 3}, {"arch": "crnn"}])
def test_a_turn_head_is_the_second_column_of_one_output_layer(changes):
    torch.manual_seed(0)
    net = build_model(ModelConfig(hidden_size=8, turn_head=True, **changes)).eval()
    x = torch.randn(2, 40, 20)
    with torch.no_grad():
        both = net(x, all_heads=True)
        assert both.shape == (2, 40, 2)
        torch.testing.assert_close(net(x), both[..., 0])            # the phrase head unless told otherwise
        use_head(net, "turn")
        torch.testing.assert_close(net(x), both[..., 1])
        assert not torch.allclose(both[..., 0], both[..., 1])
        if not changes.get("bidirectional") and changes.get("arch") != "crnn":   # streams the head it decodes
            a, s = net.forward_state(x[:, :25])
            b, s = net.forward_state(x[:, 25:], s, final=True)
            torch.testing.assert_close(torch.cat([a, b], 1), both[..., 1])


@pytest.mark.badinput
def test_a_model_without_a_turn_head_refuses_to_decode_one(sets, tmp_path):
    mdir = make_model_dir(tmp_path / "m")
    with pytest.raises(InputError, match=r"m/final.pt has no turn head.*head: phrase"):
        Vad(mdir, DecodeConfig(head="turn"))
    with pytest.raises(InputError, match="no turn head"):
        decoding.decode_part(mdir, sets["dev"], tmp_path / "d", DecodeConfig(head="turn"))
    with pytest.raises(InputError, match="head must be phrase or turn"):
        config.from_dict(DecodeConfig, {"head": "word"})


def test_training_a_turn_head_and_decoding_either_head(sets, tmp_path):
    exp = tmp_path / "blstm_turn"
    cfg = ExperimentConfig(ModelConfig(hidden_size=16, bidirectional=True, turn_head=True),
                           TrainConfig(epochs=2, steps_per_epoch=4, batch_size=8, segment_frames=100, turn_gap_ms=600))
    training.run(cfg, sets["train"], sets["dev"], exp)
    ck = torch.load(exp / "final.pt", weights_only=True)
    assert ck["model_config"]["turn_head"] and ck["model_state"]["output.weight"].shape == (2, 32)
    hist = json.loads((exp / "history.json").read_text())
    assert len(hist) == 2 and all(np.isfinite(h["dev_loss"]) for h in hist)
    tm = TrainedModel(exp, device="cpu")
    assert tm.heads == ("phrase", "turn")
    feats, _, _ = cache.load(sets["dev"])
    ids = sorted(feats)
    phrase = tm.probs([feats[k] for k in ids])
    tm.use_head("turn")
    turn = tm.probs([feats[k] for k in ids])
    for head, want in (("phrase", phrase), ("turn", turn)):
        out = tmp_path / f"decode_{head}"
        dcfg = DecodeConfig(head=head)
        decoding.decode_part(exp, sets["dev"], out, dcfg)
        decoding.merge(exp, sets["dev"], out, dcfg)
        got = decoding.read_probs(out)
        assert all(np.array_equal(got[k], w) for k, w in zip(ids, want))
        assert decoding.decode_config_of(out).head == head
    assert not all(np.array_equal(a, b) for a, b in zip(phrase, turn))


def test_the_tool_streaming_and_export_decode_the_head_decode_yaml_names(tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    mdir = make_model_dir(tmp_path / "m", hidden=16, turn_head=True)
    x, _ = toy_recording(np.random.default_rng(4), 6.0)
    ref = TrainedModel(mdir, device="cpu")
    ref.use_head("turn")
    want = ref.probs([compute_features(x, 8000, ref.feature_config)])[0]
    got = Vad(mdir, DecodeConfig(head="turn"), chunk_s=None).run(x, 8000).probs
    assert np.abs(got - want).max() < 1e-5
    assert np.abs(Vad(mdir, DecodeConfig(), chunk_s=None).run(x, 8000).probs - want).max() > 1e-3
    sv = StreamingVad(mdir, DecodeConfig(head="turn"))
    streamed = np.concatenate([sv.feed(x[:20000]).probs, sv.feed(x[20000:]).probs, sv.flush().probs])
    assert np.abs(streamed - want).max() < 1e-5
    export.export(mdir, tmp_path / "out", ("onnx",), head="turn")
    assert json.loads((tmp_path / "out/features.json").read_text())["head"] == "turn"
    sess = ort.InferenceSession(str(tmp_path / "out/model.onnx"), providers=["CPUExecutionProvider"])
    h = np.zeros((1, 1, 16), np.float32)
    feats = compute_features(x, 8000, ref.feature_config)[None, :, :20]
    assert np.abs(sess.run(None, {"feats": feats, "h0": h, "c0": h})[0][0] - want).max() < 1e-4
