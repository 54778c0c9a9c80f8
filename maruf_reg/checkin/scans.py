"""The scan decision: one function, `process_scan`, decides and stores every scan.

The scanner page, the JSON API, the offline batch sync and the desk's manual admission all go
through it. Who is inside — and so what "already in" means — is the rule of
`maruf_reg/checkin/presence.py`, judged in the scope of the point.

Online scans are judged against everything the server knows when they arrive. Offline scans (late
sync) are judged as they happened: against the scans of their scope with `scanned_at` up to their own.
A device that already let the person in says so with `forced`: the scan is then stored as
`admitted` with `forced=True` even when the rules refuse it (a double admission across devices,
or an offline bundle that did not know of a revocation), and both rows are kept.

Every processed scan is stored with its client uuid and the exact JSON answer given; a uuid seen
again returns that answer byte for byte and changes nothing (the unique uuid backs this when two
replays race). Two devices scanning one badge at the same instant get exactly one `admitted`:
the registration row is locked (`FOR UPDATE`) on PostgreSQL, and on SQLite the deciding
transaction takes the database's write lock at its start (`BEGIN IMMEDIATE`).
"""

from __future__ import annotations

import json
import uuid as uuid_module
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, exists, insert, or_, select
from sqlalchemy.exc import IntegrityError

from maruf_reg import badge_tokens
from maruf_reg.checkin import presence
from maruf_reg.checkin.points import CheckinError, PointRules, rules
from maruf_reg.database import write_intent
from maruf_reg.errors import N_
from maruf_reg.extensions import db
from maruf_reg.models import (
    Category,
    Direction,
    Outcome,
    Person,
    Registration,
    RegistrationStatus,
    Scan,
    Seat,
    SeatStatus,
    SessionRole,
    utcnow,
)
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


class ExitsNotCounted(CheckinError):
    """An exit scanned at a point that does not count exits."""


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
class _Holder:
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


