"""local/prepare_ami.py on a tiny generated RTTM + UEM + audio corpus (the real one is never needed)."""
from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from conftest import ROOT
from vadkit import data, io
from vadkit.errors import InputError

spec = importlib.util.spec_from_file_location("prepare_ami", ROOT / "local/prepare_ami.py")
prepare_ami = importlib.util.module_from_spec(spec)
spec.loader.exec_module(prepare_ami)


def _audio(path, dur_s, sr=16000):
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(dur_s * sr)) / sr
    sf.write(str(path), (0.1 * np.sin(2 * np.pi * 300 * t)).astype(np.float32), sr)


def make_ami_corpus(root):
    """Two layouts, as in the shared corpus: annotations/ + wav/ with a UEM, and a lone file pair."""
    c = root / "corpus"
    ann = c / "debug" / "annotations"
    ann.mkdir(parents=True)
    for rec_id in ("m1a", "m1b", "m2"):
        _audio(c / "debug" / "wav" / f"{rec_id}.flac", 4.0)
    (ann / "x.rttm").write_text(
        "SPEAKER m1a 1 0.500 1.500 <NA> <NA> A <NA> <NA>\n"     # 0.5-2.0, overlaps B's turn
        "SPEAKER m1a 1 1.500 1.000 <NA> <NA> B <NA> <NA>\n"     # 1.5-2.5 -> one region 0.5-2.5
        "SPEAKER m1b 1 0.500 1.000 <NA> <NA> B <NA> <NA>\n"     # shares B: same meeting as m1a
        "SPEAKER m1b 1 3.000 2.000 <NA> <NA> B <NA> <NA>\n"     # 3.0-5.0, beyond the UEM end
        "SPEAKER m2 1 1.000 1.000 <NA> <NA> C <NA> <NA>\n")
    (ann / "x.uem").write_text("m1a NA 0.000 4.000\nm1b NA 1.000 3.500\nm2 NA 0.000 4.000\n")
    _audio(c / "lone" / "s.wav", 3.0)
    (c / "lone" / "s.rttm").write_text("SPEAKER s 1 0.200 1.000 <NA> <NA> D <NA> <NA>\n")
    return c


@pytest.fixture
def corpus(tmp_path):
    return make_ami_corpus(tmp_path)


def test_prepares_dev_and_test_split_by_meeting(corpus, tmp_path):
    out = tmp_path / "data"
    prepare_ami.main(["--config", str(ROOT / "conf/features.yaml"), str(corpus), str(out)])
    dev = data.validate_data_dir(out / "ami_dev", 8000)
    test = data.validate_data_dir(out / "ami_test", 8000)
    # meetings: {m1a, m1b} (8 s, shared speaker B), m2 (4 s), s (3 s): longest first, ties to test
    assert test.rec_ids == ["m1a", "m1b"] and dev.rec_ids == ["m2", "s"]
    assert test.regions["m1a"] == [(0.5, 2.5)]                     # overlapping turns merged
    assert test.regions["m1b"] == [(0.0, 0.5), (2.0, 2.5)]         # cropped to the UEM 1.0-3.5 s
    assert test.durations_s["m1b"] == pytest.approx(2.5)
    assert dev.regions["s"] == [(0.2, 1.2)]
    assert io.audio_info(test.wavs["m1b"]) == (8000, 20000)        # resampled to the recipe's rate
    assert str(out / "local" / "ami" / "wav") in test.wavs["m1a"]  # the corpus is only read


def test_telephone_copy_keeps_split_and_labels(corpus, tmp_path):
    out = tmp_path / "data"
    conf = str(ROOT / "conf/features.yaml")
    prepare_ami.main(["--config", conf, "--telephone", "mulaw", str(corpus), str(out)])   # both, one pass
    for name in ("ami_dev", "ami_test"):
        plain, tel = data.validate_data_dir(out / name, 8000), data.validate_data_dir(out / f"{name}_tel", 8000)
        assert tel.rec_ids == plain.rec_ids and tel.regions == plain.regions
        for r in plain.rec_ids:
            assert str(out / "local" / "ami_tel" / "wav") in tel.wavs[r]
            x, _ = io.read_audio(plain.wavs[r], 8000)
            y, _ = io.read_audio(tel.wavs[r], 8000)
            assert len(x) == len(y) and not np.allclose(x, y, atol=1e-4)     # went through the channel
            assert np.corrcoef(x, y)[0, 1] > 0.9                              # ... and is the same audio


def test_recording_without_audio_is_named(corpus, tmp_path):
    (corpus / "lone" / "s.wav").unlink()
    with pytest.raises(InputError, match=r"s\.rttm: recording 's' has no audio file"):
        prepare_ami.main([str(corpus), str(tmp_path / "data")])
    assert not (tmp_path / "data" / "ami_dev").exists()


def test_bad_uem_line_is_named(corpus, tmp_path):
    (corpus / "debug" / "annotations" / "x.uem").write_text("m1a NA 0.000 4.000\nm1b NA zero\n")
    with pytest.raises(InputError, match=r"x\.uem:2: expected"):
        prepare_ami.main([str(corpus), str(tmp_path / "data")])


def test_help():
    r = subprocess.run([sys.executable, str(ROOT / "local/prepare_ami.py"), "--help"], capture_output=True,
                       text=True, cwd=ROOT)
    assert r.returncode == 0 and "e.g.: local/prepare_ami.py" in r.stdout
