"""Per-recording arrays on disk: Kaldi ark/scp or HDF5 groups behind one interface.

A folder holds named tables of {rec_id: array} in one of FORMATS:
  ark:  <folder>/<table>.ark + <table>.scp for each table (kaldiio);
  hdf5: <folder>/<first table>.h5 with one group per table (h5py).
The feature cache uses the tables (feats, labels): feats.ark/scp + labels.ark/scp, or feats.h5
with /feats and /labels; a decode dir uses (probs,): probs.ark/scp or probs.h5 with /probs.
TableWriter writes them atomically; read_table reads one back; remove_tables clears both formats.
"""
from __future__ import annotations

import contextlib
import os
import warnings
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from vadkit.errors import InputError
from vadkit.io.files import atomic_write, reporting_disk_full, tmp_path


FORMATS = ("ark", "hdf5")


# ---------------------------------------------------------------- one file each
class ArkWriter:
    """Write {rec_id: matrix} into one Kaldi ark with its scp (kaldiio), atomically."""

    def __init__(self, ark: str | os.PathLike, scp: str | os.PathLike):
        import kaldiio
        self.ark, self.scp = Path(ark), Path(scp)
        self._tmp_ark, self._tmp_scp = tmp_path(self.ark), tmp_path(self.scp)
        with reporting_disk_full(self.ark):
            self.ark.parent.mkdir(parents=True, exist_ok=True)
            self._w = kaldiio.WriteHelper(f"ark,scp:{self._tmp_ark},{self._tmp_scp}")

    def write(self, rec_id: str, mat: np.ndarray) -> None:
        with reporting_disk_full(self.ark):
            self._w(rec_id, mat)

    def close(self) -> None:
        with reporting_disk_full(self.ark):
            self._w.close()
        # The scp must name the final ark, not the temporary one; kaldiio writes UTF-8 whatever the locale.
        text = self._tmp_scp.read_text(encoding="utf-8").replace(str(self._tmp_ark), str(self.ark))
        self._tmp_scp.unlink()
        with atomic_write(self.scp) as tmp:
            tmp.write_text(text, encoding="utf-8")
            with reporting_disk_full(self.ark):
                os.replace(self._tmp_ark, self.ark)

    def abort(self) -> None:
        with contextlib.suppress(OSError):   # a full disk fails the last flush too: the files go anyway
            self._w.close()
        for p in (self._tmp_ark, self._tmp_scp):
            p.unlink(missing_ok=True)

    def remove(self) -> None:
        """Delete the outputs close() renamed into place."""
        for p in (self.ark, self.scp):
            p.unlink(missing_ok=True)


def read_scp(scp: str | os.PathLike) -> Mapping[str, np.ndarray]:
    """Lazy {rec_id: array} over a Kaldi scp (kaldiio); an entry whose ark cannot be read is an InputError.

    The recipe writes ark paths relative to the directory a stage ran in (data/train/feats.ark:12), as Kaldi
    does.  Read from elsewhere (another copy of the recipe, an absolute exp path), such a path would name
    another run's ark, or none: so a relative path whose leading folders are the scp's own last folders is
    read from the run the scp belongs to (/runs/a/data/train/feats.scp -> /runs/a/data/train/feats.ark)."""
    scp = Path(scp)
    if not scp.is_file():
        raise InputError(f"{scp}: file not found; run the stage that makes it")
    entries, arks = {}, {}                 # arks: each ark path resolved once (most entries share one ark)
    for line in scp.read_text(encoding="utf-8").splitlines():
        if line.strip():
            key, _, value = line.strip().partition(" ")
            path, sep, offset = value.strip().rpartition(":")
            if sep and path and offset.split("[")[0].isdigit():
                if path not in arks:
                    arks[path] = _anchored(scp, path)
                entries[key] = f"{arks[path]}:{offset}"
            else:
                entries[key] = value.strip()
    return _CheckedScp(scp, entries)


def _anchored(scp: Path, path: str) -> str:
    """A relative ark path resolved against the run holding the scp, when its leading folders are the scp's
    last folders and the ark is there; else unchanged (Kaldi's rule: relative to the working directory)."""
    if Path(path).is_absolute():
        return path
    where, rel = Path(os.path.abspath(scp)).parent.parts, Path(path).parts[:-1]
    for k in range(min(len(where), len(rel)), 0, -1):
        if where[len(where) - k:] == rel[:k]:
            candidate = Path(*where[:len(where) - k], path)
            if candidate.is_file():
                return str(candidate)
    return path


class _CheckedScp(Mapping):
    """A lazy scp table (rec_id -> kaldiio value) whose reads name the scp line and the fix instead of a
    kaldiio traceback (an ark moved or deleted: scp paths are relative to where a stage ran)."""

    def __init__(self, scp: Path, entries: dict[str, str]):
        self.scp, self._entries = scp, entries

    def __getitem__(self, key: str) -> np.ndarray:
        import kaldiio
        value = self._entries[key]                               # an unknown key stays a KeyError
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)     # kaldiio's own note before the error
                return kaldiio.load_mat(value)
        except (OSError, ValueError, EOFError) as e:
            raise InputError(f"{self.scp}: the entry for {key!r} cannot be read ({e}); its paths are relative to "
                             "the directory the stage ran in: run from there, or redo the stage that wrote it "
                             "(--overwrite true)") from None

    def __iter__(self):
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


