#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Fetch the --corpus librimix sources: mini LibriSpeech (OpenSLR 31) and MUSAN (OpenSLR 17).

e.g.: local/download_librimix.py --config conf/download_librimix.yaml data/local/downloads
      local/download_librimix.py --config conf/download_librimix.yaml --mirror /srv/openslr data/local/downloads

Each archive of the config is downloaded into DEST (resumed if partial, never again once complete and
verified) or, with --mirror DIR, read from DIR/<name> in place; its md5 is checked either way.
Writes DEST/speech/<archive stem>/ (role speech: the whole archive, LibriSpeech/<set>/<spk>/<chapter>/
*.flac), DEST/musan/ (role musan: noise/ and music/ only; speech/ is never unpacked) and last
DEST/noise.list: MUSAN noise, plus the music whose ANNOTATIONS say no vocals (vadkit/download.py).
"""
from pathlib import Path

from vadkit import cli, io
from vadkit.corpora import download
from vadkit.errors import InputError


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--config", required=True, help="archive list, e.g. conf/download_librimix.yaml")
    p.add_argument("--mirror", default=None, help="folder holding the archives (nothing is downloaded)")
    p.add_argument("dest_dir", help="where archives and their contents go, e.g. data/local/downloads")
    a = p.parse_args(argv)
    dest = Path(a.dest_dir)
    noise = []
    for archive in download.load_archives(a.config):
        tar = download.fetch(archive, dest, a.mirror)
        if archive.role == "speech":
            download.extract(tar, dest / "speech" / archive.name.split(".")[0])
        elif archive.role == "musan":
            root = download.extract(tar, dest / "musan", ["musan/noise/", "musan/music/"])
            noise += download.musan_noise_files(root / "musan")
        else:
            raise InputError(f"{a.config}: {archive.name}: role {archive.role!r} is not speech or musan")
    if not noise:
        raise InputError(f"{a.config}: no archive with role musan; the mix needs noise")
    io.write_text(dest / "noise.list", "".join(f"{f}\n" for f in noise))
    cli.log.info("%s: %d noise and music files", dest / "noise.list", len(noise))


if __name__ == "__main__":
    cli.run(main)
