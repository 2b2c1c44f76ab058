"""Data-dir validation: each kind of broken entry stops with one message naming the file/line."""
import shutil

import numpy as np
import pytest

from vadkit import io
from vadkit.data import datadir
from vadkit.errors import InputError


def test_valid_dir_passes(toy_dir):
    d = datadir.validate_data_dir(toy_dir, 8000)
    assert d.rec_ids == ["toy_000", "toy_001", "toy_002"]
    assert (toy_dir / "segments").is_file() and (toy_dir / "utt2spk").is_file()
    assert all(abs(v - 6.0) < 1e-3 for v in d.durations_s.values())


def _edit(path, old, new):
    path.write_text(path.read_text().replace(old, new, 1))


@pytest.mark.badinput
def test_missing_wav(toy_dir):
    (toy_dir / "wav" / "toy_001.wav").unlink()
    with pytest.raises(InputError, match=r"wav.scp:2: audio file .*toy_001.wav not found"):
        datadir.validate_data_dir(toy_dir, 8000)


@pytest.mark.badinput
def test_wrong_rate(toy_dir):
    io.write_wav(toy_dir / "wav" / "toy_002.wav", np.zeros(6 * 16000, np.float32), 16000)
    with pytest.raises(InputError, match=r"wav.scp:3: .*toy_002.wav is at 16000 Hz.*expects 8000"):
        datadir.validate_data_dir(toy_dir, 8000)


@pytest.mark.badinput
def test_empty_wav(toy_dir):
    io.write_wav(toy_dir / "wav" / "toy_000.wav", np.zeros(0, np.float32), 8000)
    with pytest.raises(InputError, match=r"wav.scp:1: .*toy_000.wav is empty"):
        datadir.validate_data_dir(toy_dir, 8000)


@pytest.mark.badinput
def test_truncated_wav(toy_dir):
    p = toy_dir / "wav" / "toy_001.wav"
    p.write_bytes(p.read_bytes()[:5000])
    with pytest.raises(InputError, match=r"toy_001.wav: wav is truncated"):
        datadir.validate_data_dir(toy_dir, 8000)


@pytest.mark.badinput
def test_garbage_audio(toy_dir):
    (toy_dir / "wav" / "toy_001.wav").write_bytes(b"not audio at all" * 10)
    with pytest.raises(InputError, match=r"toy_001.wav: unreadable audio"):
        datadir.validate_data_dir(toy_dir, 8000)


@pytest.mark.badinput
def test_labels_beyond_audio(toy_dir):
    with open(toy_dir / "rttm", "a") as f:
        f.write("SPEAKER toy_001 1 5.500 1.000 <NA> <NA> speech <NA> <NA>\n")
    n = len((toy_dir / "rttm").read_text().splitlines())
    with pytest.raises(InputError, match=rf"rttm:{n}: region 5.500-6.500 s ends beyond the audio \(6.000 s\)"):
        datadir.validate_data_dir(toy_dir, 8000)


@pytest.mark.badinput
def test_negative_region(toy_dir):
    with open(toy_dir / "rttm", "a") as f:
        f.write("SPEAKER toy_001 1 2.000 -1.000 <NA> <NA> speech <NA> <NA>\n")
    with pytest.raises(InputError, match=r"rttm:\d+: region .* is invalid"):
        datadir.validate_data_dir(toy_dir, 8000)


@pytest.mark.badinput
def test_rttm_names_unknown_recording(toy_dir):
    with open(toy_dir / "rttm", "a") as f:
        f.write("SPEAKER ghost 1 1.000 1.000 <NA> <NA> speech <NA> <NA>\n")
    with pytest.raises(InputError, match=r"rttm:\d+: recording 'ghost' is not in wav.scp"):
        datadir.validate_data_dir(toy_dir, 8000)


@pytest.mark.badinput
def test_duplicate_id(toy_dir):
    scp = toy_dir / "wav.scp"
    scp.write_text(scp.read_text() + scp.read_text().splitlines()[0] + "\n")
    with pytest.raises(InputError, match=r"wav.scp:4: duplicate id 'toy_000'"):
        datadir.validate_data_dir(toy_dir, 8000)


@pytest.mark.badinput
def test_bad_id_and_pipe(toy_dir):
    scp = toy_dir / "wav.scp"
    good = scp.read_text()
    scp.write_text(good.replace("toy_000 ", "toy 000 ", 1))
    with pytest.raises(InputError, match=r"wav.scp:1: "):
        datadir.validate_data_dir(toy_dir, 8000)
    scp.write_text(good.replace(".wav\n", ".wav |\n", 1))
    with pytest.raises(InputError, match=r"wav.scp:1: .* is a command pipe, not a path"):
        datadir.validate_data_dir(toy_dir, 8000)
    scp.write_text(good.replace("/toy_000.wav\n", "/toy 000.wav\n", 1))
    with pytest.raises(InputError, match=r"wav.scp:1: .* has white space, which a Kaldi table cannot hold"):
        datadir.validate_data_dir(toy_dir, 8000)


