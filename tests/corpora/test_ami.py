"""local/prepare_ami.py on a tiny generated RTTM + UEM + audio corpus (the real one is never needed)."""
from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pytest

from vadkit import io
from vadkit.data import datadir
from vadkit.errors import InputError

from builders import make_ami_corpus
from conftest import ROOT

spec = importlib.util.spec_from_file_location("prepare_ami", ROOT / "local/prepare_ami.py")
prepare_ami = importlib.util.module_from_spec(spec)
spec.loader.exec_module(prepare_ami)


@pytest.fixture
def corpus(tmp_path):
    return make_ami_corpus(tmp_path)


def test_prepares_dev_and_test_split_by_meeting(corpus, tmp_path):
    out = tmp_path / "data"
    prepare_ami.main(["--config", str(ROOT / "conf/features.yaml"), str(corpus), str(out)])
    dev = datadir.validate_data_dir(out / "ami_dev", 8000)
    test = datadir.validate_data_dir(out / "ami_test", 8000)
    # meetings: {m1a, m1b} (8 s, shared speaker B), m2 (4 s), s (3 s): longest first, ties to test
    assert test.rec_ids == ["m1a", "m1b"] and dev.rec_ids == ["m2", "s"]
    assert test.regions["m1a"] == [(0.5, 2.5)]                     # overlapping turns merged
    assert test.regions["m1b"] == [(0.0, 0.5), (2.0, 2.5)]         # cropped to the UEM 1.0-3.5 s
    assert test.durations_s["m1b"] == pytest.approx(2.5)
    assert dev.regions["s"] == [(0.2, 1.2)]
    assert io.audio_info(test.wavs["m1b"]) == (8000, 20000)        # resampled to the recipe's rate
    assert str(out / "local" / "ami" / "wav") in test.wavs["m1a"]  # the corpus is only read
    assert io.audio_info(test.originals["m1b"]) == (16000, 40000)  # the same excerpt at its own rate (orig.scp)


def test_telephone_copy_keeps_split_and_labels(corpus, tmp_path):
    out = tmp_path / "data"
    conf = str(ROOT / "conf/features.yaml")
    prepare_ami.main(["--config", conf, "--telephone", "mulaw", str(corpus), str(out)])   # both, one pass
    for name in ("ami_dev", "ami_test"):
        plain, tel = datadir.validate_data_dir(out / name, 8000), datadir.validate_data_dir(out / f"{name}_tel", 8000)
        assert tel.rec_ids == plain.rec_ids and tel.regions == plain.regions
        assert tel.originals == {}   # the telephone copy is the audio a user of it has: no original
        for r in plain.rec_ids:
            assert str(out / "local" / "ami_tel" / "wav") in tel.wavs[r]
            x, _ = io.read_audio(plain.wavs[r], 8000)
            y, _ = io.read_audio(tel.wavs[r], 8000)
            assert len(x) == len(y) and not np.allclose(x, y, atol=1e-4)     # went through the channel
            assert np.corrcoef(x, y)[0, 1] > 0.9                              # ... and is the same audio


def test_any_audio_format_libsndfile_reads(corpus, tmp_path):
    x, rate = io.read_audio(corpus / "lone" / "s.wav")
    (corpus / "lone" / "s.wav").unlink()
    import soundfile as sf
    sf.write(corpus / "lone" / "s.ogg", x, rate)
    prepare_ami.main([str(corpus), str(tmp_path / "data")])
    d = {s: datadir.validate_data_dir(tmp_path / "data" / s) for s in ("ami_dev", "ami_test")}
    assert "s" in d["ami_dev"].rec_ids + d["ami_test"].rec_ids


def test_rttm_and_recording_without_speech_are_warned_about(corpus, tmp_path, caplog):
    import shutil
    ann = corpus / "debug" / "annotations"
    shutil.copy(corpus / "debug" / "wav" / "m2.flac", corpus / "debug" / "wav" / "m3.flac")
    (ann / "x.uem").write_text((ann / "x.uem").read_text() + "m3 NA 0.000 4.000\n")     # annotated, no turn
    (ann / "y.rttm").write_text("SPKR-INFO m3 1 <NA> <NA> <NA> unknown E <NA> <NA>\n")  # no SPEAKER line
    prepare_ami.main([str(corpus), str(tmp_path / "data")])
    d = {s: datadir.validate_data_dir(tmp_path / "data" / s) for s in ("ami_dev", "ami_test")}
    assert [d[s].regions["m3"] for s in d if "m3" in d[s].rec_ids] == [[]]
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        f"{ann / 'y.rttm'}: no SPEAKER lines; it adds no speech",
        f"{corpus}: no SPEAKER lines for m3 in the RTTM files under it; m3 counts as all non-speech"]


@pytest.mark.badinput
def test_recording_without_audio_is_named(corpus, tmp_path):
    (corpus / "lone" / "s.wav").unlink()
    with pytest.raises(InputError, match=r"s\.rttm: recording 's' has no audio file"):
        prepare_ami.main([str(corpus), str(tmp_path / "data")])
    assert not (tmp_path / "data" / "ami_dev").exists()


@pytest.mark.badinput
def test_bad_uem_line_is_named(corpus, tmp_path):
    (corpus / "debug" / "annotations" / "x.uem").write_text("m1a NA 0.000 4.000\nm1b NA zero\n")
    with pytest.raises(InputError, match=r"x\.uem:2: expected"):
        prepare_ami.main([str(corpus), str(tmp_path / "data")])


def test_help():
    r = subprocess.run([sys.executable, str(ROOT / "local/prepare_ami.py"), "--help"], capture_output=True,
                       text=True, cwd=ROOT)
    assert r.returncode == 0 and "e.g.: local/prepare_ami.py" in r.stdout
