"""How a badge sets a name: its script, direction and language, and where its words may break.

Names are set whole when they fit their box at a readable size; only a name that does not is
hyphenated (a dictionary costs a process up to 30 MB: they are loaded for the few names that need
one). A word breaks only where its language allows it, with a hyphen: the break points come from pyphen's
dictionaries (and ours for Turkish, which pyphen lacks) and are written into the text as soft
hyphens, so that the size `fit.py` chooses and the lines WeasyPrint makes agree by construction
(WeasyPrint's own `hyphens: auto` would misplace the breaks of a Turkish word with "İ": pyphen
lower-cases it into two characters). A word with no break point is never cut: the name shrinks.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path
from typing import Any

SOFT_HYPHEN = "\u00ad"
#: words shorter than this are never broken; at least this many letters stay on each side
MIN_WORD, MIN_LEFT, MIN_RIGHT = 5, 2, 2
_OWN_DICTIONARIES = {"tr": Path(__file__).resolve().with_name("hyphenation") / "hyph_tr_TR.dic"}


def direction(text: str) -> str:
    """``rtl`` when the first letter with a strong direction is Arabic or Hebrew, else ``ltr``."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def is_cjk(text: str) -> bool:
    return any(unicodedata.east_asian_width(char) in ("W", "F") for char in text)


def is_arabic(text: str) -> bool:
    return any("ARABIC" in unicodedata.name(char, "") for char in text)


_CJK_BY_COUNTRY = {
    "CN": "zh-Hans",
    "SG": "zh-Hans",
    "TW": "zh-Hant",
    "HK": "zh-Hant-HK",
    "MO": "zh-Hant-HK",
    "KR": "ko",
    "KP": "ko",
}
#: countries whose names in Arabic letters are Persian or Urdu (their letters differ a little)
_ARABIC_SCRIPT_BY_COUNTRY = {"IR": "fa", "AF": "fa", "TJ": "fa", "PK": "ur"}


def cjk_language(text: str, country: str) -> str:
    """The language of a CJK name: by script for kana and hangul, else by the person's country.

    One CJK font (Noto Sans CJK JP) draws every CJK name; the language makes HarfBuzz pick the
    regional forms of the ideographs (OpenType `locl`). A second regional face would cost each
    rendering process about 30 MB.
    """
    for char in text:
        name = unicodedata.name(char, "")
        if name.startswith(("HIRAGANA", "KATAKANA")):
            return "ja"
        if name.startswith("HANGUL"):
            return "ko"
    return _CJK_BY_COUNTRY.get(country.upper(), "ja")


def script_language(text: str, country: str) -> str | None:
    """The language a name's script tells (CJK, Arabic letters), or None for other scripts."""
    if is_cjk(text):
        return cjk_language(text, country)
    if is_arabic(text):
        return _ARABIC_SCRIPT_BY_COUNTRY.get(country.upper(), "ar")
    return None


@functools.cache
def _dictionary(language: str) -> Any:
    import pyphen

    own = _OWN_DICTIONARIES.get(language.split("-")[0].lower())
    if own is not None:
        return pyphen.Pyphen(filename=own, left=MIN_LEFT, right=MIN_RIGHT)
    found = pyphen.language_fallback(language.replace("-", "_"))
    return pyphen.Pyphen(lang=found, left=MIN_LEFT, right=MIN_RIGHT) if found else None


#: languages whose letters the badge fonts draw differently (OpenType `locl` in Noto Sans, Noto Sans
#: Arabic and Noto Sans CJK): Chinese, Japanese, Korean, Urdu, Serbian and Macedonian Cyrillic,
#: Romanian and Moldovan commas, Catalan's middle dot, Navajo, Marshallese
_GLYPH_LANGUAGES = ("zh", "ja", "ko", "ur", "sr", "mk", "ro", "mo", "ca", "nv", "mh")


def glyph_language(language: str) -> str:
    """`language` if it changes how the badge fonts draw letters, else "".

    A `lang` attribute costs WeasyPrint a Pango language for each line: on every line of every
    badge it took a quarter of the badge's time (measured, 3.8 → 4.9 ms a badge). Hyphenation does
    not need it (soft hyphens are in the text), so only the languages whose glyphs differ get it.
    """
    return language if language.split("-")[0].lower() in _GLYPH_LANGUAGES else ""


def can_hyphenate(language: str) -> bool:
    """Whether there is a dictionary for `language` (without loading it: some take 30 MB)."""
    if not language:
        return False
    import pyphen

    return language.split("-")[0].lower() in _OWN_DICTIONARIES or bool(
        pyphen.language_fallback(language.replace("-", "_"))
    )


def _lower(word: str) -> str:
    """Lower case, one character for one (İ and I become i: both are vowels to the rules)."""
    return "".join(char.lower()[0] if char not in "İI" else "i" for char in word)


def hyphenate(text: str, language: str) -> str:
    """`text` with a soft hyphen wherever its language lets a word break."""
    dictionary = _dictionary(language) if language else None
    if dictionary is None:
        return text
    # A word with a hyphen of its own (Hohenzollern-Sigmaringen) may break after it: each part
    # is hyphenated on its own.
    return " ".join(
        "-".join(_hyphenate_word(part, dictionary) for part in word.split("-"))
        for word in text.split(" ")
    )


def _hyphenate_word(word: str, dictionary: Any) -> str:
    if len(word) < MIN_WORD or SOFT_HYPHEN in word:
        return word
    pieces, start = [], 0
    for point in dictionary.positions(_lower(word)):
        pieces.append(word[start:point])
        start = point
    pieces.append(word[start:])
    return SOFT_HYPHEN.join(pieces)
