"""The one rule for names made from users' file and folder names: recording ids, set names.

An id is one or more characters, each a letter, digit or combining mark of any script (Unicode categories
L, N, M) or one of `_ . -`: `Привет_мир`, `你好`, `مرحبا`, `हिन्दी`, `ES2004a.Mix-Headset`.  In ASCII that is
[A-Za-z0-9_.-] exactly, as Kaldi recipes use.  No white space and no other punctuation: ids are fields of
Kaldi tables, RTTM and segments lines, HDF5 keys and file names, and UTF-8 (the encoding of every file the
recipe writes) never holds the one byte Kaldi refuses in a token (0xff).

`id_of` makes an id from a name: Unicode NFC first, so a name macOS stores decomposed (é as e + U+0301,
Hangul as its jamo) gives the id of the composed name; then every other character becomes '_'.
Combining marks are kept because Devanagari, Thai or vocalised Arabic words are not `str.isalnum()` without
them.  Accented Latin letters stay as they are (`ñandú` is an id): folding them to ASCII would treat one
script apart from the others, and labels written by hand name the recording as its file does.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable

PUNCTUATION = "_.-"
RULE = "letters, digits and marks of any script, '_', '.' and '-'"  # for error messages


def _keeps(c: str) -> bool:
    if c.isascii():
        return c.isalnum() or c in PUNCTUATION
    return unicodedata.category(c)[0] in "LNM"


def is_id(s: str) -> bool:
    """True when `s` is a valid id (module docstring)."""
    return bool(s) and all(map(_keeps, s))


def id_of(name: str) -> str:
    """`name` as an id: NFC, each character the rule does not keep turned into '_' ('' stays '')."""
    return "".join(c if _keeps(c) else "_" for c in unicodedata.normalize("NFC", name))


def unique(ids: Iterable[str]) -> list[str]:
    """The ids, in order, made unique: the first of equal ids keeps it, each later one gets the first free
    `-2`, `-3`, ... suffix, free meaning no id of the input and no id given before has it (so a suffixed id
    never takes a name that is some file's own id).  Deterministic: the same ids in the same order give
    the same result."""
    ids = list(ids)
    taken, out = set(ids), []
    seen: set[str] = set()
    for k in ids:
        new, n = k, 1
        while new in seen or (new != k and new in taken):
            n += 1
            new = f"{k}-{n}"
        seen.add(new)
        out.append(new)
    return out
