"""Kaldi text tables (`<rec-id> <fields...>`, byte-sorted) and the rec_id rule for file names."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from vadkit import names
from vadkit.errors import InputError
from vadkit.io.files import read_text, write_text

is_rec_id = names.is_id  # the characters of an id: vadkit.names (README, "Data directories")


# ---------------------------------------------------------------- Kaldi text tables
def read_table(path: str | os.PathLike, n_fields: int | None = 2) -> dict[str, list[str]]:
    """Read a Kaldi-style table `<id> <field> ...` into {id: [fields...]}, in file order.

    Checks: the id is valid and unique; with `n_fields`, each line has exactly that many fields
    (for 2-field tables the value may contain spaces and is returned as one field).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    table: dict[str, list[str]] = {}
    for lineno, line in enumerate(read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split(maxsplit=1) if n_fields == 2 else line.split()
        if n_fields is not None and len(fields) != n_fields:
            raise InputError(f"{path}:{lineno}: expected {n_fields} fields, got {len(fields)}: {line!r}")
        key = fields[0]
        if not is_rec_id(key):
            raise InputError(f"{path}:{lineno}: id {key!r} has characters other than {names.RULE}; rename it")
        if key in table:
            raise InputError(f"{path}:{lineno}: duplicate id {key!r}; ids must be unique")
        table[key] = fields[1:]
    return table


def write_table(path: str | os.PathLike, rows: Mapping[str, object]) -> None:
    """Write {id: value} as `<id> <value>` lines sorted by id (byte order), atomically."""
    write_text(path, "".join(f"{k} {rows[k]}\n" for k in sorted(rows)))


def rec_id_of(path: str | os.PathLike, under: str | os.PathLike | None = None) -> str:
    """The rec_id rule for file names: the file's name without suffix (with `under`, its path below that
    folder without suffix, folders joined by '-': `a/b/c.wav` -> `a-b-c`) as an id by vadkit.names.id_of
    (letters and digits of every script kept, `my talk (1)` -> `my_talk__1_`); `audio` when no name is left.
    Two files may get one id: unique_rec_ids makes them unique."""
    path = Path(path)
    name = path.stem if under is None else "-".join(path.relative_to(under).with_suffix("").parts)
    return names.id_of(name) or "audio"


def unique_rec_ids(paths: list[str | os.PathLike], under: str | os.PathLike | None = None) -> list[str]:
    """rec_id_of of each path, made unique by vadkit.names.unique (in the order given: the first file of an
    id keeps it, later ones get `-2`, `-3`, ...)."""
    return names.unique(rec_id_of(p, under) for p in paths)
