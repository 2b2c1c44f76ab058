#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Data prep for the notebook's .mat features: data/{train,dev,test} with their feature caches.

e.g.: local/prepare_mat.py --config conf/features.yaml --feat-format ark /path/to/notebook data

Reads MAT_DIR/training_VAD.lst and valid_VAD.lst (one .mat file name per line; the files are in
MAT_DIR/<list name>/ when that folder exists, as the notebook unpacks them, else in MAT_DIR) and
the single-file test MAT_DIR/audio_sample_test.mat with its audio_sample_test.wav.  Each .mat
holds X (frames x 60: 20 MFCC + delta + delta-delta, 100 frames/s) and Y (frames x 1, 0/1);
classic and v7.3 (HDF5) files are read.  X and Y go straight into DATA_ROOT/<set>/'s feature cache
(feats.scp+labels.scp or feats.h5, cmvn.json, feats.yaml last); rttm/segments/reco2dur come from Y.
train and dev have no audio (no wav.scp); test lists its wav (resampled once if not at the rate).
"""
from pathlib import Path

from vadkit import cli, config
from vadkit.config import FeatureConfig
from vadkit.corpora import mat
from vadkit.features import cache


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--config", default="conf/features.yaml", help="features config: dims, hop, rate")
    p.add_argument("--feat-format", choices=cache.FORMATS, default="ark")
    p.add_argument("--train-list", default="training_VAD.lst", help="training list, relative to MAT_DIR")
    p.add_argument("--dev-list", default="valid_VAD.lst", help="validation list, relative to MAT_DIR")
    p.add_argument("--train-folder", help="folder of the training .mat files (default: see above)")
    p.add_argument("--dev-folder", help="folder of the validation .mat files (default: see above)")
    p.add_argument("--test", default="audio_sample_test", help="test file name: <MAT_DIR>/<test>.mat (+ .wav)")
    p.add_argument("mat_dir")
    p.add_argument("data_root")
    a = p.parse_args(argv)
    cfg = config.load(a.config, FeatureConfig)
    mat_dir, root = Path(a.mat_dir), Path(a.data_root)
    for name, lst, folder in (("train", a.train_list, a.train_folder), ("dev", a.dev_list, a.dev_folder)):
        lst = mat_dir / lst
        if folder is None:
            folder = mat_dir / lst.stem if (mat_dir / lst.stem).is_dir() else mat_dir
        mats = mat.read_list(lst, folder)
        s = mat.prepare_mat_set(mats, root / name, cfg, a.feat_format, source=str(lst))
        cli.log.info("%s: %d .mat files, %d frames, %.1f min of speech", root / name, s["recordings"], s["frames"],
                     s["speech_s"] / 60)
    test_mat, wav = mat_dir / f"{a.test}.mat", mat_dir / f"{a.test}.wav"
    s = mat.prepare_mat_set([test_mat], root / "test", cfg, a.feat_format, wav if wav.is_file() else None,
                            source=str(test_mat))
    cli.log.info("%s: %s, %d frames, %.1f min of speech%s", root / "test", test_mat.name, s["frames"], s["speech_s"] / 60,
                 "" if wav.is_file() else f" (no {wav.name}: no audio, no figure)")


if __name__ == "__main__":
    cli.run(main)