@pytest.mark.badinput
def test_stale_reco2dur(toy_dir):
    _edit(toy_dir / "reco2dur", "toy_001 6.000", "toy_001 7.000")
    with pytest.raises(InputError, match=r"reco2dur: toy_001 says 7.000 s but .* lasts 6.000 s"):
        datadir.validate_data_dir(toy_dir, 8000)


@pytest.mark.badinput
def test_missing_data_dir(tmp_path):
    with pytest.raises(InputError, match="data directory not found"):
        datadir.validate_data_dir(tmp_path / "nope")


@pytest.mark.badinput
def test_split_keeps_every_recording_once():
    ids = [f"r{i}" for i in range(7)]
    parts = [datadir.split_rec_ids(ids, 3, j) for j in (1, 2, 3)]
    assert sum(parts, []) == sorted(ids) and [len(p) for p in parts] == [3, 2, 2]
    with pytest.raises(InputError, match="--nj 8 is more than the 7 recordings"):
        datadir.split_rec_ids(ids, 8, 1)


def test_write_data_dir_clips_regions_and_writes_wav_scp_last(tmp_path):
    w = tmp_path / "a.wav"
    io.write_wav(w, np.zeros(8000, np.float32), 8000)
    datadir.write_data_dir(tmp_path / "d", {"a": str(w)}, {"a": [(0.5, 1.4), (2.0, 3.0)]})
    assert io.read_rttm(tmp_path / "d" / "rttm") == {"a": [(0.5, 1.0)]}
    assert (tmp_path / "d" / "segments").read_text() == "a-0000050-0000100 a 0.500 1.000\n"
    shutil.rmtree(tmp_path / "d")


def test_reco2file_maps_every_recording_and_nothing_else(tmp_path):
    wavs = {}
    for k in ("你好", "talk_1"):
        wavs[k] = str(tmp_path / f"{k}.wav")
        io.write_wav(wavs[k], np.zeros(8000, np.float32), 8000)
    files = {"你好": "/rec/你好.wav", "talk_1": "/rec/talk 1.wav"}
    datadir.write_data_dir(tmp_path / "d", wavs, None, files=files)
    datadir.validate_data_dir(tmp_path / "d", 8000)
    assert (tmp_path / "d/reco2file").read_text(encoding="utf-8") == "talk_1 /rec/talk 1.wav\n你好 /rec/你好.wav\n"
    (tmp_path / "d/reco2file").write_text("talk_1 /rec/talk 1.wav\nx /rec/x.wav\n你好 /rec/你好.wav\n", encoding="utf-8")
    with pytest.raises(InputError, match="reco2file: recording 'x' is not in the set; re-run data preparation"):
        datadir.validate_data_dir(tmp_path / "d", 8000)
    with pytest.raises(InputError, match=r"'/rec/talk\\n1.wav': a line break in the file name"):
        datadir.write_data_dir(tmp_path / "d", wavs, None, files={**files, "talk_1": "/rec/talk\n1.wav"})
    datadir.write_data_dir(tmp_path / "d", wavs, None)              # no files: no reco2file (a stale one goes)
    assert not (tmp_path / "d/reco2file").exists()


def test_validate_script_takes_the_recipes_rate_or_says_it_did_not_check(toy_dir, tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    def validate(cwd):
        cwd.mkdir(exist_ok=True)
        p = subprocess.run([sys.executable, str(ROOT / "steps/validate_data_dir.py"), str(toy_dir)], cwd=cwd,
                           capture_output=True, text=True, check=False)
        return p.returncode, p.stderr.strip().splitlines()
    (tmp_path / "recipe/conf").mkdir(parents=True)
    (tmp_path / "recipe/conf/features.yaml").write_text("sample_rate_hz: 16000\n")   # a 16 kHz recipe
    rc, err = validate(tmp_path / "recipe")
    assert rc == 1 and "toy_000.wav is at 8000 Hz, the recipe expects 16000 Hz" in err[-1]
    (tmp_path / "recipe/conf/features.yaml").write_text("sample_rate_hz: 8000\n")
    rc, err = validate(tmp_path / "recipe")
    assert rc == 0 and err[-1].endswith("audio at 8000 Hz)")
    rc, err = validate(tmp_path / "elsewhere")                                        # no conf/ here
    assert rc == 0 and "sample rates NOT checked: no --config and no conf/features.yaml" in "\n".join(err)
    assert err[-1].endswith("audio rate not checked)")
