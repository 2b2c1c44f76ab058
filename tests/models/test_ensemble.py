"""Ensembles (steps/make_ensemble.py): one model dir whose probabilities are the members' mean."""
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch

from vadkit.config import DecodeConfig
from vadkit.errors import InputError
from vadkit.features.extract import features_of_file
from vadkit.models import ensemble
from vadkit.models.checkpoint import TrainedModel
from vadkit.tool import export

from builders import make_model_dir, reweighted, toy_recording
from conftest import ROOT, child_env


@pytest.fixture(scope="module")
def members(tmp_path_factory):
    d = tmp_path_factory.mktemp("members")
    a = make_model_dir(d / "uni")
    return {"uni": a, "uni60": reweighted(a, d / "uni60", 1, input_dims=60),
            "bi": reweighted(a, d / "bi", 2, bidirectional=True)}


def test_probs_are_the_members_mean_in_decode_and_vad(members, wav, tmp_path):
    from vadkit import Vad
    ms = [members[k] for k in ("uni", "uni60", "bi")]
    assert ensemble.make_ensemble(ms, tmp_path / "ens")
    ens = TrainedModel(tmp_path / "ens")
    assert ens.model_config.input_dims == 60 and ens.model_config.bidirectional   # the widest, and any look-ahead
    assert ens.members == [str(m / "final.pt") for m in ms]
    f = features_of_file(str(wav), ens.feature_config)
    each = [TrainedModel(m).probs([f])[0] for m in ms]
    assert min(np.abs(a - b).max() for a in each for b in each if a is not b) > 1e-3  # the members differ
    want = np.mean(each, axis=0)
    assert np.abs(ens.probs([f])[0] - want).max() < 1e-5
    assert np.abs(Vad(tmp_path / "ens", DecodeConfig(), chunk_s=None).run_file(wav).probs - want).max() < 1e-5


def test_unidirectional_members_stream(members, tmp_path):
    from vadkit import StreamingVad, Vad
    ensemble.make_ensemble([members["uni"], members["uni60"]], tmp_path / "ens")
    x, _ = toy_recording(np.random.default_rng(5), 12.0)
    x[:4000] += 0.5 * np.sin(np.arange(4000) * 0.3).astype(np.float32)  # loudest first: the same dB floor
    cfg = DecodeConfig(threshold=0.5)
    offline = Vad(tmp_path / "ens", cfg, chunk_s=None).run(x, 8000).probs
    sv = StreamingVad(tmp_path / "ens", cfg)
    streamed = np.concatenate([sv.feed(x[i:i + 700]).probs for i in range(0, len(x), 700)] + [sv.flush().probs])
    assert streamed.shape == offline.shape and np.abs(streamed - offline).max() < 1e-5


def test_rerun_skips_until_a_member_changes(members, tmp_path):
    m2 = reweighted(members["uni"], tmp_path / "m2", 7)
    ms, out = [m2, members["bi"]], tmp_path / "ens"
    assert ensemble.make_ensemble(ms, out)
    before = (out / "final.pt").stat().st_mtime_ns
    assert not ensemble.make_ensemble(ms, out)
    assert (out / "final.pt").stat().st_mtime_ns == before
    reweighted(members["uni"], m2, 8)              # a member retrained
    assert ensemble.make_ensemble(ms, out)
    now = torch.load(out / "final.pt", weights_only=True)["members"][0]["model_state"]
    want = torch.load(m2 / "final.pt", weights_only=True)["model_state"]
    assert all(torch.equal(now[k], want[k]) for k in want)


@pytest.mark.badinput
def test_bad_members_are_refused_naming_the_file(members, tmp_path):
    uni = members["uni"]
    with pytest.raises(InputError, match="two or more"):
        ensemble.make_ensemble([uni], tmp_path / "e")
    with pytest.raises(InputError, match=r"nothing/final.pt: no trained model"):
        ensemble.make_ensemble([uni, tmp_path / "nothing"], tmp_path / "e")
    cases = {"feature config": make_model_dir(tmp_path / "logmel", kind="logmel"),
             "normalisation": make_model_dir(tmp_path / "other_stats", seed=5),
             "lstm models only": reweighted(uni, tmp_path / "crnn", 3, arch="crnn")}
    for what, other in cases.items():
        with pytest.raises(InputError, match=f"{other.name}/final.pt: .*{what}"):
            ensemble.make_ensemble([uni, other], tmp_path / "e")
    assert not (tmp_path / "e").exists()                       # nothing half-written
    ensemble.make_ensemble([uni, members["bi"]], tmp_path / "ens")
    with pytest.raises(InputError, match="already an ensemble; list its members"):
        ensemble.make_ensemble([tmp_path / "ens", uni], tmp_path / "e")
    wide = reweighted(uni, tmp_path / "wide", 5, hidden_size=32)   # one h0/c0 cannot hold both states
    ensemble.make_ensemble([uni, wide], tmp_path / "ens_wide")
    with pytest.raises(InputError, match="ens_wide/final.pt: a streaming ensemble whose members differ in layers "
                       "or hidden size cannot share one h0/c0"):
        export.export(tmp_path / "ens_wide", tmp_path / "export")
    assert not (tmp_path / "export").exists()
    late = reweighted(uni, tmp_path / "late", 4, label_delay=3)   # streams would get frames at different times
    with pytest.raises(InputError, match=r"different label delays \(0, 3\); ensemble streaming models of one"):
        ensemble.make_ensemble([uni, late], tmp_path / "e")
    ensemble.make_ensemble([late, members["bi"]], tmp_path / "ens_bi")    # not a stream: any delays
    assert TrainedModel(tmp_path / "ens_bi").model_config.label_delay == 0
    single = tmp_path / "single"   # a trained model's dir (its config.yaml) is never made an ensemble over
    shutil.copytree(uni, single)
    (single / "config.yaml").write_text("model: {}\n")
    with pytest.raises(InputError, match=r"single: holds a trained model.*mv .*single .*single_single"):
        ensemble.make_ensemble([uni, members["bi"]], single)
    assert (single / "final.pt").read_bytes() == (uni / "final.pt").read_bytes()


