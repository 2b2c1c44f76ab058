"""Corpus archives for connected machines: download (resumable), verify, extract; or read a local mirror.

An archive is described by its file name, URL and md5 (conf/download_librimix.yaml).  `fetch`:
- with a mirror folder, uses MIRROR/<name> in place (nothing is copied or downloaded);
- otherwise keeps DEST/<name>: a complete, verified copy is never downloaded again; a partial download DEST/<name>.part is resumed with an HTTP Range request
  (started over if the server ignores it); the finished file is checked before it takes its name.
A checksum mismatch is an InputError naming the file; the bad download is removed, never kept under
the archive's name.  `extract_deb_sounds` takes the audio out of a Debian package of sounds (the
train-only noise pool, conf/download_noise.yaml).  DEST/<name>.md5 records a verified file (md5, size, mtime, path), so an unchanged
archive is not hashed again (MUSAN is 11 GB).  `extract` unpacks members under chosen prefixes into a folder made under a
temporary name and renamed, so an interrupted extraction is redone, a finished one skipped.
"""
from __future__ import annotations

import hashlib
import io as pyio
import logging
import lzma
import os
import re
import shutil
import tarfile
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import yaml

from vadkit import io
from vadkit.errors import InputError

log = logging.getLogger(__name__)

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Archive:
    name: str      # file name, e.g. dev-clean-2.tar.gz
    url: str
    md5: str
    role: str      # what the recipe does with it (speech, musan; deb: conf/download_noise.yaml)


