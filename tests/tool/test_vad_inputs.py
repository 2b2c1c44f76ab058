"""Vad's in-memory input rules: integer PCM, the channel axis, rates, empty and non-finite arrays."""
import numpy as np
import pytest

from vadkit import Vad
from vadkit.config import DecodeConfig, ExperimentConfig, ModelConfig, TrainConfig
from vadkit.errors import InputError
from vadkit.tool.vad import as_mono
from vadkit.train import training

from builders import make_model_dir, toy_recording


@pytest.fixture(scope="module")
def vad(tmp_path_factory):
    return Vad(make_model_dir(tmp_path_factory.mktemp("m") / "uni"), device="cpu")


@pytest.fixture(scope="module")
def audio():
    x, _ = toy_recording(np.random.default_rng(5), 12.0)
    return x


def test_int16_and_float_give_the_same_segments(sets, tmp_path, audio):
    cfg = ExperimentConfig(ModelConfig(hidden_size=16), TrainConfig(epochs=5, steps_per_epoch=30, batch_size=8,
                                                                     segment_frames=100))
    training.run(cfg, sets["train"], sets["dev"], tmp_path / "m")    # a model that tells the toy speech apart
    v = Vad(tmp_path / "m", DecodeConfig(threshold=0.5, median_frames=11, min_speech_ms=100, min_silence_ms=400),
            device="cpu")
    pcm = np.round(np.clip(audio, -1, 1) * 32767).astype(np.int16)   # what scipy.io.wavfile.read returns
    a, b = v.run(audio, 8000), v.run(pcm, 8000)
    assert np.abs(a.probs - b.probs).max() < 1e-3 and len(a.segments) > 0
    assert b.segments == a.segments


@pytest.mark.parametrize("dtype,value,expected", [(np.int16, -32768, -1.0), (np.int16, 16384, 0.5),
                                                   (np.int32, 2 ** 30, 0.5), (np.uint8, 128, 0.0),
                                                   (np.uint8, 0, -1.0), (np.int8, 64, 0.5)])
def test_integer_pcm_is_scaled_by_its_type(dtype, value, expected):
    assert as_mono(np.full(4, value, dtype))[0] == pytest.approx(expected)


@pytest.mark.badinput
def test_the_channel_axis_comes_from_the_shape(vad, audio):
    mono = vad.run(audio, 8000)
    for stereo in (np.stack([audio, audio], axis=1), np.stack([audio, audio])):   # (n, 2) and (2, n)
        r = vad.run(stereo, 8000)
        assert r.segments == mono.segments and r.duration_s == mono.duration_s
    for shape in ((4, 4), (200, 300)):
        with pytest.raises(InputError, match=r"does not say which axis holds the channels"):
            vad.run(np.zeros(shape, np.float32), 8000)
    with pytest.raises(InputError, match=r"must be \(samples,\) or \(samples, channels\), got shape \(2, 3, 4\)"):
        vad.run(np.zeros((2, 3, 4), np.float32), 8000)


@pytest.mark.badinput
@pytest.mark.parametrize("rate", [0, -8000, 8000.5, "8k", None, True])
def test_bad_rates_are_one_clear_error(vad, audio, rate):
    with pytest.raises(InputError, match="sample_rate_hz must be a positive whole number"):
        vad.run(audio, rate)
    with pytest.raises(InputError, match="sample_rate_hz must be a positive whole number"):
        vad.probs(audio, rate)


@pytest.mark.badinput
def test_empty_non_finite_and_non_audio_arrays(vad, audio):
    with pytest.raises(InputError, match="talk: empty signal"):
        vad.run(np.zeros(0, np.float32), 8000, name="talk")
    bad = audio.copy()
    bad[100] = np.nan
    with pytest.raises(InputError, match="NaN or infinite samples"):
        vad.run(bad, 8000)
    with pytest.raises(InputError, match="are not audio"):
        vad.run(np.array(["a", "b"]), 8000)
    with pytest.raises(InputError, match="shorter than one 25 ms frame"):
        vad.run(np.zeros(10, np.float32), 8000)
    assert vad.run(np.float64(8000) * 0 + audio.astype(np.float64), 8000.0).segments == vad.run(audio, 8000).segments
