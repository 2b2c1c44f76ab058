#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Fetch the train-only noise pool: music, sound effects and ambiences from Debian packages of sounds.

e.g.: local/download_noise.py --config conf/download_noise.yaml data/local/downloads
      local/download_noise.py --config conf/download_noise.yaml --mirror /srv/debs data/local/downloads
then: ./run.sh --corpus mix ... --train-noise-dir data/local/downloads/debian_noise

Each package of the config (role deb) is downloaded into DEST (resumed if partial, never again once complete
and verified) or, with --mirror DIR (e.g. a folder filled by `apt-get download <package>`), read from
DIR/<name> in place; its md5 is checked either way.  Writes DEST/debian_noise/<package>/*.flac (every audio
member not matching the config's `exclude` patterns: mono, its own rate) and .../copyright (its licence).
About 300 MB of packages, 430 MB of FLAC.  The pool is heard in training only, with the corpus config's
train_noise_prob (vadkit/corpora/mix.py), so dev, test and xdev scores stay comparable.
"""
from pathlib import Path

from vadkit import cli
from vadkit.corpora import download
from vadkit.errors import InputError


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--config", required=True, help="package list, e.g. conf/download_noise.yaml")
    p.add_argument("--mirror", default=None, help="folder holding the .deb files (nothing is downloaded)")
    p.add_argument("dest_dir", help="where packages and their sounds go, e.g. data/local/downloads")
    a = p.parse_args(argv)
    dest = Path(a.dest_dir)
    exclude = download.load_exclude(a.config)
    archives = download.load_archives(a.config)
    for archive in archives:
        if archive.role != "deb":
            raise InputError(f"{a.config}: {archive.name}: role {archive.role!r} is not deb")
    for archive in archives:
        deb = download.fetch(archive, dest, a.mirror)
        download.extract_deb_sounds(deb, dest / "debian_noise" / archive.name.split("_")[0], exclude)
    n = sum(1 for _ in (dest / "debian_noise").rglob("*.flac"))
    cli.log.info("%s: %d sounds from %d packages", dest / "debian_noise", n, len(archives))


if __name__ == "__main__":
    cli.run(main)
