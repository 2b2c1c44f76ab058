"""The notebook's .mat lists (vadkit/corpora/mat.py, local/prepare_mat.py): X (frames x 60) and Y (frames x 1)
straight into a data dir's feature cache, and each kind of bad .mat file or list as one error naming the file and
the fix, the set made before it left as it was."""
from __future__ import annotations

import numpy as np
import pytest

from vadkit import io
from vadkit.corpora import mat
from vadkit.data import datadir
from vadkit.errors import InputError
from vadkit.features import cache
from vadkit.features.grid import FrameGrid

from builders import FEATS, save_mat, toy_mat
from conftest import run_script


@pytest.mark.parametrize("v73", [False, True])
def test_mat_round_trip_both_kinds(tmp_path, v73):
    feats, y = toy_mat(tmp_path / "m/f1.mat", 1, v73)
    got = io.read_mat(tmp_path / "m/f1.mat", ("X", "Y"))
    assert got["X"].shape == feats.shape and np.allclose(got["X"], feats) and got["Y"].shape == (len(y), 1)


def test_mat_files_whose_names_give_one_id_get_unique_ids_and_a_map_back(tmp_path):
    mats = [tmp_path / "m/говорит 1.mat", tmp_path / "m/говорит,1.mat"]
    ys = [toy_mat(m, i)[1] for i, m in enumerate(mats)]
    assert ys[0].tolist() != ys[1].tolist()
    mat.prepare_mat_set(mats, tmp_path / "d", FEATS, "ark", source="list")
    d = datadir.validate_data_dir(tmp_path / "d")
    assert d.feature_only and d.rec_ids == ["говорит_1", "говорит_1-2"]
    assert {k: v[0] for k, v in io.read_table(tmp_path / "d/reco2file").items()} == dict(zip(d.rec_ids, map(str, mats)))
    labs = cache.load(tmp_path / "d")[1]
    assert [labs[k].tolist() for k in d.rec_ids] == [y.tolist() for y in ys]


@pytest.mark.parametrize("fmt", cache.FORMATS)
def test_mat_set_goes_straight_into_the_cache(tmp_path, fmt):
    mats = {}
    for i, v73 in ((1, False), (2, True)):
        mats[f"features_labs_{i}"] = toy_mat(tmp_path / f"m/features_labs_{i}.mat", i, v73)
    (tmp_path / "train.lst").write_text("features_labs_1.mat\nfeatures_labs_2.mat\n")
    files = mat.read_list(tmp_path / "train.lst", tmp_path / "m")
    mat.prepare_mat_set(files, tmp_path / "data/train", FEATS, fmt, source=str(tmp_path / "train.lst"))
    d = datadir.validate_data_dir(tmp_path / "data/train", 8000)
    assert d.feature_only and d.rec_ids == sorted(mats)
    feats, labs, info = cache.load(tmp_path / "data/train")
    assert cache.is_up_to_date(tmp_path / "data/train", FEATS, fmt) and info["source"]["from"].endswith("train.lst")
    for k, (x, y) in mats.items():
        assert np.allclose(feats[k], x) and labs[k].tolist() == y.tolist()
        assert FrameGrid().labels(d.regions[k], len(y)).tolist() == y.tolist()  # rttm gives Y back
    # idempotent: the same files again are skipped; a replaced file is read again
    stamp = (tmp_path / "data/train/feats.yaml").stat().st_mtime_ns
    mat.prepare_mat_set(files, tmp_path / "data/train", FEATS, fmt, source=str(tmp_path / "train.lst"))
    assert (tmp_path / "data/train/feats.yaml").stat().st_mtime_ns == stamp
    toy_mat(tmp_path / "m/features_labs_2.mat", 9)
    mat.prepare_mat_set(files, tmp_path / "data/train", FEATS, fmt, source=str(tmp_path / "train.lst"))
    assert not np.allclose(cache.load(tmp_path / "data/train")[0]["features_labs_2"][:5],
                           mats["features_labs_2"][0][:5])


def test_mat_test_file_with_its_audio(tmp_path):
    _, y = toy_mat(tmp_path / "audio_sample_test.mat", 5, wav=tmp_path / "audio_sample_test.wav")
    mat.prepare_mat_set([tmp_path / "audio_sample_test.mat"], tmp_path / "test", FEATS, "ark",
                        tmp_path / "audio_sample_test.wav")
    d = datadir.validate_data_dir(tmp_path / "test", 8000)
    assert not d.feature_only and list(d.wavs) == ["audio_sample_test"]
    assert cache.load(tmp_path / "test")[1]["audio_sample_test"].tolist() == y.tolist()


# ---------------------------------------------------------------- bad input
def _x(n=50, dim=60):
    return np.random.default_rng(0).standard_normal((n, dim))


def _with(a, row, value):
    a = a.copy()
    a[row] = value
    return a


