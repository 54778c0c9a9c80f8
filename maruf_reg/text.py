"""Text helpers shared by capabilities: folding names for search."""

from __future__ import annotations

import unicodedata

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
