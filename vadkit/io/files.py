"""Writing files safely: atomic writes (temporary name, then rename), text and JSON; freshness stamps.

A stage's output is up to date when its stamp (a YAML file written last, e.g. feats.yaml,
decode.yaml, ensemble.yaml, a corpus's .done) records the signature of what it was made from:
`is_current(stamp, signature, outputs)` checks it, `write_stamp` writes it.  Signatures name
their inputs by content (`content_digest`: small tables) or by identity (`file_id`,
`identity_digest`: path, size and modification time, for large files read whole elsewhere).

A full disk (or quota) met while writing is a DiskFull (an InputError) naming the output, from
`reporting_disk_full`; the temporary file goes, and a previous output of that name stays intact.

`dir_lock` keeps two runs of one stage out of one directory (exp/<model>/, a decode dir).
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import socket
import time
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

import yaml

from vadkit.errors import DiskFull, InputError, disk_full_reason

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- atomic writes
DISK_FULL_FIX = "free space on its disk or choose another dir"


def tmp_path(path: str | os.PathLike) -> Path:
    """The temporary name an output is written under before its rename: beside it, keeping its suffix
    (libraries that look at it, soundfile and h5py, still work), unique to this process."""
    path = Path(path)
    return path.with_name(f".tmp{os.getpid()}.{path.name}")


@contextlib.contextmanager
def reporting_disk_full(path: str | os.PathLike, fix: str = DISK_FULL_FIX, what: str = "") -> Iterator[None]:
    """Turn a full disk (or quota) met in the block into DiskFull, one line naming `path` (or `what`)
    and `fix`; other errors pass unchanged.  The one place a full disk gets its message."""
    try:
        yield
    except OSError as e:
        reason = disk_full_reason(e)
        if reason is None:
            raise
        raise DiskFull(f"disk full while writing {what or path} ({reason}); {fix}") from None


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, fix: str = DISK_FULL_FIX) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success rename it to `path`, on error delete it.

    A full disk while writing is DiskFull naming `path` and `fix`; a previous `path` stays as it was.
    """
    path = Path(path)
    tmp = tmp_path(path)
    try:
        with reporting_disk_full(path, fix):
            path.parent.mkdir(parents=True, exist_ok=True)
            yield tmp
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, fix: str = DISK_FULL_FIX) -> Iterator[BinaryIO]:
    """atomic_write yielding the temporary file open for binary writing, for libraries that write to
    a file object (torch.save, np.savez): given a path, torch.save turns a full disk into a
    RuntimeError without its errno; given a file, it lets the OSError through."""
    with atomic_write(path, fix) as tmp, open(tmp, "wb") as f:
        yield f


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write `text` as UTF-8 (whatever the locale: ids may hold any script), atomically."""
    with atomic_write(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def read_text(path: str | os.PathLike) -> str:
    """A UTF-8 text file's text; another encoding is an InputError naming the file and the fix."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")   # -sig: a byte-order mark (Excel, Notepad) is no text
    except UnicodeDecodeError as e:
        line = e.object[:e.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: not UTF-8 text; convert the file, e.g. iconv -f LATIN1 -t UTF-8") from None


def write_json(path: str | os.PathLike, obj) -> None:
    write_text(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")


def read_json(path: str | os.PathLike):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not valid JSON ({e}); delete it and re-run the stage that makes it") from None


# ---------------------------------------------------------------- freshness stamps
def file_id(path: str | os.PathLike) -> dict:
    """{path, bytes, mtime_ns} of a file: changes when it is replaced or rewritten."""
    st = Path(path).stat()
    return {"path": str(path), "bytes": st.st_size, "mtime_ns": st.st_mtime_ns}


def identity_digest(paths: Iterable[str | os.PathLike]) -> str:
    """sha1 over each file's absolute path, size and modification time (no file is read)."""
    h = hashlib.sha1()
    for p in paths:
        st = Path(p).stat()
        h.update(f"{Path(p).resolve()}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def content_digest(paths: Iterable[str | os.PathLike]) -> str:
    """sha1 over each file's name and bytes ('-' for a missing file)."""
    h = hashlib.sha1()
    for p in map(Path, paths):
        h.update(p.name.encode() + (p.read_bytes() if p.is_file() else b"-"))
    return h.hexdigest()


def read_stamp(stamp: str | os.PathLike) -> dict | None:
    """The mapping a stamp holds; None when it is missing or unreadable (then the work is redone)."""
    try:
        data = yaml.safe_load(Path(stamp).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


def is_current(stamp: str | os.PathLike, signature: dict, outputs: Iterable[str | os.PathLike] = (),
               upgrade: Callable[[dict], dict] | None = None) -> bool:
    """True when every output exists and `stamp` records `signature` (the stamp may hold more keys,
    e.g. counts).  `upgrade(recorded)` may first bring an older stamp's values to today's form."""
    if not all(Path(p).is_file() for p in outputs):
        return False
    recorded = read_stamp(stamp)
    if recorded is None:
        return False
    if upgrade is not None:
        recorded = upgrade(recorded)
    return {k: recorded.get(k) for k in signature} == signature


def write_stamp(stamp: str | os.PathLike, signature: dict, **extra) -> None:
    """Write the stamp (YAML, atomically): the signature, then `extra` facts.  Write it last."""
    write_text(stamp, yaml.safe_dump({**signature, **extra}, sort_keys=False))


# ---------------------------------------------------------------- one run per directory
LOCK_NAME = ".lock"


@contextlib.contextmanager
def dir_lock(path: str | os.PathLike, what: str) -> Iterator[None]:
    """Hold `<path>/.lock` (flock, exclusive) while the block runs; InputError naming the holder when
    another process holds it.  The kernel drops the lock when its process ends, however it ends, so a
    .lock file left behind never blocks: only a live run does.  The file says who holds it (pid, host,
    start time, `what`), for the message.  steps/decode.sh takes the same lock with flock(1)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    with open(path / LOCK_NAME, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "pid unknown"
            raise InputError(f"{path} is in use by another run ({holder}); wait for it to finish or stop it, "
                             "then run again") from None
        except OSError as e:   # a file system without locks (some network mounts): run, unguarded
            log.warning("%s: cannot lock (%s); not guarded against a second run at once", f.name, e)
        f.seek(0)
        f.truncate()
        f.write(f"pid {os.getpid()} on {socket.gethostname()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}, "
                f"{what}\n")
        f.flush()
        yield