Y50 = (np.arange(50) % 7 < 3).astype(float)[:, None]
BAD = {   # kind: (X, Y, save_mat options, the message after "<file>: ")
    "Y rows != X rows": (_x(), Y50[:49], {}, r"Y is \(49, 1\), expected \(50, 1\) for the 50 frames of X; save one "
                         r"0/1 label per frame of X$"),
    "Y not 0/1": (_x(), _with(Y50, 7, 2), {}, r"Y holds 2.0 in row 8 \(1 rows not 0 or 1\); labels must be 0 "
                  r"\(non-speech\) or 1 \(speech\): re-export Y$"),
    "X with NaN": (_with(_x(), 4, np.nan), Y50, {}, r"X holds NaN or infinite values in row 5 \(1 rows\); re-export "
                   r"the features$"),
    "X with inf (v7.3)": (_with(_x(), 49, np.inf), Y50, {"v73": True}, r"X holds NaN or infinite values in row 50"),
    "wrong X width": (_x(dim=20), Y50, {}, r"X is \(50, 20\), expected \(frames, 60\) \(n_mfcc 20 with 2 deltas, "
                      r"conf/features.yaml\); save X as frames x 60, or set the features config to how X was made$"),
    "X with no frames": (_x(n=0), Y50[:0], {}, r"X has no frames; drop the file from the list$"),
    "no X variable": (_x(), Y50, {"names": ("Z", "Y")}, r"no variable 'X' in the .mat file \(it holds: Y, Z\); save "
                      r"the features as X \(frames x 60\) and the labels as Y \(frames x 1\)$"),
    "no Y variable (v7.3)": (_x(), Y50, {"v73": True, "names": ("X", "Z")}, r"no variable 'Y' .*\(it holds: X, Z\)"),
}


@pytest.fixture
def made_set(tmp_path):
    """A finished set from two good .mat files: (its list, folder, data dir, its files' bytes)."""
    for i in (1, 2):
        toy_mat(tmp_path / f"m/good{i}.mat", i)
    (tmp_path / "train.lst").write_text("good1.mat\ngood2.mat\n")
    prepare(tmp_path / "train.lst", tmp_path / "m", tmp_path / "data/train")
    return tmp_path / "train.lst", tmp_path / "m", tmp_path / "data/train", files(tmp_path / "data/train")


def prepare(lst, folder, out):
    return mat.prepare_mat_set(mat.read_list(lst, folder), out, FEATS, "ark", source=str(lst))


def files(folder):
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.badinput
@pytest.mark.parametrize("kind", BAD)
def test_a_bad_mat_file_is_one_error_and_the_set_stays(made_set, kind):
    lst, folder, out, before = made_set
    x, y, options, message = BAD[kind]
    save_mat(folder / "bad.mat", x, y, **options)
    lst.write_text(lst.read_text() + "bad.mat\n")
    with pytest.raises(InputError, match=rf"^{folder / 'bad.mat'}: {message}") as e:
        prepare(lst, folder, out)
    assert "\n" not in str(e.value) and files(out) == before


@pytest.mark.badinput
def test_not_a_mat_file(made_set):
    lst, folder, out, before = made_set
    (folder / "bad.mat").write_bytes(b"MATLAB? no: a text file renamed\n" * 10)
    lst.write_text(lst.read_text() + "bad.mat\n")
    with pytest.raises(InputError, match=rf"^{folder / 'bad.mat'}: not a readable .mat file \(.*\); re-save it"):
        prepare(lst, folder, out)
    assert files(out) == before


@pytest.mark.badinput
def test_a_list_naming_an_absent_file(made_set):
    lst, folder, out, before = made_set
    lst.write_text("good1.mat\n\nabsent.mat\n")
    with pytest.raises(InputError, match=rf"^{lst}:3: absent.mat not found in {folder}; fix the list or the folder "
                       "option$"):
        prepare(lst, folder, out)
    assert files(out) == before


@pytest.mark.badinput
def test_labels_outlasting_the_test_audio(tmp_path):
    save_mat(tmp_path / "long.mat", np.zeros((500, 60)), np.zeros((500, 1)))
    io.write_wav(tmp_path / "long.wav", np.zeros(8000 * 3, np.float32), 8000)
    with pytest.raises(InputError, match=r"long.mat: Y has 500 frames \(5.0\d s\) but .*long.wav lasts 3.00 s; pair "):
        mat.prepare_mat_set([tmp_path / "long.mat"], tmp_path / "t", FEATS, "ark", tmp_path / "long.wav")
    assert not (tmp_path / "t/feats.yaml").exists()


def test_prepare_mat_script_says_it_in_one_line(tmp_path, monkeypatch, capsys):
    for i in (1, 2):
        toy_mat(tmp_path / f"nb/training_VAD/good{i}.mat", i)
    save_mat(tmp_path / "nb/training_VAD/bad.mat", _x(), _with(Y50, 0, -1))
    (tmp_path / "nb/training_VAD.lst").write_text("good1.mat\nbad.mat\ngood2.mat\n")
    status, err = run_script(monkeypatch, capsys, "local/prepare_mat.py", tmp_path / "nb", tmp_path / "data")
    assert status == 1 and "Traceback" not in err
    assert err.strip().splitlines()[-1] == (f"prepare_mat.py: error: {tmp_path}/nb/training_VAD/bad.mat: Y holds -1.0 "
                                            "in row 1 (1 rows not 0 or 1); labels must be 0 (non-speech) or 1 "
                                            "(speech): re-export Y")
    assert not (tmp_path / "data/train").exists()
