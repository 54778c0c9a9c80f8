"""Text helpers shared by capabilities: folding names for search, normalising e-mail addresses."""

from __future__ import annotations

import functools
import unicodedata

from email_validator import EmailNotValidError, validate_email


class InvalidEmail(ValueError):
    """Not an e-mail address; the message says why."""


def normalise_email(address: str) -> str:
    """The address as it is stored: syntax checked (no DNS lookup: venues and CI have none),
    normalised, lower case. One person per address."""
    try:
        return _normalised(address.strip())
    except EmailNotValidError as error:
        raise InvalidEmail(str(error)) from error


# A sign-up checks its address in the form and again in the service (~0.1 ms each): the last
# few hundred answers are kept (a bounded cache; a refused address raises and is not kept).
@functools.lru_cache(maxsize=512)
def _normalised(address: str) -> str:
    return validate_email(address, check_deliverability=False).normalized.lower()


# Letters that do not decompose into a base letter plus a mark.
_FOLD = str.maketrans(
    {"ı": "i", "ø": "o", "đ": "d", "ł": "l", "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th"}
)


def search_key(text: str) -> str:
    """Fold text for accent- and case-insensitive search: "Öztürk" and "İlkay" → "ozturk", "ilkay"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    # Marks go (accents), control characters become spaces (NUL cannot even reach PostgreSQL),
    # format characters (bidi controls, zero-width joiners) go.
    kept = []
    for char in decomposed:
        category = unicodedata.category(char)
        if category == "Cc":
            kept.append(" ")
        elif not (unicodedata.combining(char) or category == "Cf"):
            kept.append(char)
    return " ".join("".join(kept).translate(_FOLD).split())


#: The languages content is written in (titles, names, descriptions have one field per language:
#: `title_tr`, `title_en`), in the order a page falls back when its own language has no text.
#: A page in a third language (Arabic) reads English, then Turkish, without a change anywhere else.
CONTENT_FALLBACK = ("en", "tr")


def localized(obj: object, field: str, locale: str) -> str:
    """`obj.<field>_<locale>`, else the first non-empty one in `CONTENT_FALLBACK` order, else ""."""
    for language in (locale, *CONTENT_FALLBACK):
        value = getattr(obj, f"{field}_{language}", None)
        if value:
            return str(value)
    return ""


def content_language(obj: object, field: str, locale: str) -> str:
    """The language `localized` took the text from (for `lang`/`dir` on the element), or locale."""
    for language in (locale, *CONTENT_FALLBACK):
        if getattr(obj, f"{field}_{language}", None):
            return language
    return locale
