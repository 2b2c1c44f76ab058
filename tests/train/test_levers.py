"""Options for real speech (issue 7): log-mel features, per-file and sliding CMVN, the CRNN, SpecAugment,
checkpoint averaging.

Each default leaves the built-in recipe as it was; these tests check the options do what they say."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from vadkit import config
from vadkit.config import ExperimentConfig, FeatureConfig, ModelConfig, TrainConfig
from vadkit.errors import InputError
from vadkit.features.extract import FeatureStream, compute_features, feature_dim, log_mel
from vadkit.features.norm import NormStats, normalise
from vadkit.models.checkpoint import TrainedModel
from vadkit.models.networks import build_model
from vadkit.train import augment, training

from builders import make_model_dir, toy_recording
from conftest import ROOT


# ---------------------------------------------------------------- log-mel features
@pytest.mark.badinput
def test_logmel_features_are_the_floored_bands_plus_deltas():
    x, _ = toy_recording(np.random.default_rng(0), 3.0)
    cfg = FeatureConfig(kind="logmel", n_mels=48)
    f = compute_features(x, 8000, cfg)
    lm = log_mel(x, 8000, cfg)
    assert f.shape == (len(lm), 48 * 3) == (len(lm), feature_dim(cfg))
    np.testing.assert_allclose(f[:, :48], np.maximum(lm, lm.max() - 80.0), rtol=1e-6)
    assert not np.allclose(compute_features(x, 8000, FeatureConfig())[:, :20], f[:, :20])   # mfcc differs
    with pytest.raises(InputError, match="kind must be mfcc, logmel, pcen or mfcc_pcen"):
        config.from_dict(FeatureConfig, {"kind": "plp"})


def test_logmel_stream_equals_whole_signal():
    x, _ = toy_recording(np.random.default_rng(1), 4.0)
    x[:800] += 0.5 * np.sin(np.arange(800) * 0.3).astype(np.float32)   # loudest first: the same dB floor
    cfg = FeatureConfig(kind="logmel")
    fs, rows, rng, i = FeatureStream(8000, cfg), [], np.random.default_rng(2), 0
    while i < len(x):
        n = int(rng.integers(50, 1500))
        rows.append(fs.push(x[i:i + n]))
        i += n
    rows.append(fs.flush())
    np.testing.assert_allclose(np.concatenate(rows), compute_features(x, 8000, cfg), rtol=1e-5, atol=1e-4)


# ---------------------------------------------------------------- CMVN
@pytest.mark.badinput
def test_file_and_sliding_cmvn():
    rng = np.random.default_rng(0)
    f = (rng.standard_normal((500, 4)) * [1, 2, 3, 4] + [10, -5, 0, 3]).astype(np.float32)
    stats = NormStats.accumulate([f * 2])
    np.testing.assert_array_equal(normalise(f, stats), stats.apply(f))
    g = normalise(f, stats, "file")
    np.testing.assert_allclose(g.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(g.std(0), 1, atol=1e-4)
    s = normalise(f, stats, "sliding", window=50)
    for t in (0, 10, 49, 50, 300, 499):
        w = f[max(0, t - 49):t + 1].astype(np.float64)
        want = (f[t] - w.mean(0)) / np.sqrt(np.maximum(w.var(0), 1e-10))
        np.testing.assert_allclose(s[t], want, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(normalise(f + 100, stats, "sliding", 50), s, atol=1e-3)  # offset-free
    with pytest.raises(InputError, match="unknown cmvn mode"):
        normalise(f, stats, "utterance")


@pytest.mark.badinput
def test_per_file_cmvn_model_decodes_and_tools_refuse(tmp_path):
    x, _ = toy_recording(np.random.default_rng(4), 6.0)
    feats = compute_features(x, 8000, FeatureConfig())
    glob = TrainedModel(make_model_dir(tmp_path / "g", seed=1), device="cpu")
    per_file = TrainedModel(make_model_dir(tmp_path / "f", seed=1, cmvn="file"), device="cpu")
    assert glob.cmvn == "global" and per_file.cmvn == "file"
    shifted = feats + np.float32(7.0)                     # a level change moves every cepstral mean
    np.testing.assert_allclose(per_file.probs([shifted])[0], per_file.probs([feats])[0], atol=1e-4)
    assert np.abs(glob.probs([shifted])[0] - glob.probs([feats])[0]).max() > 1e-3
    from vadkit import StreamingVad, Vad
    from vadkit.tool import export
    for make in (lambda: Vad(per_file), lambda: StreamingVad(per_file),
                 lambda: export.export(tmp_path / "f", tmp_path / "out")):
        with pytest.raises(InputError, match="cmvn: file.*steps/decode.sh"):
            make()


# ---------------------------------------------------------------- CRNN
def test_crnn_subsamples_and_upsamples_to_the_frame_grid():
    cfg = config.load(ROOT / "conf/crnn.yaml", ExperimentConfig).model
    torch.manual_seed(0)
    m = build_model(cfg).eval()
    with torch.no_grad():
        out = m(torch.randn(3, 41, cfg.input_dims))
    assert out.shape == (3, 41)
    assert torch.equal(out[:, 0:40:2], out[:, 1:40:2])              # one LSTM step per 2 frames
    assert not torch.equal(out[:, 0:40:2], out[:, 2:41:2][:, :20])
    bi = build_model(ModelConfig(arch="crnn", input_dims=7, hidden_size=8, bidirectional=True)).eval()
    a, b = torch.randn(1, 30, 7), torch.randn(1, 50, 7)
    batch = torch.zeros(2, 50, 7)
    batch[0, :30], batch[1] = a[0], b[0]
    with torch.no_grad():
        padded = bi(batch, torch.tensor([30, 50]))
        np.testing.assert_allclose(padded[0, :30], bi(a)[0], atol=1e-5)   # padding cannot reach back
        np.testing.assert_allclose(padded[1], bi(b)[0], atol=1e-5)


@pytest.mark.badinput
def test_crnn_in_vad_chunks_equals_one_pass_and_stream_export_refuse(tmp_path):
    from vadkit import StreamingVad, Vad
    from vadkit.tool import export
    mdir = make_model_dir(tmp_path / "crnn", arch="crnn", hidden=12)
    tm = TrainedModel(mdir, device="cpu")
    x, _ = toy_recording(np.random.default_rng(7), 12.0)
    ref = tm.probs([compute_features(x, 8000, tm.feature_config)])[0]
    for chunk_s, tol in ((None, 1e-5), (20.0, 1e-5), (1.0, 1e-3)):   # short chunks: the README's tolerance
        got = Vad(tm, chunk_s=chunk_s, context_s=0.5, batch_size=3, block_s=2.0).probs(x, 8000)
        assert got.shape == ref.shape and np.abs(got - ref).max() < tol, chunk_s
    with pytest.raises(InputError, match="crnn.*StreamingVad does not support it"):
        StreamingVad(tm)
    with pytest.raises(InputError, match="crnn.*export does not support it"):
        export.export(mdir, tmp_path / "out")


def test_crnn_trains_and_decodes(sets, tmp_path):  # noqa: F811
    cfg = ExperimentConfig(ModelConfig(arch="crnn", hidden_size=12, conv_channels=4),
                           TrainConfig(epochs=2, steps_per_epoch=3, batch_size=8, segment_frames=101))
    training.run(cfg, sets["train"], sets["dev"], tmp_path / "crnn")
    tm = TrainedModel(tmp_path / "crnn", device="cpu")
    from vadkit.features import cache
    feats, _, _ = cache.load(sets["dev"])
    p = tm.probs([feats[k] for k in sorted(feats)])
    assert [len(a) for a in p] == [len(feats[k]) for k in sorted(feats)]


# ---------------------------------------------------------------- SpecAugment
def test_spec_augment_masks_and_is_seeded():
    x = np.ones((4, 100, 20), np.float32)
    cfg = TrainConfig(specaug=True, specaug_time_masks=2, specaug_time_width=10, specaug_freq_masks=1,
                      specaug_freq_width=5)
    y = augment.spec_augment(np.random.default_rng(0), x, cfg)
    assert np.array_equal(x, np.ones_like(x))                       # a copy
    assert np.array_equal(y, augment.spec_augment(np.random.default_rng(0), x, cfg))
    assert not np.array_equal(y, augment.spec_augment(np.random.default_rng(1), x, cfg))
    for seg in y:
        zero_t = np.all(seg == 0, axis=1).sum()
        zero_f = np.all(seg == 0, axis=0).sum()
        assert zero_t <= 20 and zero_f <= 5
        assert set(np.unique(seg)) <= {0.0, 1.0}
    assert (y == 0).mean() > 0.05
    off = TrainConfig(specaug_time_width=0, specaug_freq_width=0)
    assert np.array_equal(augment.spec_augment(np.random.default_rng(0), x, off), x)
    assert TrainConfig().specaug is False and TrainConfig().cmvn == "global"


def test_spec_augment_changes_training_but_not_batches(sets, tmp_path):  # noqa: F811
    def run(name, **kw):
        cfg = ExperimentConfig(ModelConfig(hidden_size=8),
                               TrainConfig(epochs=1, steps_per_epoch=3, batch_size=8, segment_frames=100, **kw))
        training.run(cfg, sets["train"], sets["dev"], tmp_path / name)
        return torch.load(tmp_path / name / "final.pt", weights_only=True)["model_state"]
    plain, again, aug = run("a"), run("b"), run("c", specaug=True)
    assert all(torch.equal(plain[k], again[k]) for k in plain)
    assert not all(torch.equal(plain[k], aug[k]) for k in plain)


def test_noise_only_recordings_carry_their_loss_weight():
    """noise_only_weight: frames of a train recording without speech weigh that much in the mask; the rest 1;
    padding 0."""
    feats = [np.zeros((50, 3), np.float32), np.ones((400, 3), np.float32)]
    labels = [np.zeros(50, np.float32), np.r_[np.zeros(200), np.ones(200)].astype(np.float32)]
    s = training._Sets(None, feats, labels, [], [], None, train_speech=[False, True])
    sampler = training._sampler(s, TrainConfig(noise_only_weight=3.0, segment_frames=100, batch_size=64))
    x, _, mask = sampler.batch(np.random.default_rng(0))
    quiet = x[:, 0, 0] == 0                                   # segments of the noise-only recording
    assert quiet.any() and (~quiet).any()
    assert np.all(mask[quiet, :50] == 3.0) and np.all(mask[quiet, 50:] == 0) and np.all(mask[~quiet] == 1.0)

    assert np.all(training._sampler(s, TrainConfig(segment_frames=100, batch_size=64)).batch(
        np.random.default_rng(0))[2][quiet, :50] == 1.0)                        # the default: no weighting
    for bad in (-1.0, 0.0):
        with pytest.raises(ValueError, match="noise_only_weight must be > 0"):
            TrainConfig(noise_only_weight=bad)


# ---------------------------------------------------------------- distillation
def test_distilled_targets_mix_labels_and_teacher():
    y = [np.array([0, 0.25, 1], np.float32), np.array([[1, 1], [0, 1]], np.float32)]
    p = [np.array([0.2, 0.6, 0.9], np.float32), np.array([0.5, 0.1], np.float32)]
    out = augment.distilled_set(y, p, 0.4)
    np.testing.assert_allclose(out[0], [0.08, 0.39, 0.96], rtol=1e-6)
    np.testing.assert_allclose(out[1], [[0.8, 1], [0.04, 1]], rtol=1e-6)   # the turn column keeps its labels
    assert y[1][0, 0] == 1                                                 # the input is not changed
    for bad in (0.0, 1.5):
        with pytest.raises(ValueError, match="teacher_weight"):
            TrainConfig(teacher="silero", teacher_weight=bad)
    with pytest.raises(ValueError, match="teacher must be silero, ten"):
        TrainConfig(teacher="webrtc3")


def _teacher_decode(sets, exp_root, probs_of=lambda y: np.full(len(y), 0.75, np.float32), **stamp):
    """A finished decode of the toy train set as a public VAD's would be (layout of local/decode_baseline.py)."""
    from vadkit.config import DecodeConfig
    from vadkit.decode import decoding
    from vadkit.features import cache
    _, labels, _ = cache.load(sets["train"])
    d = exp_root / "baseline_silero" / f"decode_{sets['train'].name}"
    d.mkdir(parents=True)
    sig = {"model": "baseline_silero", "data": str(sets["train"]),
           "data_cache": (sets["train"] / cache.MARKER).read_text(), **stamp}
    decoding.finish(d, sets["train"], {k: probs_of(y) for k, y in labels.items()}, DecodeConfig(), sig)
    return d


