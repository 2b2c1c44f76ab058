"""Tables of per-recording arrays (vadkit.io.arrays): ark and HDF5 behind one interface."""
import os
from pathlib import Path

import numpy as np
import pytest

from vadkit.errors import InputError
from vadkit.io import arrays

TABLES = ("feats", "labels")


@pytest.mark.parametrize("fmt", arrays.FORMATS)
def test_tables_round_trip_in_either_format(tmp_path, fmt):
    x = {"b": np.arange(6, dtype=np.float32).reshape(3, 2), "a": np.ones((2, 2), np.float32)}
    with arrays.TableWriter(tmp_path, fmt, TABLES) as w:
        for k, v in x.items():
            w.write("feats", k, v)
            w.write("labels", k, np.zeros(len(v), np.int32))
    assert arrays.stored_format(tmp_path, TABLES) == fmt
    feats = arrays.read_table(tmp_path, fmt, TABLES, "feats")
    assert sorted(feats) == ["a", "b"] and all(np.array_equal(feats[k], x[k]) for k in x)
    assert sorted(arrays.read_table(tmp_path, fmt, TABLES, "feats", keys={"a"})) == (["a"] if fmt == "hdf5" else ["a", "b"])
    assert arrays.read_table(tmp_path, fmt, TABLES, "labels")["b"].tolist() == [0, 0, 0]
    arrays.remove_tables(tmp_path, TABLES)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.fault
@pytest.mark.parametrize("fmt", arrays.FORMATS)
def test_an_error_while_writing_leaves_nothing(tmp_path, fmt):
    with pytest.raises(RuntimeError):
        with arrays.TableWriter(tmp_path, fmt, ("probs",)) as w:
            w.write("probs", "a", np.ones(3, np.float32))
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.badinput
def test_missing_tables(tmp_path):
    with arrays.TableWriter(tmp_path, "ark", ("feats",)) as w:
        w.write("feats", "a", np.ones((1, 2), np.float32))
    assert arrays.read_table(tmp_path, "ark", TABLES, "labels") is None      # an unlabelled set
    with pytest.raises(InputError, match="probs.scp: file not found"):
        arrays.read_table(tmp_path, "ark", ("probs",), "probs")
    with pytest.raises(InputError, match="unknown format 'npz'"):
        arrays.TableWriter(tmp_path, "npz", TABLES)


@pytest.mark.badinput
def test_an_scp_whose_ark_moved_names_the_entry_and_the_fix(tmp_path, monkeypatch):
    d = tmp_path / "exp" / "m" / "decode_dev"
    d.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    with arrays.TableWriter(d.relative_to(tmp_path), "ark", ("probs",)) as w:   # relative paths, as a stage writes
        w.write("probs", "rec_1", np.ones(3, np.float32))
    (tmp_path / "exp" / "m").rename(tmp_path / "exp" / "m2")                   # the exp dir moved
    table = arrays.read_table(tmp_path / "exp" / "m2" / "decode_dev", "ark", ("probs",), "probs")
    assert list(table) == ["rec_1"] and len(table) == 1
    with pytest.raises(InputError, match=r"m2/decode_dev/probs.scp: the entry for 'rec_1' cannot be read .*"
                                         r"relative to the directory the stage ran in"):
        table["rec_1"]
    with pytest.raises(KeyError):
        table["other"]


def test_a_relative_scp_path_is_read_from_its_own_run_not_the_one_you_stand_in(tmp_path, monkeypatch):
    """Two copies of a recipe with the same layout (e.g. two experiments): reading one's decode dir from the
    other must give its own probabilities, not silently the other run's ark at the same relative path."""
    for run, value in (("a", 1.0), ("b", 2.0)):
        (tmp_path / run).mkdir()
        monkeypatch.chdir(tmp_path / run)
        with arrays.TableWriter(Path("exp/m/decode_dev"), "ark", ("probs",)) as w:
            w.write("probs", "rec_1", np.full(3, value, np.float32))
    assert "exp/m/decode_dev/probs.ark:" in (tmp_path / "a/exp/m/decode_dev/probs.scp").read_text()  # relative
    monkeypatch.chdir(tmp_path / "b")
    for run, value in (("a", 1.0), ("b", 2.0)):
        for where in (tmp_path / run / "exp/m/decode_dev", Path(os.path.relpath(tmp_path / run, tmp_path / "b"))
                      / "exp/m/decode_dev"):
            assert arrays.read_table(where, "ark", ("probs",), "probs")["rec_1"].tolist() == [value] * 3
