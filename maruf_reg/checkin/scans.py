"""The scan decision: one function, `process_scan`, decides and stores every scan.

The scanner page, the JSON API, the offline batch sync and the desk's manual admission all go
through it. Who is inside — and so what "already in" means — is the rule of
`maruf_reg/checkin/presence.py`, judged in the scope of the point.

Online scans are judged against everything the server knows when they arrive. Offline scans (late
sync) are judged as they happened: against the scans of their scope with `scanned_at` up to their own.
A device that already let the person in says so with `forced`: the scan is then stored as
`admitted` with `forced=True` even when the rules refuse it (a double admission across devices,
or an offline bundle that did not know of a revocation), and both rows are kept.

A session's door also has a window and, when it counts exits, a room that can be full
(`maruf_reg/checkin/door_rules.py`): outside the window the answer is `not_now` (with the
session's times), in a full room `room_full` or an admission with that warning (the point's
policy). Staff may "admit anyway": `forced` then records a forced admission (audited). An
inactive point refuses every scan (`point_inactive`), forced or not.

Every processed scan is stored with its client uuid, a digest of its content (token, point,
direction) and the exact JSON answer given; a uuid seen again with the same content returns that
answer byte for byte and changes nothing (the unique uuid backs this when two replays race); with
other content it is refused (`UuidConflict`) and logged. Two devices scanning one badge at the
same instant get exactly one `admitted`: the registration row is locked (`FOR UPDATE`) on
PostgreSQL, and on SQLite the deciding transaction takes the database's write lock at its start
(`BEGIN IMMEDIATE`). The answer's JSON is built in `maruf_reg/checkin/answers.py`.
"""

from __future__ import annotations

import json
import logging
import uuid as uuid_module
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, exists, insert, or_, select
from sqlalchemy.exc import IntegrityError

from maruf_reg import audit, badge_tokens
from maruf_reg.checkin import door_rules, presence
from maruf_reg.checkin.answers import (
    REASON_BAD_SIGNATURE,
    REASON_CANCELLED,
    REASON_CATEGORY,
    REASON_NO_REGISTRATION,
    REASON_NO_SEAT,
    REASON_NOT_CONFIRMED,
    REASON_REPLACED,
    REASON_UNREADABLE,
    Holder,
    ScanResult,
    answer,
    canonical_uuid,
    fingerprint,
    iso_utc,
    parse_time,
    window_json,
)
from maruf_reg.checkin.points import CheckinError, PointRules, rules
from maruf_reg.checkin.transaction import Decision, scan_transaction
from maruf_reg.database import reading, write_intent
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

__all__ = ["ScanResult", "canonical_uuid", "iso_utc", "parse_time", "process_scan"]

log = logging.getLogger(__name__)


class ExitsNotCounted(CheckinError):
    """An exit scanned at a point that does not count exits."""


class UuidConflict(CheckinError):
    """A uuid already stored with other content (another badge, point or direction)."""


# --- the scan ----------------------------------------------------------------------------------
# The scan path runs a handful of statements per request; they are built once, on the tables
# (Core: no ORM entity loading), and executed with bound values on the decision's connection
# (`maruf_reg/checkin/transaction.py`).

_scans = Scan.__table__
_registrations = Registration.__table__
_people = Person.__table__
_STORED = select(_scans.c.response, _scans.c.fingerprint).where(_scans.c.uuid == bindparam("uuid"))
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


def _stored_answer(decision: Decision, uuid: str, digest: str) -> str | None:
    """The answer stored for this uuid; UuidConflict when it was stored for other content."""
    row = decision.run(_STORED, uuid=uuid).first()
    if row is None:
        return None
    if row.fingerprint is not None and row.fingerprint != digest:
        log.warning("scan uuid %s sent again with other content: refused", uuid)
        raise UuidConflict(N_("This scan id was already used for another scan."))
    answer: str = row.response
    return answer


