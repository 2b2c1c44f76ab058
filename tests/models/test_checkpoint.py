"""Saving and loading model files (vadkit.models.checkpoint): the same weights give the same bytes; loading takes
weights only, and one line says what a file is."""
import os
import zipfile

import pytest
import torch

from vadkit.errors import InputError
from vadkit.models.checkpoint import TrainedModel, load_checkpoint, save_checkpoint

from builders import make_model_dir


def test_a_final_model_loads_weights_only(tmp_path):
    d = make_model_dir(tmp_path / "m")
    assert TrainedModel(d, device="cpu").model_config.hidden_size == 16
    assert TrainedModel(d / "final.pt", device="cpu").net is not None


def test_the_same_weights_saved_by_two_processes_give_the_same_bytes(tmp_path, monkeypatch):
    ck = torch.load(make_model_dir(tmp_path / "m") / "final.pt", weights_only=True)
    for pid, d in ((111, "a"), (222, "b")):   # the temporary names hold the writer's pid
        monkeypatch.setattr(os, "getpid", lambda pid=pid: pid)
        save_checkpoint(ck, tmp_path / d / "final.pt")
    assert (tmp_path / "a/final.pt").read_bytes() == (tmp_path / "b/final.pt").read_bytes()
    assert all(n.startswith("archive/") for n in zipfile.ZipFile(tmp_path / "a/final.pt").namelist())
    assert load_checkpoint(tmp_path / "a/final.pt")["model_config"] == ck["model_config"]


@pytest.mark.badinput
def test_files_that_are_not_final_models_are_named(tmp_path):
    d = make_model_dir(tmp_path / "m")
    ck = torch.load(d / "final.pt", weights_only=True)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "trunc.pt").write_bytes((d / "final.pt").read_bytes()[:500])
    (bad / "random.pt").write_bytes(os.urandom(2000))
    torch.save({"model": ck["model_state"], "optimizer": {}, "epoch": 3, "history": []}, bad / "epoch-3.pt")
    torch.save({"weights": 1}, bad / "other.pt")
    torch.save({**ck, "model_config": {**ck["model_config"], "hidden_size": 32}}, bad / "mismatch.pt")

    class Evil:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))
    torch.save({"x": Evil()}, bad / "evil.pt")
    cases = {"trunc.pt": "not a model file of this recipe, or damaged",
             "random.pt": "not a model file of this recipe, or damaged",
             "epoch-3.pt": r"a training checkpoint \(checkpoints/epoch-N.pt\), not a final model; pass exp/<model>/",
             "other.pt": r"not a trained model \(final.pt\) of this recipe \(missing model_state",
             "mismatch.pt": "its weights do not fit its model config",
             "evil.pt": "not a model file of this recipe, or damaged"}
    for name, msg in cases.items():
        with pytest.raises(InputError, match=msg):
            TrainedModel(bad / name, device="cpu")
    assert not (tmp_path / "pwned").exists()          # nothing in a shared file runs
    with pytest.raises(InputError, match="a final model, not a training checkpoint"):
        load_checkpoint(d / "final.pt", "epoch")
    with pytest.raises(InputError, match="no trained model here"):
        TrainedModel(tmp_path / "nothing", device="cpu")
