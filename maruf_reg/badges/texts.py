"""What badges say, as plain values: no app, no database, so that rendering processes can have them.

content.py makes them from the database; render.py draws them.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ForumFace:
    """What every badge of a forum shows: its name and dates in each language, colour, logo, and
    each category's band (its label in every language and its colour)."""

    titles: dict[str, str]
    dates: dict[str, str]
    colour: str
    logo: bytes | None = None
    logo_type: str | None = None
    #: category → (label, ``#rrggbb``)
    bands: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """A digest of everything the face shows (processes keep what they drew of it by this)."""
        return hashlib.sha256(pickle.dumps(self, protocol=5)).hexdigest()


@dataclass(frozen=True)
class BadgeText:
    """One badge's texts, already in the badge's language, and its QR token."""

    registration_id: int
    token: str
    given_name: str
    family_name: str
    organisation: str
    #: the country's name in the badge's language
    country: str
    #: ``tr``, ``en``, …: the forum's name, dates and role line are in it
    language: str
    #: a key of the face's bands
    category: str
    #: "Speaker · <session title>" for people with a part in the programme, else empty
    role_line: str = ""
    #: ISO country code: chooses Chinese, Japanese or Korean glyphs for CJK names
    country_code: str = ""
    #: the language the name is hyphenated and shaped in (BCP 47); empty: by its script, else the
    #: badge's language
    name_language: str = ""
