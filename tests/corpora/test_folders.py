"""Data prep from users' files: local/prepare_dir.py (folders of audio + labels); .mat lists: test_mat.py."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
import sys

import numpy as np
import pytest
import soundfile as sf

from vadkit import io
from vadkit.corpora import folders
from vadkit.data import datadir
from vadkit.errors import InputError
from vadkit.io import labels

from builders import write_audio
from conftest import ROOT


@pytest.fixture
def folder(tmp_path):
    """Three recordings, three rates, three containers, three label formats."""
    src = tmp_path / "src"
    segs = {"a": write_audio(src / "a.wav", 4.0, 16000, channels=2, seed=1),
            "b": write_audio(src / "sub" / "b.flac", 3.0, 8000, seed=2),
            "c": write_audio(src / "c.ogg", 3.5, 22050, seed=3)}
    labels.write(src / "a.csv", {"a": segs["a"]}, "csv")
    labels.write(src / "sub" / "b.voz", {"b": segs["b"]}, "voz", n_samples=3 * 8000, sample_rate_hz=8000)
    labels.write(src / "c.txt", {"c": segs["c"]}, "audacity")
    return src, segs


def test_folder_of_mixed_rates_and_formats(folder, tmp_path):
    src, segs = folder
    s = folders.prepare_folder(src, tmp_path / "data/x", 8000)
    d = datadir.validate_data_dir(tmp_path / "data/x", 8000)
    assert d.rec_ids == ["a", "b", "c"] and s["resampled"] == 2
    assert d.wavs["b"] == str((src / "sub/b.flac").resolve())  # at the rate: listed in place
    assert d.wavs["a"].endswith("data/x/wav/a.wav") and io.audio_info(d.wavs["a"]) == (8000, 32000)
    for k in segs:  # the data dir keeps milliseconds
        assert d.regions[k] == [(round(a, 3), round(b, 3)) for a, b in segs[k]], k


@pytest.mark.badinput
def test_paths_with_spaces_are_linked_not_broken(tmp_path):
    src = tmp_path / "my recordings"
    segs = {"talk_one": write_audio(src / "talk one.wav", 3.0, 8000, seed=4),       # at the rate: linked
            "talk_two": write_audio(src / "talk two.flac", 3.0, 16000, seed=5)}    # resampled copy
    labels.write(src / "all.rttm", segs, "rttm")
    folders.prepare_folder(src, tmp_path / "data/x", 8000)
    d = datadir.validate_data_dir(tmp_path / "data/x", 8000)
    assert d.rec_ids == ["talk_one", "talk_two"] and not any(" " in w for w in d.wavs.values())
    assert Path(d.wavs["talk_one"]).resolve() == (src / "talk one.wav").resolve()
    folders.prepare_folder(src, tmp_path / "data/x", 8000)                          # again: the same link
    assert datadir.validate_data_dir(tmp_path / "data/x", 8000).wavs == d.wavs
    with pytest.raises(InputError, match="data dir's path has white space"):
        folders.prepare_folder(src, tmp_path / "data y", 8000)
    assert not (tmp_path / "data y" / "wav.scp").exists()


@pytest.mark.badinput
def test_folder_takes_every_format_libsndfile_reads(tmp_path):
    src = tmp_path / "src"
    for name in ("a.wav", "b.aiff", "c.mp3", "d.au"):
        write_audio(src / name, 2.0, 8000)
    (src / "all.rttm").write_text("SPEAKER b 1 0.5 1.0 <NA> <NA> s1 <NA> <NA>\n")
    folders.prepare_folder(src, tmp_path / "d", 8000)
    assert datadir.validate_data_dir(tmp_path / "d", 8000).rec_ids == ["a", "b", "c", "d"]
    write_audio(src / "sub" / "b.flac", 2.0, 8000)
    with pytest.raises(InputError, match=r"all.rttm:1: recording 'b' names several audio files under .*src "
                                         r"\(.*src/b.aiff, .*src/sub/b.flac\); rename them, or label each"):
        folders.prepare_folder(src, tmp_path / "d", 8000)
    (src / "all.rttm").write_text("SPEAKER b-2 1 0.5 1.0 <NA> <NA> s1 <NA> <NA>\n")   # its id in reco2file
    folders.prepare_folder(src, tmp_path / "d", 8000)
    d = datadir.validate_data_dir(tmp_path / "d", 8000)
    assert d.rec_ids == ["a", "b", "b-2", "c", "d"] and d.regions["b-2"] == [(0.5, 1.5)] and d.regions["b"] == []
    assert io.read_table(tmp_path / "d/reco2file")["b-2"] == [str(src / "sub/b.flac")]
    with pytest.raises(InputError, match="nowhere: not a folder"):
        folders.prepare_folder(tmp_path / "nowhere", tmp_path / "d", 8000)


SCRIPTS = {"Привет мир.wav": "Привет_мир", "你好.flac": "你好", "Γειά σου.wav": "Γειά_σου",
           "مرحبا.wav": "مرحبا", "talk 1.wav": "talk_1", "talk,1.wav": "talk_1-2"}   # the last two: one id


def test_names_in_any_script_give_readable_distinct_ids_and_a_map_back(tmp_path, caplog):
    src, rates = tmp_path / "src", (8000, 16000)
    for i, name in enumerate(SCRIPTS):
        write_audio(src / name, 2.0 + i / 10, rates[i % 2], seed=i)
    (src / "talk 1.txt").write_text("0.5\t1.5\tspeech\n")     # talk_1 names two files: labelled beside its own
    (src / "all.rttm").write_text("".join(f"SPEAKER {k} 1 0.5 1.0 <NA> <NA> s1 <NA> <NA>\n"
                                          for k in SCRIPTS.values() if k != "talk_1"))
    folders.prepare_folder(src, tmp_path / "data/x", 8000)
    d = datadir.validate_data_dir(tmp_path / "data/x", 8000)
    assert d.rec_ids == sorted(SCRIPTS.values()) and all(d.regions[k] == [(0.5, 1.5)] for k in d.rec_ids)
    files = {k: v[0] for k, v in io.read_table(tmp_path / "data/x/reco2file").items()}
    assert files == {k: str(src / name) for name, k in SCRIPTS.items()}
    for name, k in SCRIPTS.items():      # each id has its own file's audio (durations differ)
        assert d.durations_s[k] == pytest.approx(sf.info(src / name).duration, abs=1e-3)
    made = {p.name: p.is_symlink() for p in (tmp_path / "data/x/wav").iterdir()}   # resampled copies, and links
    assert made == {f"{k}.wav": " " in name for i, (name, k) in enumerate(SCRIPTS.items()) if i % 2 or " " in name}
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        f"{src / 'talk,1.wav'}: its id 'talk_1' is taken by {src / 'talk 1.wav'}; this recording is 'talk_1-2'"]
    (tmp_path / "data/x/reco2file").write_text("".join(f"{k} {v}\n" for k, v in files.items() if k != "你好"))
    with pytest.raises(InputError, match="reco2file: recording '你好' has no line; re-run data preparation"):
        datadir.validate_data_dir(tmp_path / "data/x", 8000)


def test_prepare_dir_and_validation_scripts_take_names_in_any_script(tmp_path):
    src = tmp_path / "src"
    for i, name in enumerate(SCRIPTS):
        write_audio(src / name, 2.0, 8000, seed=i)
        (src / name).with_suffix(".txt").write_text("0.5\t1.0\tspeech\n")
    env = {**os.environ, "LC_ALL": "C"}                                            # as path.sh sets it
    for cmd in (["local/prepare_dir.py", "--config", "conf/features.yaml", str(src), str(tmp_path / "d")],
                ["steps/validate_data_dir.py", "--config", "conf/features.yaml", str(tmp_path / "d")]):
        p = subprocess.run([sys.executable, *cmd], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        assert p.returncode == 0, p.stderr
    assert "d: OK (6 recordings" in p.stderr
    assert (tmp_path / "d/rttm").read_text(encoding="utf-8").split("\n")[0].split()[1] == "talk_1"
    assert sorted(io.read_table(tmp_path / "d/wav.scp")) == sorted(SCRIPTS.values())


def test_shared_rttm_merges_turns_and_absent_recording_has_no_speech(tmp_path):
    src = tmp_path / "src"
    write_audio(src / "a.wav", 3.0, 8000)
    write_audio(src / "b.wav", 3.0, 8000)
    (src / "all.rttm").write_text("SPEAKER a 1 0.5 1.0 <NA> <NA> s1 <NA> <NA>\n"
                                  "SPEAKER a 1 1.2 1.0 <NA> <NA> s2 <NA> <NA>\n")
    folders.prepare_folder(src, tmp_path / "d", 8000)
    assert datadir.validate_data_dir(tmp_path / "d", 8000).regions == {"a": [(0.5, 2.2)], "b": []}


def test_recordings_without_speech_are_valid_but_named_in_a_warning(tmp_path, caplog):
    src = tmp_path / "src"
    for name in ("a", "b", "c", "d"):
        write_audio(src / f"{name}.wav", 2.0, 8000)
    (src / "a.rttm").write_text("")                                                      # empty
    (src / "b.rttm").write_text("SPKR-INFO b 1 <NA> <NA> <NA> unknown s1 <NA> <NA>\n")  # lines, no SPEAKER line
    (src / "c.rttm").write_text("SPEAKER other 1 0.5 1.0 <NA> <NA> s1 <NA> <NA>\n"
                                "SPEAKER c 1 0.5 1.0 <NA> <NA> s1 <NA> <NA>\n")
    (src / "d.csv").write_text("start,end,label\n0.5,1.0,silence\n")                   # only non-speech
    folders.prepare_folder(src, tmp_path / "data", 8000)
    assert datadir.validate_data_dir(tmp_path / "data", 8000).regions == {"a": [], "b": [], "c": [(0.5, 1.5)],
                                                                          "d": []}
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [f"{src / 'a.rttm'}: empty; a counts as all non-speech",
                        f"{src / 'b.rttm'}: no SPEAKER lines; b counts as all non-speech",
                        f"{src / 'd.csv'}: no speech regions; d counts as all non-speech"]
    for f in ("a.rttm", "b.rttm", "c.rttm", "d.csv"):
        (src / f).unlink()
    (src / "all.rttm").write_text("SPEAKER a 1 0.5 1.0 <NA> <NA> s1 <NA> <NA>\n")
    caplog.clear()
    folders.prepare_folder(src, tmp_path / "data", 8000)
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        f"{src / 'all.rttm'}: no SPEAKER lines for {k}; {k} counts as all non-speech" for k in "bcd"]


def test_own_rttm_with_another_id_and_data_dir_inside_the_folder(tmp_path):
    src = tmp_path / "src"
    write_audio(src / "a.wav", 3.0, 16000)
    (src / "a.rttm").write_text("SPEAKER EN2002a.Mix 1 0.5 1.0 <NA> <NA> s1 <NA> <NA>\n")
    for _ in range(2):  # the second run must not take data/x/wav/a.wav for a second recording
        folders.prepare_folder(src, src / "data/x", 8000)
    assert datadir.validate_data_dir(src / "data/x", 8000).regions == {"a": [(0.5, 1.5)]}


@pytest.mark.badinput
def test_unlabelled_folder_and_stale_labels_removed(folder, tmp_path):
    src, _ = folder
    folders.prepare_folder(src, tmp_path / "d", 8000)
    assert (tmp_path / "d/rttm").is_file()
    for f in list(src.rglob("*.csv")) + list(src.rglob("*.voz")) + list(src.rglob("*.txt")):
        f.unlink()
    s = folders.prepare_folder(src, tmp_path / "d", 8000)
    assert not s["labelled"] and not (tmp_path / "d/rttm").exists() and not (tmp_path / "d/segments").exists()
    assert datadir.validate_data_dir(tmp_path / "d", 8000).regions is None
    with pytest.raises(InputError, match=r"src: no label files .*add them \(unlabelled audio: steps/vad.py\)"):
        folders.prepare_folder(src, tmp_path / "d", 8000, require_labels=True)


@pytest.mark.badinput
@pytest.mark.parametrize("name,text,match", [
    ("a.csv", "0.5,1.0\n2.0,3.5\n", r"a.csv:2: region 2.000-3.500 s ends beyond the audio \(3.000 s\)"),
    ("a.csv", "0.5,1.0\n0.8,1.5\n", r"a.csv:2: region 0.800-1.500 s overlaps 0.500-1.000 s"),
    ("a.csv", "0.5,1.0\n-1.0,0.2\n", r"a.csv:2: region -1.000-0.200 s is invalid"),
    ("a.voz", "0\n" * 24081, (r"a.voz: 24081 values \(3.010 s\) but .*a.wav has 24000 samples \(3.000 s\): "
                              "labels beyond the audio; pair the labels with the right audio")),
    ("x.rttm", "SPEAKER a 1 0.5 1 <NA> <NA> s <NA> <NA>\nSPEAKER zz 1 0.5 1 <NA> <NA> s <NA> <NA>\n",
     r"x.rttm:2: recording 'zz' has no audio file"),
    ("a.lab", "hello there\n", r"a.lab:1: cannot tell the label format"),
])
def test_bad_labels_name_file_and_line(tmp_path, name, text, match):
    src = tmp_path / "src"
    write_audio(src / "a.wav", 3.0, 8000)
    (src / name).write_text(text)
    with pytest.raises(InputError, match=match):
        folders.prepare_folder(src, tmp_path / "d", 8000)
    assert not (tmp_path / "d/wav.scp").exists()


@pytest.mark.badinput
def test_truncated_wav_is_refused_though_its_resampled_copy_would_be_whole(tmp_path):
    src = tmp_path / "src"
    write_audio(src / "a.wav", 2.0, 16000)                        # 32000 16-bit samples
    (src / "a.wav").write_bytes((src / "a.wav").read_bytes()[:-32000])   # the last 16000 cut off
    with pytest.raises(InputError, match=r"a.wav: wav is truncated: header says 32000 samples, file holds 16000; "
                                         r"re-export it"):
        folders.prepare_folder(src, tmp_path / "d", 8000)
    assert not (tmp_path / "d").exists()


@pytest.mark.badinput
@pytest.mark.parametrize("rate", [16000, 8000])   # resampled into a 16-bit copy, or listed in place
def test_float_audio_beyond_one_is_refused_naming_its_peak(tmp_path, rate):
    src = tmp_path / "src"
    src.mkdir()
    x = np.sin(np.arange(2 * rate) / 5.0).astype(np.float32)
    sf.write(src / "ok.wav", 0.9 * x, rate, subtype="FLOAT")
    (src / "all.rttm").write_text("SPEAKER ok 1 0.5 1.0 <NA> <NA> s1 <NA> <NA>\n")
    folders.prepare_folder(src, tmp_path / "d", 8000)
    assert np.abs(io.read_audio(datadir.load_data_dir(tmp_path / "d").wavs["ok"])[0]).max() > 0.85
    sf.write(src / "loud.wav", 3.2 * x, rate, subtype="FLOAT")
    with pytest.raises(InputError, match=r"loud.wav: float samples reach 3.2, beyond \[-1, 1\] .*rescale the file"):
        folders.prepare_folder(src, tmp_path / "d2", 8000)
    assert not (tmp_path / "d2/wav.scp").exists()


@pytest.mark.badinput
def test_voz_shorter_than_its_audio_is_an_error_unless_padded(tmp_path, caplog):
    src = tmp_path / "src"
    write_audio(src / "a.wav", 3.0, 8000)                              # 24000 samples
    (src / "a.voz").write_text("0\n" * 1000 + "1\n" * 8000 + "0\n" * 11000)   # 20000: 0.5 s short
    with pytest.raises(InputError, match=r"a.voz: 20000 values \(2.500 s\) but .*a.wav has 24000 samples \(3.000 s\): "
                                         r"its last 0.500 s unlabelled; .*\(--pad-labels true\)"):
        folders.prepare_folder(src, tmp_path / "d", 8000)
    assert not (tmp_path / "d/wav.scp").exists()
    folders.prepare_folder(src, tmp_path / "d", 8000, pad_labels=True)
    assert datadir.validate_data_dir(tmp_path / "d", 8000).regions == {"a": [(0.125, 1.125)]}
    assert "the last 0.500 s, unlabelled, count as non-speech" in caplog.text
    (src / "a.voz").write_text("0\n" * 1000 + "1\n" * 8000 + "0\n" * 14930)   # 70 samples (9 ms) short: fine
    folders.prepare_folder(src, tmp_path / "d", 8000)
    assert datadir.validate_data_dir(tmp_path / "d", 8000).regions == {"a": [(0.125, 1.125)]}


def test_prepare_dir_script_pads_labels_on_request(tmp_path):
    src = tmp_path / "src"
    write_audio(src / "a.wav", 3.0, 8000)
    (src / "a.voz").write_text("1\n" * 16000)
    cmd = [sys.executable, str(ROOT / "local/prepare_dir.py"), "--config", str(ROOT / "conf/features.yaml"), str(src),
           str(tmp_path / "d")]
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert p.returncode == 1
    assert p.stderr.strip().splitlines()[-1].startswith(f"prepare_dir.py: error: {src / 'a.voz'}: ")
    p = subprocess.run(cmd[:2] + ["--pad-labels", "true"] + cmd[2:], capture_output=True, text=True, check=False)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "d/rttm").read_text() == "SPEAKER a 1 0.000 2.000 <NA> <NA> speech <NA> <NA>\n"


@pytest.mark.badinput
def test_one_recording_without_its_label_file(tmp_path):
    src = tmp_path / "src"
    write_audio(src / "a.wav", 3.0, 8000)
    write_audio(src / "b.wav", 3.0, 8000)
    (src / "a.csv").write_text("0.5,1.0\n")
    with pytest.raises(InputError, match=r"b.wav: no label file \(b\.\{rttm/voz"):
        folders.prepare_folder(src, tmp_path / "d", 8000)


def test_prepare_dir_script_unknown_label_format(folder, tmp_path):
    src, _ = folder
    p = subprocess.run([sys.executable, str(ROOT / "local/prepare_dir.py"), "--config", str(ROOT / "conf/features.yaml"),
                        "--label-format", "praat", str(src), str(tmp_path / "d")], capture_output=True, text=True)
    assert p.returncode == 1
    assert p.stderr.strip().splitlines()[-1] == ("prepare_dir.py: error: --label-format: unknown label format 'praat'; "
                                                 "use one of rttm, segments, voz, audacity, csv, tsv, scv")


@pytest.mark.badinput
def test_prepare_dir_refuses_a_file_as_its_data_dir_writing_nothing(folder, tmp_path):
    src, _ = folder
    (tmp_path / "d").write_text("my notes\n")
    for out in ("d", "d/x"):
        p = subprocess.run([sys.executable, str(ROOT / "local/prepare_dir.py"), "--config",
                            str(ROOT / "conf/features.yaml"), str(src), str(tmp_path / out)],
                           capture_output=True, text=True, check=False)
        assert p.returncode == 1 and "Traceback" not in p.stderr
        assert p.stderr.strip().splitlines()[-1] == (
            f"prepare_dir.py: error: {tmp_path / 'd'}: is a file, not a folder; the data dir {tmp_path / out} must "
            "be a folder: give a new or existing folder (e.g. data/train), or move the file away")
        assert (tmp_path / "d").read_text() == "my notes\n" and sorted(tmp_path.iterdir()) == [tmp_path / "d",
                                                                                              tmp_path / "src"]
