"""Stage 2's cache: ark and HDF5 hold the same numbers; --nj 2 merges to the --nj 1 bytes."""
import filecmp
import shutil

import numpy as np
import pytest

from vadkit import io
from vadkit.config import FeatureConfig
from vadkit.errors import InputError
from vadkit.features import cache
from vadkit.features.extract import features_of_file

CFG = FeatureConfig()


def _cache(data_dir, fmt, nj):
    for job in range(1, nj + 1):
        cache.make_part(data_dir, CFG, fmt, nj, job)
    cache.merge_parts(data_dir, CFG, fmt, nj)


def test_ark_and_hdf5_round_trip_identically(toy_dir, tmp_path):
    h5_dir = tmp_path / "toy_h5"
    shutil.copytree(toy_dir, h5_dir)
    _cache(toy_dir, "ark", 1)
    _cache(h5_dir, "hdf5", 1)
    fa, la, info = cache.load(toy_dir)
    fh, lh, _ = cache.load(h5_dir)
    assert info["format"] == "ark" and sorted(fa) == sorted(fh) == ["toy_000", "toy_001", "toy_002"]
    for k in fa:
        assert fa[k].dtype == np.float32 and fa[k].shape[1] == 60
        assert np.array_equal(fa[k], fh[k]) and np.array_equal(la[k], lh[k])
        assert len(la[k]) == len(fa[k])
        assert np.array_equal(fa[k], features_of_file(str(toy_dir / "wav" / f"{k}.wav"), CFG))
    assert not (toy_dir / "feats_parts").exists()
    for d in (toy_dir, h5_dir):  # a decode job reads only its part
        part, part_labels, _ = cache.load(d, rec_ids=["toy_001"])
        assert list(part) == list(part_labels) == ["toy_001"] and np.array_equal(part["toy_001"], fa["toy_001"])
    assert io.read_json(toy_dir / "cmvn.json")["n_frames"] == sum(len(v) for v in fa.values())


@pytest.mark.parametrize("fmt", ["ark", "hdf5"])
def test_parallel_jobs_merge_to_the_same_files(toy_dir, tmp_path, fmt):
    two = tmp_path / "two"
    shutil.copytree(toy_dir, two)
    _cache(toy_dir, fmt, 1)
    _cache(two, fmt, 2)
    names = ["feats.h5"] if fmt == "hdf5" else ["feats.ark", "feats.scp", "labels.ark", "labels.scp"]
    for n in names + ["cmvn.json"]:
        if n.endswith(".scp"):  # scp lines name their own ark path; offsets must agree
            assert (toy_dir / n).read_text().replace(str(toy_dir), "X") == (two / n).read_text().replace(str(two), "X")
        elif n == "feats.h5":
            a, b = io.read_h5(toy_dir / n, "feats"), io.read_h5(two / n, "feats")
            assert all(np.array_equal(a[k], b[k]) for k in a) and sorted(a) == sorted(b)
        else:
            assert filecmp.cmp(toy_dir / n, two / n, shallow=False), n


def test_up_to_date_cache_is_skipped_and_config_change_redoes_it(toy_dir):
    _cache(toy_dir, "ark", 1)
    mtime = (toy_dir / "feats.ark").stat().st_mtime_ns
    _cache(toy_dir, "ark", 1)
    assert (toy_dir / "feats.ark").stat().st_mtime_ns == mtime
    assert cache.is_up_to_date(toy_dir, CFG, "ark")
    assert not cache.is_up_to_date(toy_dir, FeatureConfig(n_mels=30), "ark")
    assert not cache.is_up_to_date(toy_dir, CFG, "hdf5")


@pytest.mark.badinput
def test_missing_wav_stops_stage_2_and_leaves_nothing(toy_dir):
    (toy_dir / "wav" / "toy_002.wav").unlink()
    with pytest.raises(InputError, match=r"toy_002.wav: audio file not found"):
        _cache(toy_dir, "ark", 1)
    part = toy_dir / "feats_parts" / "1.1"
    assert not (toy_dir / "feats.yaml").exists() and not (toy_dir / "feats.ark").exists()
    assert not part.exists() or sorted(p.name for p in part.iterdir()) == []


@pytest.mark.badinput
def test_nan_audio_is_rejected(toy_dir):
    import soundfile as sf
    x = np.zeros(8000, np.float32)
    x[100] = np.nan
    sf.write(toy_dir / "wav" / "toy_001.wav", x, 8000, subtype="FLOAT")
    with pytest.raises(InputError, match=r"toy_001.wav: audio contains NaN"):
        _cache(toy_dir, "ark", 1)


@pytest.mark.badinput
def test_merge_refuses_unfinished_parts(toy_dir):
    cache.make_part(toy_dir, CFG, "ark", 2, 1)
    with pytest.raises(InputError, match=r"feature parts not finished: .*2\.2"):
        cache.merge_parts(toy_dir, CFG, "ark", 2)
