"""vadkit.eval.boundaries and local/boundary_delays.py: onset/offset delays of hypothesis regions."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from vadkit import io
from vadkit.errors import InputError
from vadkit.eval import boundaries

from conftest import ROOT

SCRIPT = str(ROOT / "local/boundary_delays.py")
spec = importlib.util.spec_from_file_location("boundary_delays", SCRIPT)
boundary_delays = importlib.util.module_from_spec(spec)
spec.loader.exec_module(boundary_delays)

REF = [(1.0, 2.0), (4.0, 5.0), (7.0, 8.0), (10.0, 11.0)]
HYP = [(0.9, 2.2),                 # early onset -0.1 s, late offset +0.2 s
       (4.3, 4.5), (4.6, 5.1),     # split: onset from the first (+0.3 s), offset from the last (+0.1 s)
       (8.0, 9.0),                 # touches the end of (7, 8) only: no overlap, so (7, 8) is missed
       (10.05, 10.8),              # late onset, early offset
       (12.0, 13.0)]               # overlaps nothing


def test_early_late_split_missed_and_false_alarms():
    d = boundaries.match(REF, HYP)
    assert d.onsets_s == pytest.approx([-0.1, 0.3, 0.05])
    assert d.offsets_s == pytest.approx([0.2, 0.1, -0.2])
    assert (d.n_ref, d.missed, d.n_hyp, d.false_alarm_regions) == (4, 1, 6, 2)


def test_a_hypothesis_region_bridging_two_references_serves_both():
    d = boundaries.match([(1.0, 2.0), (3.0, 4.0)], [(1.1, 3.9)])
    assert d.onsets_s == pytest.approx([0.1, -1.9]) and d.offsets_s == pytest.approx([1.9, -0.1])
    assert (d.missed, d.false_alarm_regions) == (0, 0)


def test_pool_counts_recordings_on_one_side_only():
    d = boundaries.pool({"a": REF, "b": [(0.0, 1.0), (2.0, 3.0)]}, {"a": HYP, "c": [(0.0, 1.0)]})
    assert (d.n_ref, d.missed, d.n_hyp, d.false_alarm_regions) == (6, 3, 7, 3)
    assert len(d.onsets_s) == len(d.offsets_s) == 3
    empty = boundaries.pool({}, {})
    assert (empty.n_ref, empty.n_hyp, empty.onsets_s) == (0, 0, [])


def test_summary_in_ms():
    d = boundaries.Delays(onsets_s=[-0.1, 0.0, 0.1, 0.2, 0.3], offsets_s=[], n_ref=6, missed=1)
    s = boundaries.summary(d)
    assert (s["n_ref"], s["matched"], s["missed"]) == (6, 5, 1)
    # linear percentiles: p10 sits 0.4 of the way from -100 to 0, p90 0.6 of the way from 200 to 300
    assert s["onset"] == pytest.approx({"median": 100.0, "p10": -60.0, "p90": 260.0, "mean_abs": 140.0})
    assert s["offset"] == {"median": None, "p10": None, "p90": None, "mean_abs": None}


def write_set(root, name="tiny", refs=None, rec_ids=("a", "b")):
    data = root / "data" / name
    data.mkdir(parents=True)
    io.write_rttm(data / "rttm", refs or {"a": REF, "b": [(0.5, 1.5)]})
    io.write_table(data / "reco2dur", {r: "20.000" for r in rec_ids})
    return data


def write_decode(root, system, hyps, name="decode_tiny"):
    d = root / "exp" / system / name
    d.mkdir(parents=True)
    io.write_rttm(d / "hyp.rttm", hyps)
    return d


def test_script_prints_one_row_per_system_and_plots(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_set(tmp_path)
    write_decode(tmp_path, "ours", {"a": HYP, "b": [(0.4, 1.5)]})
    write_decode(tmp_path, "late", {"a": [(s + 0.25, e + 0.5) for s, e in REF]})
    boundary_delays.main(["--plot", "delays.png", "exp/ours/decode_tiny", "exp/late/decode_tiny/"])
    header, *rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert header == boundary_delays.COLUMNS
    table = {r[1]: dict(zip(header, r)) for r in rows}
    assert list(table) == ["ours", "late"] and {r["set"] for r in table.values()} == {"tiny"}
    assert [table["ours"][c] for c in ("ref", "missed", "hyp", "fa_reg", "on_med", "off_med")] == \
        ["5", "1", "7", "2", "-25", "50"]   # onsets -100, 300, 50, -100 ms; offsets 200, 100, -200, 0 ms
    assert [table["late"][c] for c in ("missed", "fa_reg", "on_med", "on_mabs", "off_p10", "off_p90")] == \
        ["1", "0", "250", "250", "500", "500"]   # b's region: missed
    assert (tmp_path / "delays.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_script_takes_the_data_dir_given(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    data = write_set(tmp_path, "other", refs={"a": [(1.0, 2.0)]}, rec_ids=("a",))
    write_decode(tmp_path, "ours", {"a": [(1.5, 2.0)]}, name="decode_x")
    boundary_delays.main(["--data", str(data), "exp/ours/decode_x"])
    row = dict(zip(boundary_delays.COLUMNS, capsys.readouterr().out.splitlines()[1].split()))
    assert (row["set"], row["model"], row["ref"], row["on_med"], row["off_med"]) == ("x", "ours", "1", "500", "0")


def test_bad_input_names_the_file_and_the_fix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "exp/ours/decode_tiny").mkdir(parents=True)
    with pytest.raises(InputError, match=r"exp/ours/decode_tiny/hyp.rttm: not found; decode data/tiny"):
        boundary_delays.main(["--plot", "p.png", "exp/ours/decode_tiny"])
    io.write_rttm(tmp_path / "exp/ours/decode_tiny/hyp.rttm", {"a": [(1.0, 2.0)]})
    with pytest.raises(InputError, match=r"data/tiny/rttm: not found.*inferred from decode_tiny; give --data"):
        boundary_delays.main(["exp/ours/decode_tiny"])
    write_set(tmp_path, rec_ids=("b",))
    with pytest.raises(InputError, match=r"hyp.rttm: recording 'a' is not in data/tiny/reco2dur; give the --data"):
        boundary_delays.main(["exp/ours/decode_tiny"])
    (tmp_path / "exp/ours/sys_out").mkdir()
    with pytest.raises(InputError, match=r"sys_out: not named decode_<set>.*give --data"):
        boundary_delays.main(["exp/ours/sys_out"])
    assert not (tmp_path / "p.png").exists()


def test_script_error_is_one_line_and_exit_1(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run([sys.executable, SCRIPT, "exp/none/decode_x"], cwd=tmp_path, env=env, capture_output=True,
                       text=True, timeout=120, check=False)
    assert p.returncode == 1 and p.stdout == ""
    assert p.stderr.splitlines()[-1] == ("boundary_delays.py: error: exp/none/decode_x/hyp.rttm: not found; "
                                         "decode data/x into exp/none/decode_x first (stage 4)")
    assert "Traceback" not in p.stderr
