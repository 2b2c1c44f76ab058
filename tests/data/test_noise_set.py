"""local/prepare_noise_set.py: the dev set's noise files alone as a data dir (no speech), at the recipe's rate."""
import re

import numpy as np
import pytest

from vadkit import io
from vadkit.data.datadir import load_data_dir, validate_data_dir

from conftest import run_script


def _noise(path, rate, seconds=2.0, channels=1):
    x = 0.1 * np.random.default_rng(0).standard_normal((int(rate * seconds), channels)).astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    import soundfile as sf
    sf.write(str(path), x if channels > 1 else x[:, 0], rate)
    return path


def test_noise_files_become_a_data_dir_without_speech(tmp_path, monkeypatch, capsys):
    a = _noise(tmp_path / "pool/a/wind.flac", 44100, channels=2)
    b = _noise(tmp_path / "pool/b/wind.wav", 16000)        # the same stem: ids made unique
    c = _noise(tmp_path / "pool/tap water.wav", 8000)
    lst = tmp_path / "noises"
    lst.write_text(f"{a}\n\n{b}\n{c}\n")
    conf = tmp_path / "features.yaml"
    conf.write_text("sample_rate_hz: 16000\n")
    out = tmp_path / "data" / "dev_noise"
    status, err = run_script(monkeypatch, capsys, "local/prepare_noise_set.py", "--config", conf, lst, out)
    assert status == 0, err
    d = load_data_dir(out)
    assert d.rec_ids == ["tap_water", "wind", "wind-2"]
    assert d.regions == {"tap_water": [], "wind": [], "wind-2": []} and (out / "rttm").read_text() == ""
    for rec_id, seconds in d.durations_s.items():
        assert seconds == pytest.approx(2.0, abs=1e-3)
        assert io.audio_info(d.wavs[rec_id])[0] == 16000
    assert d.originals == {"wind": str(a), "tap_water": str(c)}     # public VADs read those at their own rate
    assert str(tmp_path / "data" / "local" / "dev_noise" / "wav") in d.wavs["wind"]
    validate_data_dir(out, 16000)


@pytest.mark.badinput
@pytest.mark.parametrize("case,message", [
    ("no_list", "no such list; run stage 0"), ("empty_list", "names no noise file"),
    ("absent_file", "names .*gone.wav, which is not there"), ("empty_audio", "empty.wav: audio is empty")])
def test_a_bad_noise_list_names_the_file_and_writes_nothing(tmp_path, monkeypatch, capsys, case, message):
    lst = tmp_path / "noises"
    if case == "empty_list":
        lst.write_text("\n")
    elif case == "absent_file":
        lst.write_text(f"{_noise(tmp_path / 'ok.wav', 16000)}\n{tmp_path / 'gone.wav'}\n")
    elif case == "empty_audio":
        lst.write_text(f"{_noise(tmp_path / 'empty.wav', 16000, seconds=0)}\n")
    out = tmp_path / "data" / "dev_noise"
    status, err = run_script(monkeypatch, capsys, "local/prepare_noise_set.py", lst, out)
    assert status == 1 and len(re.findall(message, err)) == 1
    assert not (out / "wav.scp").exists()


def test_a_telephone_copy_goes_through_the_channel(tmp_path, monkeypatch, capsys):
    lst = tmp_path / "noises"
    lst.write_text(f"{_noise(tmp_path / 'pool/hiss.flac', 44100)}\n")
    conf = tmp_path / "features.yaml"
    conf.write_text("sample_rate_hz: 16000\n")
    out = tmp_path / "data" / "dev_noise_tel"
    status, err = run_script(monkeypatch, capsys, "local/prepare_noise_set.py", "--config", conf, "--telephone",
                             "mulaw", lst, out)
    assert status == 0, err
    d = load_data_dir(out)
    x, rate = io.read_audio(d.wavs["hiss"])
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / rate)
    assert rate == 16000 and spectrum[freqs > 4500].sum() < 0.01 * spectrum.sum()   # white noise, now band-limited
    assert d.originals == {}                     # public VADs read the channel's copy, as for ami_dev_tel
