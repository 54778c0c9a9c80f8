"""What each export holds: its columns (the contract's codes, a header in the reader's language, a
width for spreadsheets) and the options an export is made with.

The first columns of each kind are the README's contract, in its order; later columns are added at
the end, so that a script reading the contract's columns by position or by name keeps working.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from maruf_reg.registration.listing import Filters


class ExportKind(enum.StrEnum):
    REGISTRATIONS = "registrations"
    SCANS = "scans"
    SESSIONS = "sessions"


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


class Times(enum.StrEnum):
    #: ISO 8601 in UTC (`2030-10-01T09:12:03.123Z`): for systems, the contract's default
    UTC = "utc"
    #: the forum's local time (`2030-10-01 12:12:03`, an Excel date-time): for people
    LOCAL = "local"


@dataclass(frozen=True)
class ExportOptions:
    times: Times = Times.UTC
    #: the language of the header line; None: the contract's codes
    language: str | None = None
    #: the registrations list's filter: the export holds exactly what the list shows
    filters: Filters | None = None
    #: phone numbers are personal data: only when asked for
    phone: bool = False


@dataclass(frozen=True)
class Column:
    code: str
    label: Any
    #: characters, for an XLSX column
    width: int = 14


def _columns(*spec: tuple[str, Any, int]) -> tuple[Column, ...]:
    return tuple(Column(code, label, width) for code, label, width in spec)


COLUMNS: dict[ExportKind, tuple[Column, ...]] = {
    ExportKind.REGISTRATIONS: _columns(
        ("id", _l("ID"), 8),
        ("given_name", _l("Given name"), 18),
        ("family_name", _l("Family name"), 18),
        ("email", _l("E-mail"), 28),
        ("organisation", _l("Organisation"), 28),
        ("country", _l("Country"), 9),
        ("category", _l("Category"), 12),
        ("status", _l("Status"), 12),
        ("created_at", _l("Registered at"), 19),
        # Added with the organiser's toolbox, after the contract's columns.
        ("position", _l("Position"), 22),
        ("language", _l("Language"), 9),
        ("source", _l("Source"), 10),
        ("sessions_booked", _l("Sessions booked"), 40),
        ("sessions_waitlisted", _l("Waitlisted for"), 30),
        ("badge_printed", _l("Badge printed"), 10),
        ("sessions_attended", _l("Sessions attended"), 40),
    ),
    ExportKind.SCANS: _columns(
        ("uuid", _l("Scan ID"), 36),
        ("scanned_at", _l("Scanned at"), 19),
        ("received_at", _l("Received at"), 19),
        ("point", _l("Check-in point"), 10),
        ("registration_id", _l("Registration"), 10),
        ("name", _l("Name"), 28),
        ("email", _l("E-mail"), 28),
        ("category", _l("Category"), 12),
        ("outcome", _l("Outcome"), 12),
        ("device", _l("Device"), 18),
        ("offline", _l("Offline"), 8),
        ("forced", _l("Forced"), 8),
        ("clock_skew", _l("Device clock off (s)"), 10),
    ),
    ExportKind.SESSIONS: _columns(
        ("id", _l("ID"), 6),
        ("title_en", _l("Title (English)"), 40),
        ("title_tr", _l("Title (Turkish)"), 40),
        ("theme", _l("Theme"), 14),
        ("room", _l("Room"), 16),
        ("kind", _l("Kind"), 11),
        ("starts_at", _l("Starts"), 19),
        ("ends_at", _l("Ends"), 19),
        ("capacity", _l("Capacity"), 9),
        ("room_capacity", _l("Room capacity"), 9),
        ("booked", _l("Booked"), 8),
        ("waitlisted", _l("Waitlisted"), 9),
        ("attended", _l("Attended"), 9),
        ("no_shows", _l("No-shows"), 9),
        ("walk_ins", _l("Walk-ins"), 9),
        ("peak", _l("Peak"), 7),
        ("peak_at", _l("Peak at"), 19),
    ),
}

#: the phone column, after the registrations' others when asked for
PHONE = Column("phone", _l("Phone"), 16)
