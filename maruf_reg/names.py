"""People's names as every page, badge, export and mail writes them, and lists sorted as the
reader's language sorts them.

Name order follows the script: East Asian names (Han, kana, hangul) are written family name first,
and without a space between two CJK parts ("王" + "秀英" → "王秀英"); every other name given name
first ("Ayşe Öztürk"). One rule, here, so that a Chinese speaker is "王秀英" on the session page,
on the badge, in the export and in the mail alike.

Sorting uses ICU's collation (PyICU), which knows each language's alphabet: in Turkish Ç comes
after every C, Ğ after G, I (dotless) before İ, then Ö, Ş, Ü after O, S, U ("Ağah" < "Ayşe" <
"Cem" < "Çelik"); in English accents are a secondary difference ("Öztürk" sorts with "Oz…").
A hand-written table would miss most of the world's alphabets.

Base floor: imports nothing of the app, so that the models (`Person.name`) can use it.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Iterable
from typing import TypeVar

import icu

T = TypeVar("T")

#: Unicode character names of the scripts whose names are written family name first.
_FAMILY_FIRST_SCRIPTS = ("CJK ", "HIRAGANA", "KATAKANA", "HANGUL")


def _is_cjk_char(char: str) -> bool:
    return unicodedata.name(char, "").startswith(_FAMILY_FIRST_SCRIPTS)


#: every character of those scripts lies at or above U+1100 (Hangul Jamo): a name written only
#: below it (Latin, Turkish, Arabic, Cyrillic, Greek …) needs no look-up per character
_FIRST_FAMILY_FIRST_CHAR = "\u1100"


def is_cjk(text: str) -> bool:
    """Whether the text has Han, kana or hangul characters."""
    if not text or max(text) < _FIRST_FAMILY_FIRST_CHAR:
        return False  # the people search names hundreds of people a second: most names stop here
    return any(_is_cjk_char(char) for char in text)


def family_first(given: str, family: str) -> bool:
    """Whether the name is written family name first (an East Asian name)."""
    return bool(family) and is_cjk(given + family)


def name_parts(given: str, family: str) -> list[str]:
    """The name's parts in reading order, empty ones left out (a badge puts each on a line)."""
    given, family = given.strip(), family.strip()
    ordered = (family, given) if family_first(given, family) else (given, family)
    return [part for part in ordered if part]


def display_name(given: str, family: str) -> str:
    """The name as it is written: "Ayşe Öztürk", "王秀英" (see the module's docstring)."""
    parts = name_parts(given, family)
    if len(parts) == 2 and family_first(given, family):
        first, second = parts
        # Two CJK parts run together (王秀英); a CJK family name with a Latin given name keeps a space.
        if _is_cjk_char(first[-1]) and _is_cjk_char(second[0]):
            return first + second
    return " ".join(parts)


# --- collation -----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _collator(locale: str) -> icu.Collator:
    collator = icu.Collator.createInstance(icu.Locale(locale or "root"))
    # "Item 2" before "Item 10"; room and organisation names carry numbers.
    collator.setAttribute(icu.UCollAttribute.NUMERIC_COLLATION, icu.UCollAttributeValue.ON)
    return collator


def sort_key(text: str, locale: str) -> bytes:
    """A key that sorts `text` as a reader of `locale` expects (see the module's docstring)."""
    key: bytes = _collator(locale).getSortKey(text)
    return key


def sorted_by(items: Iterable[T], key: Callable[[T], str], locale: str) -> list[T]:
    """`items` sorted by the text `key` gives, in the collation of `locale`."""
    collator = _collator(locale)
    return sorted(items, key=lambda item: collator.getSortKey(key(item)))


def person_sort_key(given: str, family: str, locale: str) -> tuple[bytes, bytes]:
    """Sort people by family name, then given name (people without a family name by the one they have)."""
    return sort_key(family.strip() or given.strip(), locale), sort_key(given.strip(), locale)
