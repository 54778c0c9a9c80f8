"""Text helpers shared by capabilities: folding names for search, normalising e-mail addresses."""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email


class InvalidEmail(ValueError):
    """Not an e-mail address; the message says why."""


def normalise_email(address: str) -> str:
    """The address as it is stored: syntax checked (no DNS lookup: venues and CI have none),
    normalised, lower case. One person per address."""
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise InvalidEmail(str(error)) from error


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
