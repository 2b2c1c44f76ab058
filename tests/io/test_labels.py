import numpy as np
import pytest

from vadkit.errors import InputError
from vadkit.io import labels


def random_segments(rng, sr: int, n_samples: int, n: int = 12) -> list:
    """Non-overlapping, non-touching regions on sample boundaries, as (start_s, end_s)."""
    cuts = np.sort(rng.choice(np.arange(1, n_samples), size=2 * n, replace=False))
    return [(int(a) / sr, int(b) / sr) for a, b in zip(cuts[::2], cuts[1::2]) if b - a > 1]


@pytest.mark.parametrize("sr", [8000, 16000, 44100])
@pytest.mark.parametrize("fmt", labels.FORMATS)
def test_round_trip_to_the_sample_or_the_ms(tmp_path, fmt, sr):
    rng = np.random.default_rng(sr)
    n_samples = 3 * sr + 17
    segs = random_segments(rng, sr, n_samples)
    name = {"segments": "segments", "audacity": "rec.txt"}.get(fmt, f"rec.{fmt}")
    labels.write(tmp_path / name, {"rec": segs}, fmt, n_samples=n_samples, sample_rate_hz=sr)
    assert labels.detect_format(tmp_path / name) == fmt
    got = labels.to_segments(labels.read_one(tmp_path / name, "rec", None, sr))
    if fmt in ("rttm", "segments"):  # the data-dir contract's millisecond precision (rttm: start + duration)
        assert len(got) == len(segs)
        assert np.abs(np.array(got) - np.array(segs)).max() <= 0.001 + 1e-9
    else:
        assert [(round(s * sr), round(e * sr)) for s, e in got] == [(round(s * sr), round(e * sr)) for s, e in segs]


def test_rttm_and_segments_text_ms_and_unique_segment_ids(tmp_path):
    regions = {"b": [(0.0075, 1.2345)], "a": [(0.0, 0.5), (2.0, 2.002), (2.003, 2.004), (2.006, 2.007)]}
    labels.write(tmp_path / "x.rttm", regions, "rttm")
    assert (tmp_path / "x.rttm").read_text() == (
        "SPEAKER a 1 0.000 0.500 <NA> <NA> speech <NA> <NA>\n"
        "SPEAKER a 1 2.000 0.002 <NA> <NA> speech <NA> <NA>\n"
        "SPEAKER a 1 2.003 0.001 <NA> <NA> speech <NA> <NA>\n"
        "SPEAKER a 1 2.006 0.001 <NA> <NA> speech <NA> <NA>\n"
        "SPEAKER b 1 0.007 1.227 <NA> <NA> speech <NA> <NA>\n")
    labels.write(tmp_path / "segments", regions, "segments")
    assert (tmp_path / "segments").read_text() == (
        "a-0000000-0000050 a 0.000 0.500\n"
        "a-0000200-0000200 a 2.000 2.002\n"
        "a-0000200-0000200-2 a 2.003 2.004\n"   # the same centiseconds: made unique
        "a-0000201-0000201 a 2.006 2.007\n"
        "b-0000001-0000123 b 0.007 1.234\n")
    ids = [line.split()[0] for line in (tmp_path / "segments").read_text().splitlines()]
    assert len(set(ids)) == len(ids) and ids == sorted(ids)


def test_voz_samples_round_trip_exactly(tmp_path):
    y = np.array([0, 0, 1, 1, 1, 0, 1, 1], dtype=np.int8)
    (tmp_path / "a.voz").write_text("".join(f"{v}\n" for v in y))
    segs = labels.to_segments(labels.read_one(tmp_path / "a.voz", "a", sample_rate_hz=8000))
    assert segs == [(2 / 8000, 5 / 8000), (6 / 8000, 8 / 8000)]
    assert labels.voz_from_segments(segs, len(y), 8000).tolist() == y.tolist()


def test_multi_recording_formats_keep_recordings_apart(tmp_path):
    segs = {"a": [(0.5, 1.0)], "b": [(0.25, 0.75), (1.0, 2.0)]}
    for fmt in labels.MULTI_RECORDING:
        labels.write(tmp_path / f"x.{fmt}", segs, fmt)
        got = labels.read(tmp_path / f"x.{fmt}", fmt)
        assert {k: labels.to_segments(v) for k, v in got.items()} == segs


def test_rttm_overlapping_turns_merge(tmp_path):
    p = tmp_path / "x.rttm"
    p.write_text("SPEAKER a 1 0.50 1.00 <NA> <NA> spk1 <NA> <NA>\nSPEAKER a 1 1.20 1.00 <NA> <NA> spk2 <NA> <NA>\n")
    assert labels.to_segments(labels.read_one(p, "a")) == [(0.5, 2.2)]


def test_detects_formats_by_content(tmp_path):
    cases = {"SPEAKER a 1 0 1 <NA> <NA> s <NA> <NA>\n": "rttm", "0\n0\n1\n": "voz",
             "0.5\t1.0\tspeech\n": "audacity", "start,end\n0.5,1.0\n": "csv", "0.5 1.0\n": "tsv",
             "u1 rec 0.5 1.0\n": "segments", "rec,0,0.5,0,0.5,1.0,1\n": "scv"}
    for i, (text, fmt) in enumerate(cases.items()):
        (tmp_path / f"{i}.txt").write_text(text)
        assert labels.detect_format(tmp_path / f"{i}.txt") == fmt, text


