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
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.translate(_FOLD).split())
