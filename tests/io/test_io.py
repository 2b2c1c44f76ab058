import numpy as np
import pytest

from vadkit import io
from vadkit.errors import InputError


@pytest.mark.fault
def test_atomic_write_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("good")
    with pytest.raises(RuntimeError):
        with io.atomic_write(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_rttm_round_trip_and_overlap_merge(tmp_path):
    p = tmp_path / "rttm"
    p.write_text("SPEAKER a 1 0.50 1.00 <NA> <NA> spk1 <NA> <NA>\n"
                 "SPEAKER a 1 1.20 1.00 <NA> <NA> spk2 <NA> <NA>\n"
                 "SPEAKER b 1 3.00 0.25 <NA> <NA> spk1 <NA> <NA>\n")
    regions = io.read_rttm(p)
    assert regions == {"a": [(0.5, 2.2)], "b": [(3.0, 3.25)]}
    io.write_rttm(tmp_path / "out", regions)
    assert io.read_rttm(tmp_path / "out") == regions


@pytest.mark.badinput
def test_rttm_malformed_line_names_line(tmp_path):
    p = tmp_path / "rttm"
    p.write_text("SPEAKER a 1 0.50 1.00 <NA> <NA> s <NA> <NA>\nSPEAKER a 1 x 1.00 <NA> <NA> s <NA> <NA>\n")
    with pytest.raises(InputError, match=r"rttm:2: start/duration are not numbers"):
        io.read_rttm(p)


def test_read_audio_mixes_stereo_and_resamples(tmp_path):
    import soundfile as sf
    x = np.stack([np.full(1600, 0.5), np.full(1600, -0.1)], axis=1)
    sf.write(tmp_path / "s.wav", x, 16000)
    y, sr = io.read_audio(tmp_path / "s.wav")
    assert sr == 16000 and y.shape == (1600,) and np.allclose(y, 0.2, atol=1e-4)
    z, sr = io.read_audio(tmp_path / "s.wav", 8000)
    assert sr == 8000 and z.shape == (800,)


@pytest.mark.badinput
def test_table_checks(tmp_path):
    p = tmp_path / "t"
    p.write_text("b x\na y\n")
    assert io.read_table(p) == {"b": ["x"], "a": ["y"]}
    io.write_table(p, {"b": 1, "a": 2})
    assert p.read_text() == "a 2\nb 1\n"
    p.write_text("a\n")
    with pytest.raises(InputError, match=r"t:1: expected 2 fields"):
        io.read_table(p)


@pytest.mark.badinput
def test_find_audio_in_folders_and_lists_not_under_skip(tmp_path):
    import soundfile as sf
    src = tmp_path / "src"
    for name in ("a.wav", "sub/b.FLAC", "sub/c.aiff", "sub/d.mp3", "data/wav/a.wav", "../other.ogg"):
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        sf.write(src / name, np.zeros(1600, np.float32), 8000)
    (src / "notes.txt").write_text("not audio")
    lst = tmp_path / "more.list"
    lst.write_text(f"{tmp_path / 'other.ogg'}\n\n{src / 'a.wav'}\n")   # listed files: taken, once
    got = io.find_audio([src], [lst], skip=src / "data")
    assert got == [tmp_path / "other.ogg", src / "a.wav", src / "sub/b.FLAC", src / "sub/c.aiff", src / "sub/d.mp3"]
    assert {f.suffix.lower() for f in got} <= set(io.AUDIO_SUFFIXES)
    assert io.find_audio([src], suffixes=[".wav"]) == [src / "a.wav", src / "data/wav/a.wav"]
    (tmp_path / "empty").mkdir()
    lst.write_text(f"{src / 'a.wav'}\n{tmp_path / 'gone.wav'}\n")
    for args, match in (([tmp_path / "nowhere"], "nowhere: not a folder; pass the folder holding the audio"),
                        ([tmp_path / "empty"], r"empty: no audio files \(.aif, .aiff, .* in it or below it"),
                        ([src, tmp_path / "x.list"], "x.list: list file not found"),
                        ([src, lst], r"more.list:2: .*gone.wav does not exist; fix or drop the line")):
        with pytest.raises(InputError, match=match):
            io.find_audio(args[:1], args[1:])


@pytest.mark.parametrize("path,under,rec_id", [
    ("corpus/ES2004a.Mix-Headset.wav", None, "ES2004a.Mix-Headset"),   # ASCII ids stay as data dirs have them
    ("corpus/my talk (1).flac", None, "my_talk__1_"),
    ("corpus/sub/dir/good.wav", "corpus", "sub-dir-good"),            # below a folder: the path joined by '-'
    ("corpus/a b/c.d.ogg", "corpus", "a_b-c.d"),
    ("corpus/ñandú Ødegård.wav", None, "ñandú_Ødegård"),                # letters of any script stay
    ("corpus/会议/Привет мир.wav", "corpus", "会议-Привет_мир"),
    ("corpus/?!.wav", None, "__"),
])
def test_rec_id_rule(path, under, rec_id):
    assert io.rec_id_of(path, under=under) == rec_id


def test_files_whose_names_give_one_id_get_unique_ids_in_path_order():
    paths = ["x/talk 1.wav", "x/talk,1.wav", "x/b.wav", "x/sub/b.wav", "x/b-2.wav"]
    assert io.unique_rec_ids(paths) == ["talk_1", "talk_1-2", "b", "b-3", "b-2"]
    assert io.unique_rec_ids(paths, under="x") == ["talk_1", "talk_1-2", "b", "sub-b", "b-2"]


@pytest.mark.parametrize("rates", [(44100, 8000), (16000, 8000), (8000, 16000), (8000, 8000)])
def test_block_resampler_equals_whole_signal(rates):
    a, b = rates
    rng = np.random.default_rng(0)
    x = rng.standard_normal(a * 2 + 123).astype(np.float32)
    r, out, i = io.BlockResampler(a, b), [], 0
    while i < len(x):
        n = int(rng.integers(50, 9000))
        out.append(r.push(x[i:i + n], final=i + n >= len(x)))
        i += n
    got, whole = np.concatenate(out), io.resample(x, a, b)
    assert got.shape == whole.shape and np.abs(got - whole).max() < 1e-5