def _holder(decision: Decision, registration_id: int, forum_id: int) -> Holder | None:
    """The registration and its person, its row locked until the scan is stored (PostgreSQL)."""
    row = decision.run(_HOLDER, registration_id=registration_id, forum_id=forum_id).first()
    if row is None:
        return None
    return Holder(
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


def _has_place(decision: Decision, point: PointRules, holder: Holder) -> bool:
    """A booked seat in the point's session, or a part in it (speakers need no seat)."""
    return bool(
        decision.run(
            _PLACE,
            registration_id=holder.id,
            session_id=point.session_id,
            person_id=holder.person_id,
        ).scalar()
    )


@dataclass
class _Verdict:
    outcome: Outcome
    reason: str | None = None
    previous: dict[str, Any] | None = None
    extra: dict[str, Any] | None = None


def _judge(
    decision: Decision,
    point: PointRules,
    holder: Holder,
    *,
    serial: int | None,
    direction: Direction,
    scanned_at: datetime,
    offline: bool,
    inside: int | None,
) -> _Verdict:
    """The rules, in order: point inactive, revoked, exit, category, window, seat, already in,
    room full."""
    if not point.active:
        return _Verdict(Outcome.POINT_INACTIVE)
    outcome, reason = _judge_person(point, holder, serial=serial, direction=direction)
    if outcome is not None:
        return _Verdict(outcome, reason)
    if point.window is not None and door_rules.window_outcome(point.window, scanned_at):
        return _Verdict(Outcome.NOT_NOW, extra={"session": window_json(point.window)})
    if (
        point.session_id is not None
        and point.needs_booking
        and not _has_place(decision, point, holder)
    ):
        return _Verdict(Outcome.NOT_ALLOWED, REASON_NO_SEAT)
    counting = presence.admission_that_counts(
        point,
        holder.id,
        scanned_at,
        as_of=scanned_at if offline else None,
        connection=decision.connection,
    )
    if counting is not None:
        return _Verdict(Outcome.ALREADY_IN, previous=_previous(counting))
    if point.room is not None and inside is not None:
        full = door_rules.room_outcome(point.room, inside)
        if full is not None:
            room = {"inside": inside, "capacity": point.room.capacity}
            return _Verdict(full[0], full[1], extra={"room": room})
    return _Verdict(Outcome.ADMITTED)


def _judge_person(
    point: PointRules, holder: Holder, *, serial: int | None, direction: Direction
) -> tuple[Outcome | None, str | None]:
    """The badge's own rules: revoked, exit, category (None: they let the person on)."""
    if holder.status == RegistrationStatus.CANCELLED:
        return Outcome.REVOKED, REASON_CANCELLED
    if holder.status != RegistrationStatus.CONFIRMED:
        return Outcome.REVOKED, REASON_NOT_CONFIRMED
    if serial is not None and serial != holder.badge_serial:
        return Outcome.REVOKED, REASON_REPLACED
    if direction == Direction.OUT:
        return Outcome.EXITED, None
    if point.categories and holder.category.value not in point.categories:
        return Outcome.NOT_ALLOWED, REASON_CATEGORY
    return None, None


def _read_badge(token: str, point: PointRules) -> tuple[int | None, int | None, str | None]:
    """The registration and serial a badge token names, or why it cannot be read."""
    try:
        claims = badge_tokens.verify(token, public_key=point.public_key)
    except badge_tokens.BadTokenError as error:
        return (
            None,
            None,
            (REASON_BAD_SIGNATURE if str(error) == "bad signature" else REASON_UNREADABLE),
        )
    return claims.registration_id, claims.serial, None


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
    clock_skew: int | None = None,
) -> ScanResult:
    """Decide and store one scan of a badge token (or, with `registration_id`, a manual admission).

    Raises PointNotFound, ExitsNotCounted and UuidConflict; every other case is an outcome.
    """
    point = rules(point_id)
    if direction == Direction.OUT and not point.counts_exit:
        raise ExitsNotCounted(N_("%(point)s does not count exits."), point=point.name)
    manual = token is None
    digest = fingerprint(token, point.id, direction, registration_id)
    serial: int | None = None
    reason: str | None = None
    if token is not None:
        registration_id, serial, reason = _read_badge(token, point)
    until = scanned_at if offline else None
    # SQLite: the room is counted before the write lock, in a reading transaction of its own, so
    # that it never lengthens SQLite's queue of writers. PostgreSQL, whose locks are per row:
    # in the decision's transaction (one transaction and one connection a scan, not two).
    sqlite = db.engine.dialect.name == "sqlite"
    inside: int | None = None
    if sqlite and _counts_inside(point, direction):
        with reading(), scan_transaction(forced=False) as counting:
            inside = _people_inside(point, direction, until, counting.connection)
    # The decision runs in a transaction that holds the write lock (SQLite) or the registration's
    # row lock (PostgreSQL) until the scan is stored.
    with write_intent(), scan_transaction(forced=forced) as decision:
        holder = (
            _holder(decision, registration_id, point.forum_id)
            if registration_id is not None
            else None
        )
        if not sqlite:
            inside = _people_inside(point, direction, until, decision.connection)
        if registration_id is None:
            verdict = _Verdict(Outcome.INVALID, reason)
        elif holder is None:
            verdict = _Verdict(Outcome.UNKNOWN, REASON_NO_REGISTRATION)
        else:
            verdict = _judge(
                decision,
                point,
                holder,
                serial=serial,
                direction=direction,
                scanned_at=scanned_at,
                offline=offline,
                inside=inside,
            )
        was_forced = (
            forced
            and holder is not None
            and verdict.outcome not in (Outcome.ADMITTED, Outcome.EXITED)
            and verdict.outcome != Outcome.POINT_INACTIVE
        )
        if was_forced:
            # The device let the person in already, or staff admit anyway: record what
            # happened, flagged, with what the rules would have said.
            verdict.reason = verdict.reason or verdict.outcome.value
            verdict.outcome = Outcome.ADMITTED
        body = answer(
            verdict.outcome, holder, verdict.previous, verdict.reason, was_forced, verdict.extra
        )
        try:
            decision.run(
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
                    "outcome": verdict.outcome,
                    "manual": manual,
                    "offline": offline,
                    "forced": was_forced,
                    "response": body,
                    "clock_skew": clock_skew,
                    "fingerprint": digest,
                },
            )
            if was_forced:
                _audit_forced(point, uuid, holder, verdict.reason, staff_user_id, api_token_id)
            decision.commit()
        except IntegrityError:
            # The same uuid was stored meanwhile (a replay racing its original): its answer stands.
            decision.rollback()
            stored = _stored_answer(decision, uuid, digest)
            if stored is None:
                raise
            return ScanResult(Outcome(json.loads(stored)["outcome"]), stored, replayed=True)
    return ScanResult(verdict.outcome, body)


