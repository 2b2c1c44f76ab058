#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Data prep for a corpus stage 0 made (builtin, mix, librimix): data/{train,dev,test[,xdev]}/ from its folders.

e.g.: local/prepare_builtin.py data/local/builtin data
      local/prepare_builtin.py --sets "dev test" --prefix builtin_ data/local/builtin data   # data/builtin_{dev,test}

Reads <corpus>/<set>/*.wav and <corpus>/<set>/rttm (and a train set mixed several times, its `versions`); writes
<data-root>/<set>/ wav.scp, reco2dur, rttm, segments, utt2spk, spk2utt (and reco2version) (README, "Data
directories").
"""
from pathlib import Path

from vadkit import cli, io
from vadkit.data import datadir
from vadkit.errors import InputError

SETS = ("train", "dev", "test", "xdev")   # xdev: the mix corpus's cross-domain dev set, when it has one


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_list("--sets", default=[], help=f"which of the corpus's sets ({' '.join(SETS)}; default: those it has)")
    p.add_argument("--prefix", default="", help="data dir name prefix, e.g. builtin_ (default: none)")
    p.add_argument("corpus_dir")
    p.add_argument("data_root")
    a = p.parse_args(argv)
    a.sets = a.sets or [s for s in SETS if (Path(a.corpus_dir) / s).is_dir() or s != "xdev"]
    if not set(a.sets) <= set(SETS):
        p.error(f"--sets takes a subset of \"{' '.join(SETS)}\", not {' '.join(a.sets)!r}")
    for name in a.sets:
        src = Path(a.corpus_dir) / name
        wavs = {w.stem: str(w) for w in sorted(src.glob("*.wav"))}
        if not wavs:
            raise InputError(f"{src}: no wav files; run stage 0 (corpus) first")
        out = Path(a.data_root) / f"{a.prefix}{name}"
        versions = io.read_table(src / "versions") if (src / "versions").is_file() else {}
        datadir.write_data_dir(out, wavs, io.read_rttm(src / "rttm"),
                               versions={k: int(v) for k, (v,) in versions.items()})
        cli.log.info("%s: %d recordings", out, len(wavs))


if __name__ == "__main__":
    cli.run(main)
