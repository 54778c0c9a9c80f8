"""The scan path's answers: the API's time and uuid formats, and the JSON a scanner is told.

The answer is stored with the scan and replayed byte for byte (`maruf_reg/checkin/scans.py`), so it
carries codes, never translated text.
"""

from __future__ import annotations

import hashlib
import json
import uuid as uuid_module
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from maruf_reg.checkin.door_rules import Window
from maruf_reg.models import Category, Direction, Outcome, RegistrationStatus
from maruf_reg.names import display_name

# Why a scan was refused (or what a forced admission overrode): stable codes the scanner page
# translates; the stored answer is replayed byte for byte, so it cannot carry translated text.
REASON_UNREADABLE = "unreadable"
REASON_BAD_SIGNATURE = "bad_signature"
REASON_NO_REGISTRATION = "no_registration"
REASON_CANCELLED = "cancelled"
REASON_NOT_CONFIRMED = "not_confirmed"
REASON_REPLACED = "replaced"
REASON_CATEGORY = "category"
REASON_NO_SEAT = "no_seat"
REASON_ALREADY_IN = "already_in"


@dataclass(frozen=True)
class ScanResult:
    """What the scanner is told: the outcome and the exact JSON answer (stored, replayable)."""

    outcome: Outcome
    body: str
    replayed: bool = False

    @property
    def data(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.body)
        return value


@dataclass(frozen=True)
class Holder:
    id: int
    category: Category
    status: RegistrationStatus
    badge_serial: int
    person_id: int
    given_name: str
    family_name: str
    organisation: str
    country: str


# --- formatting --------------------------------------------------------------------------------


def iso_utc(moment: datetime) -> str:
    """`2019-10-01T09:12:03.123Z`: the API's time format."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_time(text: str) -> datetime:
    """An ISO 8601 time with a time zone (`Z` or an offset), as aware UTC; ValueError otherwise."""
    if len(text) > 40:
        raise ValueError("too long")
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("no time zone")
    return moment.astimezone(UTC)


def canonical_uuid(text: str) -> str:
    """The lower-case hyphenated form of a UUID; ValueError when it is not one."""
    if len(text) > 45:
        raise ValueError("too long")
    return str(uuid_module.UUID(text))


def person_json(holder: Holder) -> dict[str, Any]:
    return {
        "id": holder.id,
        "given_name": holder.given_name,
        "family_name": holder.family_name,
        "name": display_name(holder.given_name, holder.family_name),
        "category": holder.category.value,
        "organisation": holder.organisation,
        "country": holder.country,
    }


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def answer(
    outcome: Outcome,
    holder: Holder | None,
    previous: dict[str, Any] | None,
    reason: str | None,
    forced: bool,
    extra: dict[str, Any] | None = None,
) -> str:
    return dumps(
        {
            "outcome": outcome.value,
            "person": person_json(holder) if holder else None,
            "previous": previous,
            "reason": reason,
            "forced": forced,
            **(extra or {}),
        }
    )


def fingerprint(
    token: str | None, point_id: int, direction: Direction, manual_id: int | None
) -> str:
    """What makes two sendings of one uuid the same scan."""
    text = f"{token if token is not None else f'manual:{manual_id}'}\n{point_id}\n{direction.value}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def window_json(window: Window) -> dict[str, str]:
    return {
        "starts_at": iso_utc(window.starts_at),
        "ends_at": iso_utc(window.ends_at),
        "opens_at": iso_utc(window.opens_at),
        "closes_at": iso_utc(window.closes_at),
    }
