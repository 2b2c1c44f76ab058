"""Kaldi text tables (`<rec-id> <fields...>`, byte-sorted) and the rec_id rule for file names."""
from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path
from typing import Mapping

from vadkit.errors import InputError
from vadkit.io.files import write_text

_ID_CHARS = "A-Za-z0-9_.-"  # the characters of an id (README, "Data directories")
REC_ID_RE = re.compile(f"^[{_ID_CHARS}]+$")
_NOT_IN_REC_ID = re.compile(f"[^{_ID_CHARS}]")


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
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split(maxsplit=1) if n_fields == 2 else line.split()
        if n_fields is not None and len(fields) != n_fields:
            raise InputError(f"{path}:{lineno}: expected {n_fields} fields, got {len(fields)}: {line!r}")
        key = fields[0]
        if not REC_ID_RE.match(key):
            raise InputError(f"{path}:{lineno}: id {key!r} has characters outside [A-Za-z0-9_.-]; rename it")
        if key in table:
            raise InputError(f"{path}:{lineno}: duplicate id {key!r}; ids must be unique")
        table[key] = fields[1:]
    return table


def write_table(path: str | os.PathLike, rows: Mapping[str, object]) -> None:
    """Write {id: value} as `<id> <value>` lines sorted by id (byte order), atomically."""
    write_text(path, "".join(f"{k} {rows[k]}\n" for k in sorted(rows)))


def rec_id_of(path: str | os.PathLike, under: str | os.PathLike | None = None) -> str:
    """The rec_id rule for file names: the file's name without suffix (with `under`, its path below that
    folder without suffix, folders joined by '-': `a/b/c.wav` -> `a-b-c`), each character outside
    [A-Za-z0-9_.-] turned into '_', except that a letter with an accent keeps its base letter (ñ -> n,
    é -> e: names stay readable); `audio` when no name is left."""
    path = Path(path)
    name = path.stem if under is None else "-".join(path.relative_to(under).with_suffix("").parts)
    return _NOT_IN_REC_ID.sub("_", "".join(map(_base_letter, name))) or "audio"


def _base_letter(c: str) -> str:
    """An accented letter's base letter when that is ASCII (NFKD without its combining marks), else c."""
    if c.isascii():
        return c
    base = "".join(b for b in unicodedata.normalize("NFKD", c) if not unicodedata.combining(b))
    return base if base.isascii() and base.isalnum() else c