def test_training_with_a_teacher_reads_its_probabilities(sets, tmp_path):  # noqa: F811
    """train.teacher: the targets are the labels' mixed with the teacher's decode of the train set, found beside
    the exp dir by default; noise-only recordings keep their weight; the teacher dir is part of the config."""
    cfg = ExperimentConfig(ModelConfig(hidden_size=8), TrainConfig(epochs=1, steps_per_epoch=2, batch_size=8,
                                                                   segment_frames=100, teacher="silero",
                                                                   teacher_weight=0.4))
    with pytest.raises(InputError, match="no finished decode .* local/decode_baseline.py silero"):
        training.run(cfg, sets["train"], sets["dev"], tmp_path / "kd")
    teacher = _teacher_decode(sets, tmp_path)
    sets_kd = training._load_sets(cfg, sets["train"], sets["dev"], training.default_teacher_dir(
        tmp_path / "kd", sets["train"], "silero"))
    plain = training._load_sets(ExperimentConfig(cfg.model, TrainConfig()), sets["train"], sets["dev"])
    for a, b in zip(sets_kd.train_y, plain.train_y):
        np.testing.assert_allclose(a, 0.6 * b + 0.3, rtol=1e-6)
    assert sets_kd.train_speech == plain.train_speech and any(plain.train_speech)
    training.run(cfg, sets["train"], sets["dev"], tmp_path / "kd")
    import yaml
    assert yaml.safe_load((tmp_path / "kd/config.yaml").read_text())["data"]["teacher"] == str(teacher)
    assert (tmp_path / "kd/final.pt").is_file()


