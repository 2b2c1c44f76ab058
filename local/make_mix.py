#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Build the mix corpus: real clean speech utterances over real noise and music, with pauses.

e.g.: local/make_mix.py --config conf/corpus_mix.yaml --speech-dir ../shared/corpora/speech \
        --noise-dir ../shared/corpora/noise data/local/mix

Writes OUT_DIR/{train,dev,test}/mix_<set>_NNNN.wav (16-bit PCM at sample_rate_hz), .../rttm (reference
speech from each clean utterance), .../speakers and .../noises (what each set was made from: no speaker
and no noise file is in two sets; train/train_noises: the --train-noise-dir pool), OUT_DIR/rejected (utterances left out, and why), then OUT_DIR/.done.
Seeded: the same config and source files give the same corpus; skips the work when OUT_DIR/.done
matches.  How files are found, split and mixed: vadkit/real_mix.py.  Noise folders must hold no voices.
"""
import os

from vadkit import cli, config
from vadkit.config import MixCorpusConfig
from vadkit.corpora import mix


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--config", required=True, help="corpus config, e.g. conf/corpus_mix.yaml")
    p.add_argument("--speech-dir", action="append", required=True,
                   help="folder of clean speech utterances (repeat for more)")
    p.add_argument("--noise-dir", action="append", default=[], help="folder of noise/music (repeatable)")
    p.add_argument("--noise-list", action="append", default=[],
                   help="file listing noise/music files, one path per line (repeatable)")
    p.add_argument("--train-noise-dir", action="append", default=[],
                   help="folder of noise/music heard in training only (repeatable; dev, test and xdev stay as they "
                        "are); used with the config's train_noise_prob")
    p.add_argument("--train-noise-list", action="append", default=[],
                   help="file listing train-only noise/music files, one path per line (repeatable)")
    p.add_argument("--nj", type=cli.positive_int, default=os.cpu_count() or 1,
                   help="worker processes (default: all CPUs); the output does not depend on it")
    p.add_argument("out_dir", help="corpus directory to write, e.g. data/local/mix")
    a = p.parse_args(argv)
    cfg = config.load(a.config, MixCorpusConfig)
    mix.make_mix_corpus(cfg, a.out_dir, a.speech_dir, a.noise_dir, a.noise_list, num_jobs=a.nj, where=a.config,
                        train_noise_dirs=a.train_noise_dir, train_noise_lists=a.train_noise_list)


if __name__ == "__main__":
    cli.run(main)