def test_label_columns_and_header(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("start,end,label\n0.1,0.4,speech\n0.5,0.9,silence\n1.0,1.5,1\n")
    assert labels.to_segments(labels.read_one(p, "r")) == [(0.1, 0.4), (1.0, 1.5)]
    p = tmp_path / "r.txt"
    p.write_text("0.1\t0.4\thello\n\\\t100.0\t2000.0\n0.5\t0.9\tnoise\n")  # Audacity spectral line skipped
    assert labels.to_segments(labels.read_one(p, "r")) == [(0.1, 0.4)]


@pytest.mark.badinput
@pytest.mark.parametrize("name,text,match", [
    ("a.csv", "0.1,0.4\n0.9,0.5\n", r"a.csv:2: region 0.900-0.500 s is invalid"),
    ("b.csv", "0.1,0.4\n-0.5,0.2\n", r"b.csv:2: region -0.500-0.200 s is invalid"),
    ("c.txt", "0.1\t0.6\tx\n0.5\t0.9\ty\n", r"c.txt:2: region 0.500-0.900 s overlaps 0.100-0.600 s \(line 1\)"),
    ("d.rttm", "SPEAKER a 1 0.5 -1 <NA> <NA> s <NA> <NA>\n", r"d.rttm:1: region"),
    ("segments", "u a 0.5 0.7\nu a 0.9\n", r"segments:2: Kaldi segments lines"),
    ("e.scv", "a,0,1,1,1,2\n", r"e.scv:1: .scv lines"),
    ("f.voz", "0\n1\n2\n", r"f.voz:3: .voz holds one 0 or 1"),
    ("g.csv", "0.1,zero\n", r"g.csv:1: start/end"),
    ("h.lab", "hello world\n", r"h.lab:1: cannot tell the label format"),
])
def test_bad_label_files_name_file_and_line(tmp_path, name, text, match):
    (tmp_path / name).write_text(text)
    with pytest.raises(InputError, match=match):
        labels.read(tmp_path / name, sample_rate_hz=8000)


@pytest.mark.badinput
def test_missing_file(tmp_path):
    for name in ("x.txt", "x.csv"):
        with pytest.raises(InputError, match=rf"{name}: label file not found"):
            labels.read_one(tmp_path / name, "x")


@pytest.mark.badinput
def test_unknown_format_and_beyond_audio(tmp_path):
    (tmp_path / "x").write_text("0.1,0.4\n")
    with pytest.raises(InputError, match=r"unknown label format 'praat'; use one of rttm"):
        labels.read(tmp_path / "x", "praat")
    p = tmp_path / "r.csv"
    p.write_text("0.1,0.4\n2.0,3.5\n")
    with pytest.raises(InputError, match=r"r.csv:2: region 2.000-3.500 s ends beyond the audio \(3.000 s\)"):
        labels.check_inside(p, labels.read_one(p, "r"), 3.0)


def test_rttm_duration_is_end_minus_start_in_ms_and_zero_length_regions_are_dropped(tmp_path):
    # separately rounded, 0.0016 + 0.0018 gives 0.002 + 0.002 = 0.004, but the end rounds to 0.003;
    # 2.0001-2.0004 rounds to 2.000-2.000: nothing to write
    regions = {"a": [(0.0016, 0.0034), (1.0004, 1.5006), (2.0001, 2.0004)], "b": [(0.0002, 0.0003)]}
    labels.write(tmp_path / "x.rttm", regions, "rttm")
    assert (tmp_path / "x.rttm").read_text() == ("SPEAKER a 1 0.002 0.001 <NA> <NA> speech <NA> <NA>\n"
                                                 "SPEAKER a 1 1.000 0.501 <NA> <NA> speech <NA> <NA>\n")
    labels.write(tmp_path / "segments", regions, "segments")
    seg = [line.split()[1:] for line in (tmp_path / "segments").read_text().splitlines()]
    assert seg == [["a", "0.002", "0.003"], ["a", "1.000", "1.501"]]
    rttm = [line.split() for line in (tmp_path / "x.rttm").read_text().splitlines()]
    assert [f"{float(f[3]) + float(f[4]):.3f}" for f in rttm] == [e for _, _, e in seg]   # start + dur = end


def test_a_recording_labelled_all_non_speech_has_no_regions_not_its_neighbours(tmp_path):
    (tmp_path / "x.scv").write_text("rec2,0,1,1\nrec1,0,5,0\n")
    assert labels.read_one(tmp_path / "x.scv", "rec1") == []
    labels.write(tmp_path / "y.scv", {"a": [], "b": [(1.0, 2.0)]}, "scv")   # no bare 'a' line the reader refuses
    assert labels.read(tmp_path / "y.scv") == {"b": [labels.Region(1.0, 2.0, 1)]}


def test_byte_order_mark_loses_no_line(tmp_path):
    """Excel and Notepad start UTF-8 files with a BOM: the first RTTM line must still count."""
    from vadkit.io.rttm import read_rttm
    p = tmp_path / "bom.rttm"
    p.write_bytes("\ufeffSPEAKER rec 1 0.500 1.000 <NA> <NA> A <NA> <NA>\n".encode("utf-8"))
    assert read_rttm(p) == {"rec": [(0.5, 1.5)]}
    (tmp_path / "bom.lab").write_bytes("\ufeff0.5 1.5 speech\n".encode("utf-8"))
    assert next(labels._lines(tmp_path / "bom.lab"))[1] == "0.5 1.5 speech"
