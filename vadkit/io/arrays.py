"""Per-recording arrays on disk: Kaldi ark/scp or HDF5 groups, one writer and one reader each."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

import numpy as np

from vadkit.errors import InputError
from vadkit.io.files import write_text


# ---------------------------------------------------------------- feature caches
class ArkWriter:
    """Write {rec_id: matrix} into one Kaldi ark with its scp (kaldiio), atomically."""

    def __init__(self, ark: str | os.PathLike, scp: str | os.PathLike):
        self.ark, self.scp = Path(ark), Path(scp)
        self.ark.parent.mkdir(parents=True, exist_ok=True)
        self._tmp_ark = self.ark.with_name(f".tmp{os.getpid()}.{self.ark.name}")
        self._tmp_scp = self.scp.with_name(f".tmp{os.getpid()}.{self.scp.name}")
        import kaldiio
        self._w = kaldiio.WriteHelper(f"ark,scp:{self._tmp_ark},{self._tmp_scp}")

    def write(self, rec_id: str, mat: np.ndarray) -> None:
        self._w(rec_id, mat)

    def close(self) -> None:
        self._w.close()
        # The scp must name the final ark, not the temporary one.
        text = self._tmp_scp.read_text().replace(str(self._tmp_ark), str(self.ark))
        self._tmp_scp.unlink()
        os.replace(self._tmp_ark, self.ark)
        write_text(self.scp, text)

    def abort(self) -> None:
        self._w.close()
        for p in (self._tmp_ark, self._tmp_scp):
            if p.exists():
                p.unlink()


def read_scp(scp: str | os.PathLike) -> Mapping[str, np.ndarray]:
    """Lazy {rec_id: array} over a Kaldi scp (kaldiio)."""
    import kaldiio
    if not Path(scp).is_file():
        raise InputError(f"{scp}: file not found; run the stage that makes it")
    return kaldiio.load_scp(str(scp))


class H5Writer:
    """Write arrays into groups of one HDF5 file (h5py), atomically: `write(group, rec_id, array)`."""

    def __init__(self, path: str | os.PathLike):
        import h5py
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(f".tmp{os.getpid()}.{self.path.name}")
        self._f = h5py.File(self._tmp, "w")

    def write(self, group: str, rec_id: str, arr: np.ndarray) -> None:
        self._f.require_group(group).create_dataset(rec_id, data=arr)

    def close(self) -> None:
        self._f.close()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        self._f.close()
        self._tmp.unlink(missing_ok=True)


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
