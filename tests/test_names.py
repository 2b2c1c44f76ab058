"""The id rule (vadkit.names): readable ids in any script, unique by suffix, the same for the same input."""
import unicodedata

import pytest

from vadkit import names


@pytest.mark.parametrize("name,rec_id", [
    ("ES2004a.Mix-Headset", "ES2004a.Mix-Headset"),   # ASCII: [A-Za-z0-9_.-] as before
    ("my talk (1)", "my_talk__1_"),
    ("Привет мир", "Привет_мир"),                      # Cyrillic
    ("你好", "你好"),                                    # CJK
    ("Γειά σου", "Γειά_σου"),                          # Greek
    ("مرحبا بالعالم", "مرحبا_بالعالم"),                # Arabic
    ("مَرْحَبًا", "مَرْحَبًا"),                            # vocalised Arabic: its vowels are combining marks
    ("हिन्दी", "हिन्दी"),                                  # Devanagari: vowel signs and virama are marks
    ("ñandú Ødegård", "ñandú_Ødegård"),                # accented Latin is kept, not folded
    ("٣ ٤", "٣_٤"),                                    # digits of other scripts are digits
    ("a\u00a0b\u3000c\u200bd", "a_b_c_d"),              # no-break, ideographic and zero-width spaces
    ("tab\there/or\\there", "tab_here_or_there"),
])
def test_ids_keep_every_scripts_letters_and_replace_the_rest(name, rec_id):
    assert names.id_of(name) == rec_id and names.is_id(rec_id)
    assert not names.is_id(name) or name == rec_id


def test_a_decomposed_name_gives_the_composed_names_id():
    for name in ("café", "한국어", "Ødegård"):          # macOS stores file names decomposed (NFD)
        nfd = unicodedata.normalize("NFD", name)
        assert nfd != name and names.id_of(nfd) == names.id_of(name) == name


@pytest.mark.parametrize("bad", ["", "a b", "a\tb", "a/b", "a:b", "a\udcffb", "a\u2028b", "😀"])
def test_what_is_not_an_id(bad):
    assert not names.is_id(bad)


def test_ids_are_made_unique_by_the_first_free_suffix():
    ids = ["b", "talk_1", "b", "b-2", "talk_1", "b"]
    got = names.unique(ids)
    assert got == ["b", "talk_1", "b-3", "b-2", "talk_1-2", "b-4"]   # b-2 is a file's own id: not taken from it
    assert len(set(got)) == len(got) and names.unique(ids) == got
    assert names.unique(["a", "c"]) == ["a", "c"]
