"""Ids in any script through every table format the recipe writes: Kaldi text tables, RTTM, segments,
ark/scp (kaldiio), HDF5 keys, JSON; in UTF-8 whatever the locale, in byte order as `LC_ALL=C sort` has it."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vadkit import io
from vadkit.errors import InputError
from vadkit.io import arrays, labels

from conftest import ROOT

IDS = ["Привет_мир", "你好", "Γειά_σου", "مرحبا", "हिन्दी", "ñandú", "talk_1-2"]
BYTE_ORDER = sorted(IDS, key=lambda k: k.encode("utf-8"))


def round_trips(folder) -> dict[str, list[str]]:
    """{format: the ids read back, in file order} after writing IDS in each format under `folder`
    (values are checked here: each id gets its own back)."""
    folder, got = Path(folder), {}
    io.write_table(folder / "wav.scp", {k: f"/audio/{k} 1.wav" for k in IDS})
    table = io.read_table(folder / "wav.scp")
    assert all(table[k] == [f"/audio/{k} 1.wav"] for k in IDS)
    got["table"] = list(table)
    regions = {k: [(0.5 + i, 1.25 + i)] for i, k in enumerate(IDS)}
    io.write_rttm(folder / "rttm", regions)
    io.write_segments(folder / "segments", regions)
    for fmt in ("rttm", "segments"):
        read = labels.read(folder / fmt, fmt)
        assert {k: labels.to_segments(v) for k, v in read.items()} == regions
        got[fmt] = [line.split()[1] for line in (folder / fmt).read_text(encoding="utf-8").splitlines()]
    for fmt in arrays.FORMATS:
        with arrays.TableWriter(folder / fmt, fmt, ("feats",)) as w:
            for i, k in enumerate(IDS):
                w.write("feats", k, np.full((2, 3), i, np.float32))
        read = arrays.read_table(folder / fmt, fmt, ("feats",), "feats")
        assert all((read[k] == i).all() for i, k in enumerate(IDS))
        got[fmt] = list(read)
    io.write_json(folder / "per_rec.json", {k: i for i, k in enumerate(IDS)})
    got["json"] = list(io.read_json(folder / "per_rec.json"))
    return got


def check(got: dict[str, list[str]]) -> None:
    assert set(got) == {"table", "rttm", "segments", "json", *arrays.FORMATS}
    for fmt in ("table", "rttm", "segments"):
        assert got[fmt] == BYTE_ORDER, fmt
    assert got["ark"] == IDS                        # as written
    assert sorted(got["hdf5"]) == sorted(got["json"]) == sorted(IDS)


def test_every_table_format_round_trips_ids_in_any_script(tmp_path):
    check(round_trips(tmp_path))
    for f in ("wav.scp", "rttm", "segments"):   # the order Kaldi's tools expect (path.sh: LC_ALL=C)
        text = (tmp_path / f).read_bytes()
        assert subprocess.run(["sort"], input=text, capture_output=True, env={**os.environ, "LC_ALL": "C"},
                              check=True).stdout == text
    assert (tmp_path / "wav.scp").read_bytes().startswith(b"talk_1-2 ")


def test_tables_are_utf8_in_a_locale_without_it(tmp_path):
    """An ASCII locale (no C.UTF-8 coercion, no UTF-8 mode): the files are the same UTF-8."""
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT / 'tests' / 'io')!r}); import test_utf8_ids as t; "
            f"print(json.dumps(t.round_trips({str(tmp_path / 'ascii')!r})))")
    env = {**os.environ, "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0",
           "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}"}
    p = subprocess.run([sys.executable, "-X", "utf8=0", "-c", code], check=False, capture_output=True, text=True,
                       env=env)
    assert p.returncode == 0, p.stderr
    check(json.loads(p.stdout))
    round_trips(tmp_path / "utf8")
    for f in ("wav.scp", "rttm", "segments", "per_rec.json"):
        assert (tmp_path / "ascii" / f).read_bytes() == (tmp_path / "utf8" / f).read_bytes(), f


def test_a_table_not_in_utf8_is_one_line_naming_it(tmp_path):
    (tmp_path / "wav.scp").write_bytes("a /x/a.wav\ncafé /x/café.wav\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"wav.scp:2: not UTF-8 text; convert the file, e.g. iconv"):
        io.read_table(tmp_path / "wav.scp")
    (tmp_path / "rttm").write_bytes("SPEAKER café 1 0.0 1.0 <NA> <NA> s <NA> <NA>\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"rttm:1: not UTF-8 text"):
        io.read_rttm(tmp_path / "rttm")
