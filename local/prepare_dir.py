#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Data prep for your own recordings: a folder of audio with labels -> one data dir.

e.g.: local/prepare_dir.py --config conf/features.yaml my_recordings/train data/train

Reads every audio file under SRC (wav, flac, ogg, mp3, ...: what libsndfile reads; any rate, mono or
stereo: channels are averaged) and its labels:
<name>.<rttm|voz|txt|lab|csv|tsv|scv> beside each audio file, or label files shared by the
recordings (--labels FILE, else every *.rttm, *.scv or `segments` under SRC).  Formats (vadkit/labels.py):
RTTM, Kaldi segments, .voz (one 0/1 per sample), Audacity label track, CSV/TSV start,end[,label],
TEN-style .scv; detected, or named with --label-format.  Without labels the set is unlabelled.  A .voz
must have one value per audio sample (to 10 ms; shorter ones are padded with non-speech with --pad-labels true).
Writes DATA_DIR/ wav.scp (last), reco2dur, rttm, segments, utt2spk, spk2utt; audio not at the recipe's
rate is resampled once into DATA_DIR/wav/ (files at the rate are listed in place).
"""
from vadkit import cli, config
from vadkit.config import FeatureConfig
from vadkit.corpora import folders
from vadkit.io import labels


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--config", default="conf/features.yaml", help="its sample_rate_hz is the rate of wav.scp's files")
    p.add_argument("--label-format", default="auto", help=f"auto (detect) or one of: {', '.join(labels.FORMATS)}")
    p.add_argument("--labels", help="one label file for all recordings (RTTM, segments or .scv)")
    p.add_argument("--require-labels", type=cli.bool_arg, default=False,
                   help="true: a folder without labels is an error (run.sh: every set is trained on or scored)")
    p.add_argument("--pad-labels", type=cli.bool_arg, default=False, metavar="true|false",
                   help="true: .voz labels (one per sample) over 10 ms shorter than their audio are padded with "
                   "non-speech (default false: an error)")
    p.add_argument("src_dir", help="folder of audio and label files (searched recursively)")
    p.add_argument("data_dir", help="data dir to write, e.g. data/train")
    a = p.parse_args(argv)
    rate = config.load(a.config, FeatureConfig).sample_rate_hz
    fmt = None if a.label_format == "auto" else a.label_format
    s = folders.prepare_folder(a.src_dir, a.data_dir, rate, fmt, a.labels, a.require_labels, a.pad_labels)
    cli.log.info("%s: %d recordings (%d resampled to %d Hz), %s", a.data_dir, s["recordings"], s["resampled"], rate,
                 f"{s['speech_s'] / 60:.1f} min of speech" if s["labelled"] else "unlabelled")


if __name__ == "__main__":
    cli.run(main)
