"""Export: TorchScript and ONNX give the PyTorch model's probabilities (onnxruntime within 1e-4)."""
import json

import numpy as np
import pytest
import torch

from vadkit.features.extract import compute_features
from vadkit.models.checkpoint import TrainedModel
from vadkit.tool import export

from builders import make_model_dir, reweighted, toy_recording


@pytest.mark.parametrize("bidirectional", [False, True])
def test_onnx_and_torchscript_equal_pytorch(tmp_path, bidirectional):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    mdir = make_model_dir(tmp_path / "m", bidirectional=bidirectional, hidden=32)
    paths = export.export(mdir, tmp_path / "out")
    assert [p.name for p in paths] == ["model.pt", "model.onnx", "features.json"]
    tm = TrainedModel(mdir, device="cpu")
    x, _ = toy_recording(np.random.default_rng(1), 12.0)
    feats = compute_features(x, 8000, tm.feature_config)[:, :tm.model_config.input_dims]
    ref = tm.probs([compute_features(x, 8000, tm.feature_config)])[0]
    info = json.loads((tmp_path / "out/features.json").read_text())
    sess = ort.InferenceSession(str(tmp_path / "out/model.onnx"), providers=["CPUExecutionProvider"])
    feed = {"feats": feats[None]}
    if not bidirectional:
        h = np.zeros((1, 1, 32), np.float32)
        feed.update(h0=h, c0=h)
    got = sess.run(None, feed)[0][0]
    assert info["inputs"] == list(feed) and got.shape == ref.shape
    assert np.abs(got - ref).max() < 1e-4
    ts = torch.jit.load(str(tmp_path / "out/model.pt"))
    args = [torch.from_numpy(v) for v in feed.values()]
    with torch.no_grad():
        out = ts(*args)
    assert np.abs((out[0] if not bidirectional else out)[0].numpy() - ref).max() < 1e-5
    if not bidirectional:  # the state outputs let it stream: two halves equal one pass
        a = sess.run(None, {"feats": feats[None, :500], "h0": h, "c0": h})
        b = sess.run(None, {"feats": feats[None, 500:], "h0": a[1], "c0": a[2]})
        assert np.abs(np.concatenate([a[0][0], b[0][0]]) - ref).max() < 1e-4


def test_an_ensemble_exports_as_one_graph_giving_its_members_mean(tmp_path):
    """The shipped blstm60 is an ensemble: its export must give what vadkit decodes, read-ahead members
    aligned; a streaming ensemble carries every member's state in one h0/c0."""
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from vadkit.models import ensemble
    uni = make_model_dir(tmp_path / "uni", hidden=16)
    members = {"late60": reweighted(uni, tmp_path / "late60", 1, input_dims=60, label_delay=3),
               "bi": reweighted(uni, tmp_path / "bi", 2, bidirectional=True),
               "uni60": reweighted(uni, tmp_path / "uni60", 3, input_dims=60)}
    x, _ = toy_recording(np.random.default_rng(3), 10.0)
    for name, ms, stream in (("offline", [members["late60"], members["bi"]], False),
                             ("stream", [uni, members["uni60"]], True)):
        ensemble.make_ensemble(ms, tmp_path / name)
        export.export(tmp_path / name, tmp_path / f"{name}_out", formats=("onnx",))
        tm = TrainedModel(tmp_path / name, device="cpu")
        raw = compute_features(x, 8000, tm.feature_config)
        ref = tm.probs([raw])[0]
        feats = raw[None, :, :60].astype(np.float32)
        info = json.loads((tmp_path / f"{name}_out/features.json").read_text())
        assert info["members"] == 2 and info["input_dims"] == 60
        sess = ort.InferenceSession(str(tmp_path / f"{name}_out/model.onnx"), providers=["CPUExecutionProvider"])
        if not stream:
            assert info["inputs"] == ["feats"]
            got = sess.run(None, {"feats": feats})[0][0]
            assert got.shape == ref.shape and np.abs(got - ref).max() < 1e-4
            continue
        h = np.zeros((2, 1, 16), np.float32)   # members x layers
        a = sess.run(None, {"feats": feats[:, :400], "h0": h, "c0": h})
        b = sess.run(None, {"feats": feats[:, 400:], "h0": a[1], "c0": a[2]})
        got = np.concatenate([a[0][0], b[0][0]])
        assert got.shape == ref.shape and np.abs(got - ref).max() < 1e-4


def test_a_label_delay_streams_as_features_json_says(tmp_path):
    """probs[i] is frame i - d; d copies of the last frame give the last d frames: the recipe's numbers."""
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    mdir = make_model_dir(tmp_path / "m", hidden=32, label_delay=4)
    export.export(mdir, tmp_path / "out", formats=("onnx",))
    info = json.loads((tmp_path / "out/features.json").read_text())
    assert info["model_config"]["label_delay"] == 4 and "drop the first 4 outputs" in info["label_delay_doc"]
    tm = TrainedModel(mdir, device="cpu")
    x, _ = toy_recording(np.random.default_rng(2), 6.0)
    raw = compute_features(x, 8000, tm.feature_config)
    feats, ref = raw[:, :tm.model_config.input_dims], tm.probs([raw])[0]
    sess = ort.InferenceSession(str(tmp_path / "out/model.onnx"), providers=["CPUExecutionProvider"])
    h = np.zeros((1, 1, 32), np.float32)
    a = sess.run(None, {"feats": feats[None], "h0": h, "c0": h})
    b = sess.run(None, {"feats": np.repeat(feats[None, -1:], 4, 1), "h0": a[1], "c0": a[2]})
    got = np.concatenate([a[0][0], b[0][0]])[4:]
    assert got.shape == ref.shape and np.abs(got - ref).max() < 1e-4


@pytest.mark.badinput
def test_an_output_file_is_refused_before_anything_is_written(tmp_path):
    import subprocess
    import sys

    from conftest import ROOT
    mdir = make_model_dir(tmp_path / "m")
    (tmp_path / "old.onnx").write_bytes(b"an earlier export")
    for out, what in (("old.onnx", "is a file"), ("new.onnx", "names a file")):
        p = subprocess.run([sys.executable, str(ROOT / "steps/export.py"), str(mdir), str(tmp_path / out)],
                           capture_output=True, text=True, check=False)
        assert p.returncode == 1 and "Traceback" not in p.stderr
        assert p.stderr.strip().splitlines()[-1] == (
            f"export.py: error: {tmp_path / out}: {what}; export writes a folder (model.pt, model.onnx, "
            f"features.json): give a folder, e.g. {tmp_path / 'export'}")
    assert (tmp_path / "old.onnx").read_bytes() == b"an earlier export" and not (tmp_path / "new.onnx").exists()