@pytest.mark.badinput
def test_cli_usage_and_errors(members, tmp_path):
    def cli(*args):
        return subprocess.run([sys.executable, str(ROOT / "steps/make_ensemble.py"), *map(str, args)],
                              capture_output=True, text=True, cwd=ROOT,
                              env=child_env())
    p = cli(members["uni"], tmp_path / "none", tmp_path / "ens")
    assert p.returncode == 1 and "none/final.pt: no trained model" in p.stderr and "Traceback" not in p.stderr
    p = cli(members["uni"], members["bi"], tmp_path / "ens")
    assert p.returncode == 0 and "ensemble of 2 models" in p.stderr
    assert "up to date" in cli(members["uni"], members["bi"], tmp_path / "ens").stderr


def test_mfcc_and_pcen_members_combine_on_both_features(tmp_path):
    """An MFCC and a PCEN member (one front-end each) as one model: kind mfcc_pcen features, each member
    reading its own columns; offline, streamed and exported the mean of the members on their own features."""
    from vadkit import StreamingVad, Vad
    from vadkit.features.extract import compute_features
    ms = [make_model_dir(tmp_path / "mfcc", input_dims=60, hidden=12),
          make_model_dir(tmp_path / "pcen", input_dims=120, kind="pcen", hidden=12, seed=1)]
    assert ensemble.make_ensemble(ms, tmp_path / "ens")
    ens = TrainedModel(tmp_path / "ens")
    assert ens.feature_config.kind == "mfcc_pcen" and ens.model_config.input_dims == 180
    x, _ = toy_recording(np.random.default_rng(5), 12.0)
    x[:4000] += 0.5 * np.sin(np.arange(4000) * 0.3).astype(np.float32)  # loudest first: the same dB floor
    each = [TrainedModel(m).probs([compute_features(x, 8000, TrainedModel(m).feature_config)])[0] for m in ms]
    want = np.mean(each, axis=0)
    assert np.abs(ens.probs([compute_features(x, 8000, ens.feature_config)])[0] - want).max() < 1e-5
    cfg = DecodeConfig(threshold=0.5)
    assert np.abs(Vad(tmp_path / "ens", cfg, chunk_s=None).run(x, 8000).probs - want).max() < 1e-5
    sv = StreamingVad(tmp_path / "ens", cfg)
    streamed = np.concatenate([sv.feed(x[i:i + 700]).probs for i in range(0, len(x), 700)] + [sv.flush().probs])
    assert np.abs(streamed - want).max() < 1e-5
    export.export(tmp_path / "ens", tmp_path / "export")
    net = torch.jit.load(str(tmp_path / "export" / "model.pt"))
    f = torch.from_numpy(compute_features(x, 8000, ens.feature_config))[None]
    h = torch.zeros(2, 1, 12)
    with torch.no_grad():
        assert np.abs(net(f, h, h)[0][0].numpy() - want).max() < 1e-4


@pytest.mark.badinput
def test_mfcc_and_pcen_members_must_agree_on_the_rest(tmp_path):
    m = make_model_dir(tmp_path / "mfcc", input_dims=60, hidden=12)
    p = make_model_dir(tmp_path / "pcen", input_dims=120, kind="pcen", hidden=12)
    ck = torch.load(m / "final.pt", weights_only=True)
    ck["feature_config"]["n_mels"] = 32
    torch.save(ck, m / "final.pt")
    with pytest.raises(InputError, match="mfcc/final.pt: its feature config differs from the other members' in more"):
        ensemble.make_ensemble([m, p], tmp_path / "e")
    assert not (tmp_path / "e").exists()