class H5Writer:
    """Write arrays into groups of one HDF5 file (h5py), atomically: `write(group, rec_id, array)`."""

    def __init__(self, path: str | os.PathLike):
        import h5py
        self.path = Path(path)
        self._tmp = tmp_path(self.path)
        try:
            with reporting_disk_full(self.path):
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._f = h5py.File(self._tmp, "w")
        except BaseException:
            self._tmp.unlink(missing_ok=True)
            raise

    def write(self, group: str, rec_id: str, arr: np.ndarray) -> None:
        with reporting_disk_full(self.path):
            self._f.require_group(group).create_dataset(rec_id, data=arr)

    def close(self) -> None:
        with reporting_disk_full(self.path):
            self._f.close()
            os.replace(self._tmp, self.path)

    def abort(self) -> None:
        with contextlib.suppress(OSError, RuntimeError):   # a full disk fails the last flush too
            self._f.close()
        self._tmp.unlink(missing_ok=True)

    def remove(self) -> None:
        """Delete the output close() renamed into place."""
        self.path.unlink(missing_ok=True)


def read_h5(path: str | os.PathLike, group: str, keys=None) -> dict[str, np.ndarray] | None:
    """Read one group of an HDF5 file (only `keys` if given) into memory: {rec_id: array};
    None if the group is absent."""
    import h5py
    if not Path(path).is_file():
        raise InputError(f"{path}: file not found; run the stage that makes it")
    with h5py.File(path, "r") as f:
        if group not in f:
            return None
        return {k: f[group][k][()] for k in f[group] if keys is None or k in keys}


# ---------------------------------------------------------------- tables of a folder, either format
def check_format(fmt: str, where: str = "--feat-format") -> str:
    if fmt not in FORMATS:
        raise InputError(f"{where}: unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return fmt


def _h5(folder: Path, tables: Sequence[str]) -> Path:
    return folder / f"{tables[0]}.h5"


class TableWriter:
    """Write tables {rec_id: array} into `folder` in format `fmt` (module docstring); atomic: nothing
    appears under a final name before close(), and abort() (or an exception in a `with` block, a full
    disk included) leaves no temporary file.  `tables[0]` names the HDF5 file."""

    def __init__(self, folder: str | os.PathLike, fmt: str, tables: Sequence[str]):
        folder, self.fmt = Path(folder), check_format(fmt)
        if fmt == "hdf5":
            self._h5 = H5Writer(_h5(folder, tables))
            self._writers = [self._h5]
            return
        self._ark, self._writers = {}, []
        try:
            for t in tables:
                self._ark[t] = ArkWriter(folder / f"{t}.ark", folder / f"{t}.scp")
                self._writers.append(self._ark[t])
        except BaseException:
            self.abort()
            raise

    def write(self, table: str, rec_id: str, arr: np.ndarray) -> None:
        if self.fmt == "hdf5":
            self._h5.write(table, rec_id, arr)
        else:
            self._ark[table].write(rec_id, arr)

    def close(self) -> None:
        """Rename every table to its final name.  When one fails (a full disk) none is left: the tables
        renamed already go too, so the folder never holds some tables of the new set and not others."""
        done = []
        try:
            for w in self._writers:
                w.close()
                done.append(w)
        except BaseException:
            for w in self._writers[len(done):]:
                w.abort()
            for w in done:
                w.remove()
            raise

    def abort(self) -> None:
        for w in self._writers:
            w.abort()

    def __enter__(self) -> "TableWriter":
        return self

    def __exit__(self, exc_type, *_) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def read_table(folder: str | os.PathLike, fmt: str, tables: Sequence[str], table: str,
               keys=None) -> Mapping[str, np.ndarray] | None:
    """{rec_id: array} of one table (only `keys` if given; ark: read lazily, on access).  A missing
    first table is an InputError; a missing other table (a set without labels) is None."""
    folder = Path(folder)
    if check_format(fmt, str(folder)) == "hdf5":
        return read_h5(_h5(folder, tables), table, keys)
    scp = folder / f"{table}.scp"
    if table != tables[0] and not scp.is_file():
        return None
    return read_scp(scp)


def stored_format(folder: str | os.PathLike, tables: Sequence[str]) -> str:
    """The format the tables in `folder` were written in (HDF5 when its file is there)."""
    return "hdf5" if _h5(Path(folder), tables).is_file() else "ark"


def remove_tables(folder: str | os.PathLike, tables: Sequence[str]) -> None:
    """Delete the tables in both formats (e.g. before writing them in the other one)."""
    folder = Path(folder)
    _h5(folder, tables).unlink(missing_ok=True)
    for t in tables:
        for ext in (".ark", ".scp"):
            (folder / f"{t}{ext}").unlink(missing_ok=True)