@pytest.mark.badinput
def test_a_teacher_decode_of_other_data_is_refused(sets, tmp_path):  # noqa: F811
    cfg = ExperimentConfig(ModelConfig(hidden_size=8), TrainConfig(epochs=1, steps_per_epoch=1, batch_size=4,
                                                                   teacher="silero"))
    _teacher_decode(sets, tmp_path / "a", data="data/other")
    with pytest.raises(InputError, match="decoded by baseline_silero from data/other"):
        training.run(cfg, sets["train"], sets["dev"], tmp_path / "a" / "kd")
    _teacher_decode(sets, tmp_path / "b", data_cache="old")
    with pytest.raises(InputError, match="before .* features were last cached"):
        training.run(cfg, sets["train"], sets["dev"], tmp_path / "b" / "kd")
    _teacher_decode(sets, tmp_path / "c", probs_of=lambda y: np.zeros(len(y) - 1, np.float32))
    with pytest.raises(InputError, match="do not match the frames of 6 train recordings"):
        training.run(cfg, sets["train"], sets["dev"], tmp_path / "c" / "kd")


@pytest.mark.badinput
def test_final_model_averages_the_last_epochs(sets, tmp_path):  # noqa: F811
    def run(name, **kw):
        cfg = ExperimentConfig(ModelConfig(hidden_size=8),
                               TrainConfig(epochs=3, steps_per_epoch=2, batch_size=8, segment_frames=100, **kw))
        training.run(cfg, sets["train"], sets["dev"], tmp_path / name)
        return torch.load(tmp_path / name / "final.pt", weights_only=True)
    final = run("avg", select_on="last", average_epochs=2)
    ckpt = {e: torch.load(tmp_path / f"avg/checkpoints/epoch-{e}.pt", weights_only=True)["model"] for e in (2, 3)}
    assert final["epoch"] == 3 and final["epochs_averaged"] == [2, 3]
    for k, v in final["model_state"].items():
        assert torch.allclose(v, (ckpt[2][k] + ckpt[3][k]) / 2, atol=1e-7), k
        assert not torch.equal(v, ckpt[3][k]), k
    assert final["dev"]["loss"] > 0                       # the averaged model's own dev score
    last = run("last", select_on="last")                  # one epoch: the last one's weights as they are
    assert last["epochs_averaged"] == [3, 3] and all(torch.equal(last["model_state"][k], ckpt[3][k]) for k in ckpt[3])
    many = run("many", select_on="last", average_epochs=10)   # more than were trained: all of them
    assert many["epochs_averaged"] == [1, 3]
    with pytest.raises(ValueError, match="average_epochs"):
        TrainConfig(average_epochs=0)
    with pytest.raises(ValueError, match="select_on"):
        TrainConfig(select_on="best")