def _person_json(holder: _Holder) -> dict[str, Any]:
    return {
        "id": holder.id,
        "given_name": holder.given_name,
        "family_name": holder.family_name,
        "name": display_name(holder.given_name, holder.family_name),
        "category": holder.category.value,
        "organisation": holder.organisation,
        "country": holder.country,
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _answer(
    outcome: Outcome,
    holder: _Holder | None,
    previous: dict[str, Any] | None,
    reason: str | None,
    forced: bool,
) -> str:
    return _dumps(
        {
            "outcome": outcome.value,
            "person": _person_json(holder) if holder else None,
            "previous": previous,
            "reason": reason,
            "forced": forced,
        }
    )


# --- the scan ----------------------------------------------------------------------------------
# The scan path runs a handful of statements per request; they are built once, on the tables
# (Core: no ORM entity loading), and executed on the session's connection with bound values.

_scans = Scan.__table__
_registrations = Registration.__table__
_people = Person.__table__
_STORED = select(_scans.c.response).where(_scans.c.uuid == bindparam("uuid"))
_HOLDER = (
    select(
        _registrations.c.id,
        _registrations.c.category,
        _registrations.c.status,
        _registrations.c.badge_serial,
        _people.c.id.label("person_id"),
        _people.c.given_name,
        _people.c.family_name,
        _people.c.organisation,
        _people.c.country,
    )
    .select_from(_registrations.join(_people, _people.c.id == _registrations.c.person_id))
    .where(
        _registrations.c.id == bindparam("registration_id"),
        _registrations.c.forum_id == bindparam("forum_id"),
    )
    .with_for_update(of=_registrations)
)
_PLACE = select(
    or_(
        exists().where(
            Seat.__table__.c.registration_id == bindparam("registration_id"),
            Seat.__table__.c.session_id == bindparam("session_id"),
            Seat.__table__.c.status == SeatStatus.BOOKED,
        ),
        exists().where(
            SessionRole.__table__.c.session_id == bindparam("session_id"),
            SessionRole.__table__.c.person_id == bindparam("person_id"),
        ),
    )
)
_INSERT = insert(Scan)


def _run(statement: Any, **values: Any) -> Any:
    return db.session.connection().execute(statement, values)


def _stored_answer(uuid: str) -> str | None:
    answer: str | None = _run(_STORED, uuid=uuid).scalar()
    return answer


def _holder(registration_id: int, forum_id: int) -> _Holder | None:
    """The registration and its person, its row locked until the scan is stored (PostgreSQL)."""
    row = _run(_HOLDER, registration_id=registration_id, forum_id=forum_id).first()
    if row is None:
        return None
    return _Holder(
        id=row.id,
        category=Category(row.category),
        status=RegistrationStatus(row.status),
        badge_serial=row.badge_serial,
        person_id=row.person_id,
        given_name=row.given_name,
        family_name=row.family_name,
        organisation=row.organisation,
        country=row.country,
    )


def _previous(admission: Any) -> dict[str, Any]:
    """The admission that counts, as the answer names it."""
    return {
        "scanned_at": iso_utc(admission.scanned_at),
        "point": admission.point_id,
        "point_name": admission.point_name,
        "device": admission.device,
    }


def _has_place(point: PointRules, holder: _Holder) -> bool:
    """A booked seat in the point's session, or a part in it (speakers need no seat)."""
    return bool(
        _run(
            _PLACE,
            registration_id=holder.id,
            session_id=point.session_id,
            person_id=holder.person_id,
        ).scalar()
    )


def _judge(
    point: PointRules,
    holder: _Holder,
    *,
    serial: int | None,
    direction: Direction,
    scanned_at: datetime,
    offline: bool,
) -> tuple[Outcome, str | None, dict[str, Any] | None]:
    """The rules, in order: revoked, exit, category, seat, already in."""
    if holder.status == RegistrationStatus.CANCELLED:
        return Outcome.REVOKED, REASON_CANCELLED, None
    if holder.status != RegistrationStatus.CONFIRMED:
        return Outcome.REVOKED, REASON_NOT_CONFIRMED, None
    if serial is not None and serial != holder.badge_serial:
        return Outcome.REVOKED, REASON_REPLACED, None
    if direction == Direction.OUT:
        return Outcome.EXITED, None, None
    if point.categories and holder.category.value not in point.categories:
        return Outcome.NOT_ALLOWED, REASON_CATEGORY, None
    if point.session_id is not None and point.needs_booking and not _has_place(point, holder):
        return Outcome.NOT_ALLOWED, REASON_NO_SEAT, None
    counting = presence.admission_that_counts(
        point, holder.id, scanned_at, as_of=scanned_at if offline else None
    )
    if counting is not None:
        return Outcome.ALREADY_IN, None, _previous(counting)
    return Outcome.ADMITTED, None, None


def process_scan(
    token: str | None,
    *,
    point_id: int,
    uuid: str,
    scanned_at: datetime,
    device: str = "",
    direction: Direction = Direction.IN,
    staff_user_id: int | None = None,
    api_token_id: int | None = None,
    offline: bool = False,
    forced: bool = False,
    registration_id: int | None = None,
) -> ScanResult:
    """Decide and store one scan of a badge token (or, with `registration_id`, a manual admission).

    Raises PointNotFound and ExitsNotCounted; every other case is an outcome.
    """
    point = rules(point_id)
    if direction == Direction.OUT and not point.counts_exit:
        raise ExitsNotCounted(N_("%(point)s does not count exits."), point=point.name)
    manual = token is None
    serial: int | None = None
    reason: str | None = None
    if token is not None:
        try:
            claims = badge_tokens.verify(token, public_key=point.public_key)
        except badge_tokens.BadTokenError as error:
            reason = REASON_BAD_SIGNATURE if str(error) == "bad signature" else REASON_UNREADABLE
        else:
            registration_id, serial = claims.registration_id, claims.serial
    # The decision runs in a transaction that holds the write lock (SQLite) or the registration's
    # row lock (PostgreSQL) until the scan is stored.
    with write_intent():
        holder = _holder(registration_id, point.forum_id) if registration_id is not None else None
        previous: dict[str, Any] | None = None
        if registration_id is None:
            outcome = Outcome.INVALID
        elif holder is None:
            outcome, reason = Outcome.UNKNOWN, REASON_NO_REGISTRATION
        else:
            outcome, reason, previous = _judge(
                point,
                holder,
                serial=serial,
                direction=direction,
                scanned_at=scanned_at,
                offline=offline,
            )
        was_forced = (
            forced
            and holder is not None
            and outcome
            not in (
                Outcome.ADMITTED,
                Outcome.EXITED,
            )
        )
        if was_forced:
            # The device let the person in already: record what happened, flagged.
            reason = REASON_ALREADY_IN if outcome == Outcome.ALREADY_IN else reason
            outcome = Outcome.ADMITTED
        body = _answer(outcome, holder, previous, reason, was_forced)
        try:
            _run(
                _INSERT,
                **{
                    "uuid": uuid,
                    "point_id": point.id,
                    "registration_id": holder.id if holder else None,
                    "serial": serial,
                    "device": device,
                    "staff_user_id": staff_user_id,
                    "api_token_id": api_token_id,
                    "scanned_at": scanned_at,
                    "received_at": utcnow(),
                    "direction": direction,
                    "outcome": outcome,
                    "manual": manual,
                    "offline": offline,
                    "forced": was_forced,
                    "response": body,
                },
            )
            db.session.commit()
        except IntegrityError:
            # The same uuid was stored meanwhile (a replay racing its original): its answer stands.
            db.session.rollback()
            stored = _stored_answer(uuid)
            if stored is None:
                raise
            return ScanResult(Outcome(json.loads(stored)["outcome"]), stored, replayed=True)
    return ScanResult(outcome, body)


def admit_manually(
    registration_id: int, *, point_id: int, staff_user_id: int | None, device: str = "desk"
) -> ScanResult:
    """Admit a person found by name at the desk (no badge): the same rules, recorded as manual."""
    return process_scan(
        None,
        registration_id=registration_id,
        point_id=point_id,
        uuid=str(uuid_module.uuid4()),
        scanned_at=utcnow(),
        device=device,
        staff_user_id=staff_user_id,
    )
