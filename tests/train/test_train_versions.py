"""A train set mixed K times (reco2version; the mix corpus's train_versions): training reads version
(epoch - 1) mod K in each epoch, and a run resumed across a version change equals an uninterrupted one."""
from __future__ import annotations

import logging

import pytest
import torch
from builders import FEATS, make_toy_data_dir
from test_determinism import assert_same_training
from test_train_decode import small_cfg

from vadkit import io
from vadkit.features import cache
from vadkit.train import training


@pytest.fixture(scope="module")
def versioned(tmp_path_factory, sets):
    """data/train with 6 recordings, 3 in version 0 and 3 in version 1 (a reco2version written before stage 2)."""
    d = make_toy_data_dir(tmp_path_factory.mktemp("versions") / "train", 6, dur_s=8.0, seed=5)
    io.write_table(d / "reco2version", {f"train_{i:03d}": str(i // 3) for i in range(6)})
    cache.make_part(d, FEATS, "ark")
    cache.merge_parts(d, FEATS, "ark")
    return d


def test_each_epoch_reads_its_version(versioned, sets, tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="vadkit.train.training"):
        training.run(small_cfg(epochs=3), versioned, sets["dev"], tmp_path / "v")
    said = [r.getMessage() for r in caplog.records]
    assert any("3 train recordings" in m and "each of 2 versions" in m for m in said)
    assert [m for m in said if "train version" in m] == ["epoch 2: train version 1 (3 recordings)",
                                                          "epoch 3: train version 0 (3 recordings)"]
    # the same data without reco2version trains on all 6 recordings each epoch: another model
    plain = tmp_path / "plain"
    training.run(small_cfg(epochs=3), _without_versions(versioned, tmp_path / "data"), sets["dev"], plain)
    w_v, w_p = (torch.load(d / "final.pt", weights_only=True)["model_state"] for d in (tmp_path / "v", plain))
    assert any(not torch.equal(w_v[k], w_p[k]) for k in w_v)


def test_resume_across_a_version_change_is_exact(versioned, sets, tmp_path):
    full, cut = tmp_path / "full", tmp_path / "cut"
    training.run(small_cfg(epochs=3), versioned, sets["dev"], full)
    training.run(small_cfg(epochs=1), versioned, sets["dev"], cut)   # killed after epoch 1 (version 0)
    for name in ("final.pt", "config.yaml"):
        (cut / name).unlink()
    training.run(small_cfg(epochs=3), versioned, sets["dev"], cut)   # resumes at epoch 2: version 1
    assert_same_training(full, cut)


def _without_versions(d, dest):
    import shutil
    out = dest / "train"
    shutil.copytree(d, out)
    (out / "reco2version").unlink()
    return out