def test_caches_and_models_made_before_the_new_keys_stay_valid(sets, tmp_path):  # noqa: F811
    import yaml

    from vadkit.features import cache
    marker = sets["train"] / cache.MARKER
    saved = marker.read_text()
    try:
        done = yaml.safe_load(saved)
        del done["features"]["kind"]
        marker.write_text(yaml.safe_dump(done))
        assert cache.is_up_to_date(sets["train"], FeatureConfig(), done["format"])
        assert not cache.is_up_to_date(sets["train"], FeatureConfig(kind="logmel"), done["format"])
    finally:
        marker.write_text(saved)
    cfg = ExperimentConfig(ModelConfig(hidden_size=8), TrainConfig(epochs=1, steps_per_epoch=1, batch_size=4))
    training.run(cfg, sets["train"], sets["dev"], tmp_path / "m")
    cfg_file = tmp_path / "m/config.yaml"
    old = yaml.safe_load(cfg_file.read_text())
    for k in ("cmvn", "cmvn_window_frames", "specaug"):
        del old["train"][k]
    del old["model"]["subsample"]
    cfg_file.write_text(yaml.safe_dump(old))
    training.run(cfg, sets["train"], sets["dev"], tmp_path / "m")           # same training: no error
    with pytest.raises(InputError, match="trained with another config"):
        training.run(ExperimentConfig(cfg.model, TrainConfig(epochs=1, steps_per_epoch=1, batch_size=4, specaug=True)),
                  sets["train"], sets["dev"], tmp_path / "m")