def _counts_inside(point: PointRules, direction: Direction) -> bool:
    """The scan needs to know how many are in the room: an admission at a door with a capacity."""
    return point.room is not None and direction == Direction.IN and point.active


def _people_inside(
    point: PointRules,
    direction: Direction,
    until: datetime | None,
    connection: Connection | None = None,
) -> int | None:
    """How many are in the room of a door with a capacity rule when it is full (None when it is
    not, and elsewhere): one indexed count (two when the room may be full). On SQLite it is read
    before the decision's lock; two doors admitting at the same instant may so let one person
    more in than the capacity (on PostgreSQL, whose lock is per registration, that is so too)."""
    if point.room is None or not _counts_inside(point, direction):
        return None
    return presence.inside_if_at_least(
        point.session_points, point.room.capacity, until=until, connection=connection
    )


def _audit_forced(
    point: PointRules,
    uuid: str,
    holder: Holder | None,
    reason: str | None,
    staff_user_id: int | None,
    api_token_id: int | None,
) -> None:
    """A forced admission (admit anyway, or an offline device's) goes into the audit log."""
    audit.record(
        "scan.forced",
        forum_id=point.forum_id,
        staff_user_id=staff_user_id,
        details={
            "uuid": uuid,
            "point": point.id,
            "registration": holder.id if holder else None,
            "reason": reason,
            "api_token": api_token_id,
        },
    )


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
