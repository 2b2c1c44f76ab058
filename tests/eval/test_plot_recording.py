"""local/plot_recording.py: the notebook's part-1 figure for any recording and label files."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from vadkit import io
from vadkit.errors import InputError
from vadkit.io import labels

from conftest import ROOT

SCRIPT = str(ROOT / "local/plot_recording.py")
spec = importlib.util.spec_from_file_location("plot_recording", SCRIPT)
plot_recording = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plot_recording)


def test_prints_amounts_and_writes_png(tmp_path, monkeypatch, capsys, caplog):
    monkeypatch.chdir(tmp_path)
    sr = 16000
    x = 0.01 * np.random.default_rng(0).standard_normal(sr * 4)
    io.write_wav(tmp_path / "rec.wav", x.astype(np.float32), sr)
    labels.write(tmp_path / "rec.voz", {"rec": [(0.5, 1.5), (2.0, 2.25)]}, "voz", n_samples=4 * sr, sample_rate_hz=sr)
    (tmp_path / "hyp.rttm").write_text("SPEAKER other 1 0 1 <NA> <NA> s <NA> <NA>\n"
                                       "SPEAKER rec 1 0.4 1.0 <NA> <NA> s <NA> <NA>\n")
    plot_recording.main(["--ref", "rec.voz", "--hyp", "hyp.rttm", "--start-s", "1", "--dur-s", "2", "rec.wav", "o.png"])
    assert capsys.readouterr().out.splitlines() == [
        "rec.wav: duration 4.000 s, sample rate 16000 Hz, 64000 samples",
        "  reference  speech     1.250 s ( 31.2 %), non-speech     2.750 s ( 68.8 %), 2 regions",
        "  hypothesis speech     1.000 s ( 25.0 %), non-speech     3.000 s ( 75.0 %), 1 regions"]
    assert (tmp_path / "o.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the old spellings (--start, --dur, -o) work for one release, each with a warning
    plot_recording.main(["--ref", "rec.voz", "--start", "1", "--dur", "2", "-o", "old.png", "rec.wav"])
    assert (tmp_path / "old.png").is_file()
    assert sum("is deprecated" in r.getMessage() for r in caplog.records) == 3


@pytest.mark.badinput
def test_bad_window_and_labels(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    io.write_wav(tmp_path / "rec.wav", np.zeros(8000 * 2, np.float32), 8000)
    with pytest.raises(InputError, match=r"outside the audio \(0-2.00 s\)"):
        plot_recording.main(["--start-s", "5", "rec.wav", "o.png"])
    (tmp_path / "ref.csv").write_text("0.5,1.0\n1.5,2.5\n")
    with pytest.raises(InputError, match=r"ref.csv:2: region 1.500-2.500 s ends beyond the audio"):
        plot_recording.main(["--ref", "ref.csv", "rec.wav", "o.png"])
    (tmp_path / "x.rttm").write_text("SPEAKER o1 1 0 1 <NA> <NA> s <NA> <NA>\nSPEAKER o2 1 0 1 <NA> <NA> s <NA> <NA>\n")
    with pytest.raises(InputError, match=r"x.rttm: no regions for recording 'rec' \(it has o1, o2\)"):
        plot_recording.main(["--ref", "x.rttm", "rec.wav", "o.png"])
    assert not (tmp_path / "o.png").exists()


def test_label_curve_is_exact_at_boundaries_and_window_edges():
    from vadkit.eval.plots import _step
    t, y = _step([(0.0, 5.0), (7.0, 12.0)], 2.0, 10.0)  # speech across both window edges
    assert (t[0], y[0]) == (2.0, 1.0) and (t[-1], y[-1]) == (10.0, 1.0)
    assert list(zip(t, y))[1:5] == [(5.0, 1.0), (5.0, -1.0), (7.0, -1.0), (7.0, 1.0)]
    t, y = _step([(3.0, 4.0)], 2.0, 10.0)
    assert list(zip(t, y)) == [(2.0, -1.0), (3.0, -1.0), (3.0, 1.0), (4.0, 1.0), (4.0, -1.0), (10.0, -1.0)]