def load_archives(path: str | Path) -> list[Archive]:
    """The `archives:` list of a download config; a missing or unknown key names the file and entry."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: config file not found")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as e:
        raise InputError(f"{path}: invalid YAML ({e})") from None
    keys = {"name", "url", "md5", "role"}
    if not {"archives"} <= set(data) <= {"archives", "exclude"} or not isinstance(data["archives"], list):
        raise InputError(f"{path}: expected archives: a list of {{{', '.join(sorted(keys))}}} (and optionally "
                         "exclude: a list of regexes)")
    out = []
    for i, entry in enumerate(data["archives"], 1):
        if not isinstance(entry, dict) or set(entry) != keys:
            raise InputError(f"{path}: archive {i}: needs exactly the keys {', '.join(sorted(keys))}")
        out.append(Archive(**{k: str(v) for k, v in entry.items()}))
    return out


def md5sum(path: str | Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _verify(path: Path, archive: Archive) -> None:
    got = md5sum(path)
    if got != archive.md5:
        raise InputError(f"{path}: md5 {got} but {archive.name} should have {archive.md5}; "
                         "the file is corrupt or a different version: delete it and fetch it again")


def _download(url: str, part: Path) -> None:
    """Download url into `part`, continuing from its current size when the server allows."""
    have = part.stat().st_size if part.exists() else 0
    req = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        resp = urllib.request.urlopen(req, timeout=60)
    except urllib.error.HTTPError as e:
        if e.code == 416:  # range not satisfiable: the part is already whole
            return
        raise InputError(f"{url}: download failed (HTTP {e.code}); try again later or use --mirror") from None
    except (urllib.error.URLError, OSError) as e:
        raise InputError(f"{url}: download failed ({e}); check the network or use --mirror DIR") from None
    from tqdm import tqdm
    with resp:
        resumed = have and resp.status == 206
        if have and not resumed:
            log.info("%s: the server ignored the range request; starting over", url)
            have = 0
        total = int(resp.headers.get("Content-Length", 0)) + have or None
        try:
            with open(part, "ab" if resumed else "wb") as f, \
                    tqdm(total=total, initial=have, unit="B", unit_scale=True, desc=part.name[:-5]) as bar:
                for block in iter(lambda: resp.read(_CHUNK), b""):
                    f.write(block)
                    bar.update(len(block))
        except OSError as e:
            raise InputError(f"{url}: download interrupted ({e}); run again to resume {part}") from None
    if total and part.stat().st_size < total:
        raise InputError(f"{url}: download stopped at {part.stat().st_size} of {total} bytes; "
                         f"run again to resume {part}")


def _signature(path: Path, archive: Archive) -> dict:
    """What a verification is valid for: this very file (place, size, time) and the expected md5."""
    return {"md5": archive.md5, "file": io.file_id(path.resolve())}


def fetch(archive: Archive, dest_dir: str | Path, mirror: str | Path | None = None) -> Path:
    """Path of a verified copy of the archive (module docstring).  A file once verified is recorded in
    DEST/<name>.md5 (md5, size, mtime, path) and not hashed again while it stays the same."""
    dest = Path(dest_dir)
    stamp = dest / f"{archive.name}.md5"
    if mirror is not None:
        path = Path(mirror) / archive.name
        if not path.is_file():
            raise InputError(f"{path}: not in the mirror; copy {archive.name} there (from {archive.url})")
        if not io.is_current(stamp, _signature(path, archive)):
            _verify(path, archive)
            io.write_stamp(stamp, _signature(path, archive))
        log.info("%s: verified (mirror, used in place)", path)
        return path
    dest.mkdir(parents=True, exist_ok=True)
    path, part = dest / archive.name, dest / f"{archive.name}.part"
    if path.is_file():
        if io.is_current(stamp, _signature(path, archive)):
            log.info("%s: complete and verified; not downloading it again", path)
            return path
        _verify(path, archive)
    else:
        log.info("%s: %s from %s", archive.name, "resuming" if part.exists() else "downloading", archive.url)
        _download(archive.url, part)
        try:
            _verify(part, archive)
        except InputError:
            part.unlink()
            raise
        os.replace(part, path)
    io.write_stamp(stamp, _signature(path, archive))
    return path


def _made_once(out_dir: str | Path, fill: Callable[[Path], None]) -> Path:
    """OUT_DIR, made once: fill(tmp) writes into a temporary folder beside it, which is then renamed, so
    OUT_DIR only ever appears complete and is skipped when it exists; a failed fill leaves nothing behind."""
    out = Path(out_dir)
    if out.is_dir():
        log.info("%s: already extracted", out)
        return out
    tmp = out.with_name(f".{out.name}.partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        fill(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    os.replace(tmp, out)
    return out


def extract(tar_path: str | Path, out_dir: str | Path, prefixes: Sequence[str] = ("",)) -> Path:
    """Unpack the members of a tar(.gz) whose names start with one of `prefixes` into OUT_DIR, once
    (_made_once).  Unsafe members (absolute, ..) are refused."""
    def fill(tmp: Path) -> None:
        log.info("extracting %s -> %s", tar_path, out_dir)
        try:
            with tarfile.open(tar_path) as tar:
                for member in tar:
                    if member.name.startswith(tuple(prefixes)):
                        tar.extract(member, tmp, filter="data")
        except (tarfile.TarError, OSError) as e:
            raise InputError(f"{tar_path}: cannot extract ({e}); delete it and fetch it again") from None
    return _made_once(out_dir, fill)


def musan_noise_files(musan_dir: str | Path) -> list[Path]:
    """MUSAN noise and music files for a non-speech background: speech/ is never used, and music whose
    ANNOTATIONS line (`<file> <genres> <vocals Y/N> <artist>`) says vocals Y is left out."""
    root = Path(musan_dir)
    files = sorted((root / "noise").rglob("*.wav"))
    for ann in sorted((root / "music").rglob("ANNOTATIONS")):
        vocals = {}
        for lineno, line in enumerate(ann.read_text().splitlines(), 1):
            fields = line.split()
            if len(fields) < 3:
                raise InputError(f"{ann}:{lineno}: expected '<file> <genres> <vocals Y/N> ...'")
            vocals[fields[0]] = fields[2] == "Y"
        for wav in sorted(ann.parent.glob("*.wav")):
            if wav.stem not in vocals:
                raise InputError(f"{ann}: no line for {wav.name}; cannot tell whether it has vocals")
            if not vocals[wav.stem]:
                files.append(wav)
    if not files:
        raise InputError(f"{root}: no MUSAN noise or music (noise/**/*.wav, music/*/ANNOTATIONS) in it")
    return files


# ---------------------------------------------------------------- Debian packages of sounds
AUDIO_MEMBERS = (".wav", ".flac", ".ogg", ".oga", ".opus")
_MIN_SOUND_S = 0.1


def load_exclude(path: str | Path) -> list[str]:
    """The optional `exclude:` regex list of a download config (conf/download_noise.yaml)."""
    data = yaml.safe_load(Path(path).read_text()) or {}
    pats = data.get("exclude", [])
    if not isinstance(pats, list):
        raise InputError(f"{path}: exclude must be a list of regexes")
    for pat in pats:
        try:
            re.compile(str(pat))
        except re.error as e:
            raise InputError(f"{path}: exclude pattern {pat!r} is not a valid regex ({e})") from None
    return [str(p) for p in pats]


def deb_data(deb_path: str | Path) -> tarfile.TarFile:
    """The data.tar.* member of a .deb (an ar archive) opened as a tar file (xz, gz, bz2 or none)."""
    f = open(deb_path, "rb")
    try:
        if f.read(8) != b"!<arch>\n":
            raise InputError(f"{deb_path}: not a Debian package (no ar header); delete it and fetch it again")
        while header := f.read(60):
            name, size = header[:16].decode().strip().rstrip("/"), int(header[48:58])
            if name.startswith("data.tar"):
                if name.endswith(".zst"):
                    raise InputError(f"{deb_path}: data.tar.zst is not readable here; unpack it with dpkg-deb")
                return tarfile.open(fileobj=pyio.BytesIO(f.read(size)))
            f.seek(size + size % 2, os.SEEK_CUR)
    except (ValueError, UnicodeDecodeError, tarfile.TarError) as e:
        raise InputError(f"{deb_path}: corrupt Debian package ({e}); delete it and fetch it again") from None
    finally:
        f.close()
    raise InputError(f"{deb_path}: no data.tar member; delete it and fetch it again")


def _write_sounds(deb_path: str | Path, tmp: Path, exclude: Sequence[str]) -> None:
    """extract_deb_sounds' work, into `tmp`."""
    import soundfile as sf
    kept = skipped = 0
    with deb_data(deb_path) as tar:
        for m in tar:
            if not m.isfile():
                continue
            if m.name.endswith("/copyright") and "/usr/share/doc/" in f"/{m.name.lstrip('./')}":
                (tmp / "copyright").write_bytes(tar.extractfile(m).read())
                continue
            if Path(m.name).suffix.lower() not in AUDIO_MEMBERS or any(re.search(p, m.name) for p in exclude):
                continue
            try:
                x, rate = sf.read(pyio.BytesIO(tar.extractfile(m).read()), dtype="float32", always_2d=True)
            except (RuntimeError, sf.LibsndfileError) as e:
                raise InputError(f"{deb_path}: {m.name}: unreadable audio ({e})") from None
            x = x.mean(axis=1)
            if len(x) < _MIN_SOUND_S * rate or not np.any(np.abs(x) >= 1e-4):
                skipped += 1
                continue
            target = tmp / f"{Path(m.name).stem}.flac"
            if target.exists():
                raise InputError(f"{deb_path}: two audio members named {Path(m.name).stem}; cannot keep both")
            sf.write(str(target), x, rate, subtype="PCM_16")
            kept += 1
    if not kept:
        raise InputError(f"{deb_path}: no usable audio in it (after the exclude patterns); drop it from the config")
    log.info("%s: %d sounds (%d too short or silent)", deb_path, kept, skipped)


def extract_deb_sounds(deb_path: str | Path, out_dir: str | Path, exclude: Sequence[str] = ()) -> Path:
    """Every audio member of a .deb (AUDIO_MEMBERS) not matching an `exclude` regex, as OUT_DIR/<stem>.flac:
    mono, its own rate, 16-bit; members under 0.1 s or digitally silent are skipped; the package's
    copyright file as OUT_DIR/copyright.  Made once (_made_once)."""
    def fill(tmp: Path) -> None:
        try:
            _write_sounds(deb_path, tmp, exclude)
        except (tarfile.TarError, EOFError, lzma.LZMAError, zlib.error) as e:
            raise InputError(f"{deb_path}: corrupt Debian package ({e}); delete it and fetch it again") from None
    return _made_once(out_dir, fill)
