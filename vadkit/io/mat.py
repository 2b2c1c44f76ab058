"""The notebook's .mat files (MATLAB v5 and v7.3/HDF5): named arrays, with errors naming the file."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from vadkit.errors import InputError


# ---------------------------------------------------------------- .mat (the notebook's features)
def read_mat(path: str | os.PathLike, names: Sequence[str]) -> dict[str, np.ndarray]:
    """Variables `names` of a MATLAB file, classic (scipy.io) or v7.3 (HDF5, h5py), as numpy arrays
    in MATLAB's orientation (a v7.3 file stores them transposed; they are turned back).

    A missing file, an unreadable file or a missing variable raises InputError naming it.
    """
    import h5py
    import scipy.io
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: .mat file not found; fix the list or the folder")
    if h5py.is_hdf5(path):
        with h5py.File(path, "r") as f:
            found = {k for k in f.keys() if isinstance(f[k], h5py.Dataset)}
            _check_mat_names(path, names, found)
            return {k: np.asarray(f[k][()]).T for k in names}
    try:
        m = scipy.io.loadmat(path, variable_names=list(names))
        if not set(names) <= set(m):
            _check_mat_names(path, names, {n for n, *_ in scipy.io.whosmat(path)})
    except (ValueError, TypeError, OSError, NotImplementedError, scipy.io.matlab.MatReadError) as e:
        raise InputError(f"{path}: not a readable .mat file ({e}); re-save it from MATLAB/scipy") from None
    return {k: np.asarray(m[k]) for k in names}


def _check_mat_names(path: Path, names: Sequence[str], found: set) -> None:
    for k in names:
        if k not in found:
            have = ", ".join(sorted(x for x in found if not x.startswith("__"))) or "nothing"
            raise InputError(f"{path}: no variable {k!r} in the .mat file (it holds: {have}); save the "
                             f"features as X (frames x 60) and the labels as Y (frames x 1)")
