"""Check-in rules: points, scans (badge, offline, manual), live counts, the offline bundle, search.

One function decides every scan, `process_scan`; the scanner page, the JSON API, the offline batch
sync and the desk's manual admission all go through it.

What "already in" means — the admission that counts. A scan at a point is judged in its *scope*:
- a session point: every point of the same session (a session is one room on one day);
- an entrance: every entrance of the forum, on the same forum day (in the forum's time zone);
- any other point (the exhibition): that point alone, on the same forum day.
In its scope, a registration's admitted and exited scans are read in `scanned_at` order (then id).
The admission that counts is the earliest admission after the latest exit; if there is one, the
person is inside and a new scan at the door is `already_in`, with that admission as `previous`.
An exit is possible only at points that count exits, so at other points "inside" lasts the day
(the session) once admitted.

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import has_app_context
from sqlalchemy import ColumnElement, and_, bindparam, event, exists, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from maruf_reg import badge_tokens, people_search
from maruf_reg.caching import AppCache
from maruf_reg.database import write_intent
from maruf_reg.extensions import db
from maruf_reg.forum import day_bounds_at
from maruf_reg.models import (
    Category,
    CheckInPoint,
    Direction,
    Forum,
    Outcome,
    Person,
    PointKind,
    Registration,
    RegistrationStatus,
    Scan,
    Seat,
    SeatStatus,
    Session,
    SessionRole,
    utcnow,
)
from maruf_reg.text import search_key

SEARCH_LIMIT = 25
LAST_SCANS = 10

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


class CheckinError(ValueError):
    """A check-in request cannot be processed; the message says why."""


class PointNotFound(CheckinError):
    """No check-in point with this id."""


class ExitsNotCounted(CheckinError):
    """An exit scanned at a point that does not count exits."""


class PointFormError(CheckinError):
    """A check-in point's settings contradict each other."""


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
class _Point:
    id: int
    forum_id: int
    name: str
    kind: PointKind
    session_id: int | None
    categories: tuple[str, ...]
    counts_exit: bool
    needs_booking: bool
    public_key: bytes
    timezone: str


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
        "name": f"{holder.given_name} {holder.family_name}".strip(),
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
_points = CheckInPoint.__table__
_registrations = Registration.__table__
_people = Person.__table__
_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)

_POINT = (
    select(
        _points.c.id,
        _points.c.forum_id,
        _points.c.name,
        _points.c.kind,
        _points.c.session_id,
        _points.c.categories,
        _points.c.counts_exit,
        Session.__table__.c.needs_booking,
        Forum.__table__.c.public_key,
        Forum.__table__.c.timezone,
    )
    .select_from(
        _points.join(Forum.__table__, Forum.__table__.c.id == _points.c.forum_id).outerjoin(
            Session.__table__, Session.__table__.c.id == _points.c.session_id
        )
    )
    .where(_points.c.id == bindparam("point_id"))
)
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
_HISTORY = (
    select(
        _scans.c.scanned_at,
        _scans.c.outcome,
        _scans.c.point_id,
        _scans.c.device,
        _points.c.name.label("point_name"),
    )
    .select_from(_scans.join(_points, _points.c.id == _scans.c.point_id))
    .where(
        _scans.c.registration_id == bindparam("registration_id"),
        _scans.c.outcome.in_([Outcome.ADMITTED, Outcome.EXITED]),
        _scans.c.scanned_at <= bindparam("as_of"),
    )
    .order_by(_scans.c.scanned_at, _scans.c.id)
)
# The scope of a point (see the module doc), one statement per kind of point.
_HISTORY_BY_KIND = {
    PointKind.SESSION: _HISTORY.where(_points.c.session_id == bindparam("session_id")),
    PointKind.ENTRANCE: _HISTORY.where(
        _scans.c.scanned_at >= bindparam("day_start"),
        _scans.c.scanned_at < bindparam("day_end"),
        _points.c.forum_id == bindparam("forum_id"),
        _points.c.kind == PointKind.ENTRANCE,
    ),
    PointKind.OTHER: _HISTORY.where(
        _scans.c.scanned_at >= bindparam("day_start"),
        _scans.c.scanned_at < bindparam("day_end"),
        _scans.c.point_id == bindparam("point_id"),
    ),
}
_INSERT = insert(Scan)


def _run(statement: Any, **values: Any) -> Any:
    return db.session.connection().execute(statement, values)


# Every scan needs its point's rules; they change rarely, so each process keeps them a few seconds.
# Saving a point forgets them here at once; other processes see the change within POINT_CACHE_SECONDS.
POINT_CACHE_SECONDS = 5
_points_cache: AppCache[int, _Point] = AppCache("points", maxsize=1024, ttl=POINT_CACHE_SECONDS)


def _point(point_id: int) -> _Point:
    cached = _points_cache.get(point_id)
    if cached is not None:
        return cached
    point = _load_point(point_id)
    _points_cache.set(point_id, point)
    return point


def forget_points() -> None:
    """Drop this process's remembered point rules (after a point, session or forum changed)."""
    _points_cache.clear()


def _forget_points_on_change(mapper: Any, connection: Any, target: Any) -> None:
    if has_app_context():
        forget_points()


for _model in (CheckInPoint, Session, Forum):
    for _event in ("after_insert", "after_update", "after_delete"):
        event.listen(_model, _event, _forget_points_on_change)


def _load_point(point_id: int) -> _Point:
    row = _run(_POINT, point_id=point_id).first()
    if row is None:
        raise PointNotFound(f"no check-in point {point_id}")
    kind = PointKind(row.kind)
    session_id = row.session_id if kind == PointKind.SESSION else None
    return _Point(
        id=row.id,
        forum_id=row.forum_id,
        name=row.name,
        kind=kind if session_id is not None or kind != PointKind.SESSION else PointKind.OTHER,
        session_id=session_id,
        categories=tuple(row.categories or ()),
        counts_exit=bool(row.counts_exit),
        needs_booking=bool(row.needs_booking) if session_id is not None else False,
        public_key=bytes(row.public_key or b""),
        timezone=row.timezone,
    )


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


def _scope(
    *,
    kind: PointKind,
    point_id: int,
    session_id: int | None,
    forum_id: int,
    timezone: str,
    moment: datetime,
) -> list[ColumnElement[bool]]:
    """Conditions on scans joined to their points for the scope of a point (see the module doc)."""
    if kind == PointKind.SESSION and session_id is not None:
        return [CheckInPoint.session_id == session_id]
    start, end = day_bounds_at(moment, timezone)
    day = [Scan.scanned_at >= start, Scan.scanned_at < end]
    if kind == PointKind.ENTRANCE:
        return [*day, CheckInPoint.forum_id == forum_id, CheckInPoint.kind == kind]
    return [*day, Scan.point_id == point_id]


def _admission_that_counts(
    point: _Point, registration_id: int, scanned_at: datetime, as_of: datetime | None
) -> dict[str, Any] | None:
    """The admission that makes this person inside in the point's scope, or None (see the module doc)."""
    day_start, day_end = day_bounds_at(scanned_at, point.timezone)
    rows = _run(
        _HISTORY_BY_KIND[point.kind],
        registration_id=registration_id,
        as_of=as_of or _FAR_FUTURE,
        session_id=point.session_id,
        day_start=day_start,
        day_end=day_end,
        forum_id=point.forum_id,
        point_id=point.id,
    )
    counting = None
    for row in rows:
        if row.outcome == Outcome.EXITED:
            counting = None
        elif counting is None:
            counting = row
    if counting is None:
        return None
    return {
        "scanned_at": iso_utc(counting.scanned_at),
        "point": counting.point_id,
        "point_name": counting.point_name,
        "device": counting.device,
    }


def _has_place(point: _Point, holder: _Holder) -> bool:
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
    point: _Point,
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
    previous = _admission_that_counts(
        point, holder.id, scanned_at, as_of=scanned_at if offline else None
    )
    if previous is not None:
        return Outcome.ALREADY_IN, None, previous
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
    point = _point(point_id)
    if direction == Direction.OUT and not point.counts_exit:
        raise ExitsNotCounted(f"{point.name} does not count exits")
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


# --- points --------------------------------------------------------------------------------------


def point_json(point: CheckInPoint) -> dict[str, Any]:
    return {
        "id": point.id,
        "name": point.name,
        "kind": point.kind.value,
        "session": point.session_id,
        "categories": list(point.categories or []),
        "counts_exit": point.counts_exit,
    }


def points(forum_id: int, *, include_inactive: bool = False) -> list[CheckInPoint]:
    """The forum's check-in points: entrances first, then sessions by start, then the others."""
    query = (
        select(CheckInPoint)
        .outerjoin(Session, Session.id == CheckInPoint.session_id)
        .where(CheckInPoint.forum_id == forum_id)
        .order_by(CheckInPoint.kind, Session.starts_at, CheckInPoint.name, CheckInPoint.id)
    )
    if not include_inactive:
        query = query.where(CheckInPoint.active.is_(True))
    return list(db.session.scalars(query))


def save_point(
    point: CheckInPoint | None,
    *,
    forum_id: int,
    name: str,
    kind: PointKind,
    session_id: int | None,
    categories: Sequence[str],
    counts_exit: bool,
    active: bool = True,
) -> CheckInPoint:
    """Create or change a check-in point; a session point needs a session of the same forum."""
    name = name.strip()
    if not name:
        raise PointFormError("a point needs a name")
    unknown = set(categories) - {c.value for c in Category}
    if unknown:
        raise PointFormError(f"unknown categories: {', '.join(sorted(unknown))}")
    if kind == PointKind.SESSION and session_id is None:
        raise PointFormError("a session point needs its session")
    if kind != PointKind.SESSION and session_id is not None:
        raise PointFormError("only a session point has a session")
    if session_id is not None:
        session_forum = db.session.scalar(select(Session.forum_id).where(Session.id == session_id))
        if session_forum != forum_id:
            raise PointFormError("the session is not in this forum")
    if point is None:
        point = CheckInPoint(forum_id=forum_id)
        db.session.add(point)
    point.name = name
    point.kind = kind
    point.session_id = session_id
    point.categories = [c.value for c in Category if c.value in set(categories)]
    point.counts_exit = counts_exit
    point.active = active
    db.session.commit()
    return point


# --- live counts ---------------------------------------------------------------------------------


@dataclass
class PointCounts:
    point_id: int
    admitted_today: int = 0
    inside_now: int = 0
    last_scans: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "point": self.point_id,
            "admitted_today": self.admitted_today,
            "inside_now": self.inside_now,
            "last_scans": self.last_scans,
        }


def live_counts(
    forum: Forum, point_ids: Iterable[int], *, now: datetime | None = None, last: int = LAST_SCANS
) -> dict[int, PointCounts]:
    """Per point, today (forum day): people admitted, people inside (last admitted/exited scan is an
    admission), and the last scans."""
    ids = list(point_ids)
    counts = {pid: PointCounts(pid) for pid in ids}
    if not ids:
        return counts
    start, end = day_bounds_at(now or utcnow(), forum.timezone)
    today = and_(Scan.point_id.in_(ids), Scan.scanned_at >= start, Scan.scanned_at < end)
    admitted = db.session.execute(
        select(Scan.point_id, func.count(func.distinct(Scan.registration_id)))
        .where(today, Scan.outcome == Outcome.ADMITTED)
        .group_by(Scan.point_id)
    )
    for point_id, number in admitted:
        counts[point_id].admitted_today = number
    ranked = (
        select(
            Scan.point_id,
            Scan.outcome,
            func.row_number()
            .over(
                partition_by=(Scan.point_id, Scan.registration_id),
                order_by=(Scan.scanned_at.desc(), Scan.id.desc()),
            )
            .label("rank"),
        )
        .where(today, Scan.outcome.in_([Outcome.ADMITTED, Outcome.EXITED]))
        .subquery()
    )
    inside = db.session.execute(
        select(ranked.c.point_id, func.count())
        .where(ranked.c.rank == 1, ranked.c.outcome == Outcome.ADMITTED)
        .group_by(ranked.c.point_id)
    )
    for point_id, number in inside:
        counts[point_id].inside_now = number
    if last:
        for point_id in ids:
            counts[point_id].last_scans = last_scans(point_id, limit=last)
    return counts


def last_scans(point_id: int, *, limit: int = LAST_SCANS) -> list[dict[str, Any]]:
    """The latest scans at a point (by the time they happened), newest first."""
    rows = db.session.execute(
        select(
            Scan.scanned_at,
            Scan.outcome,
            Scan.device,
            Scan.manual,
            Scan.offline,
            Scan.forced,
            Person.given_name,
            Person.family_name,
        )
        .outerjoin(Registration, Registration.id == Scan.registration_id)
        .outerjoin(Person, Person.id == Registration.person_id)
        .where(Scan.point_id == point_id)
        .order_by(Scan.scanned_at.desc(), Scan.id.desc())
        .limit(limit)
    )
    return [
        {
            "scanned_at": iso_utc(row.scanned_at),
            "outcome": Outcome(row.outcome).value,
            "name": f"{row.given_name or ''} {row.family_name or ''}".strip(),
            "device": row.device,
            "manual": row.manual,
            "offline": row.offline,
            "forced": row.forced,
        }
        for row in rows
    ]


# --- the offline bundle ---------------------------------------------------------------------


def bundle(point_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """What an offline scanner needs for a point (the API documents each key)."""
    point = db.session.get(CheckInPoint, point_id)
    if point is None:
        raise PointNotFound(f"no check-in point {point_id}")
    forum = db.session.get_one(Forum, point.forum_id)
    people = db.session.execute(
        select(
            Registration.id,
            Registration.category,
            Person.given_name,
            Person.family_name,
            Person.organisation,
        )
        .join(Person, Person.id == Registration.person_id)
        .where(
            Registration.forum_id == forum.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .order_by(Registration.id)
    )
    # Badges that no longer admit: every serial but `serial` (null: all of them). A registration
    # not listed here admits with serial 1 only — a new one, made after the bundle, included.
    revoked = db.session.execute(
        select(Registration.id, Registration.status, Registration.badge_serial)
        .where(
            Registration.forum_id == forum.id,
            or_(
                Registration.status != RegistrationStatus.CONFIRMED,
                Registration.badge_serial != 1,
            ),
        )
        .order_by(Registration.id)
    )
    allowed: list[int] | None = None
    session = point.session
    if session is not None and session.needs_booking:
        seated = select(Seat.registration_id).where(
            Seat.session_id == session.id, Seat.status == SeatStatus.BOOKED
        )
        speaking = (
            select(Registration.id)
            .join(SessionRole, SessionRole.person_id == Registration.person_id)
            .where(SessionRole.session_id == session.id, Registration.forum_id == forum.id)
        )
        allowed = sorted(db.session.scalars(seated.union(speaking)))
    moment = now or utcnow()
    day_start, _day_end = day_bounds_at(moment, forum.timezone)
    return {
        "point": point_json(point),
        "forum": {"id": forum.id, "timezone": forum.timezone},
        "generated_at": iso_utc(moment),
        "day": day_start.astimezone(ZoneInfo(forum.timezone)).date().isoformat(),
        "public_key": (forum.public_key or b"").hex(),
        "revoked": [
            {
                "id": row.id,
                "serial": row.badge_serial if row.status == RegistrationStatus.CONFIRMED else None,
            }
            for row in revoked
        ],
        "allowed": allowed,
        "inside": sorted(_inside_ids(point, moment)),
        "people": [
            {
                "id": row.id,
                "name": f"{row.given_name} {row.family_name}".strip(),
                "category": Category(row.category).value,
                "organisation": row.organisation,
            }
            for row in people
        ],
    }


def _inside_ids(point: CheckInPoint, moment: datetime) -> set[int]:
    """Registrations inside in the point's scope now, so that an offline device knows them."""
    query = (
        select(Scan.registration_id, Scan.outcome)
        .join(CheckInPoint, CheckInPoint.id == Scan.point_id)
        .where(
            Scan.outcome.in_([Outcome.ADMITTED, Outcome.EXITED]),
            Scan.registration_id.is_not(None),
        )
        .order_by(Scan.scanned_at, Scan.id)
    )
    query = query.where(
        *_scope(
            kind=point.kind,
            point_id=point.id,
            session_id=point.session_id,
            forum_id=point.forum_id,
            timezone=point.forum.timezone,
            moment=moment,
        )
    )
    inside: set[int] = set()
    for row in db.session.execute(query):
        if row.registration_id is None:
            continue
        if row.outcome == Outcome.ADMITTED:
            inside.add(row.registration_id)
        else:
            inside.discard(row.registration_id)
    return inside


# --- people search ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonHit:
    registration_id: int
    person_id: int
    given_name: str
    family_name: str
    email: str
    organisation: str
    country: str
    category: Category
    status: RegistrationStatus
    badge_serial: int

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.registration_id,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "name": self.name,
            "category": self.category.value,
            "organisation": self.organisation,
            "country": self.country,
            "email": self.email,
            "status": self.status.value,
        }


_HITS = select(
    _registrations.c.id,
    _people.c.id.label("person_id"),
    _people.c.given_name,
    _people.c.family_name,
    _people.c.email,
    _people.c.organisation,
    _people.c.country,
    _registrations.c.category,
    _registrations.c.status,
    _registrations.c.badge_serial,
).select_from(_registrations.join(_people, _people.c.id == _registrations.c.person_id))


def search_people(forum_id: int, query: str, *, limit: int = SEARCH_LIMIT) -> list[PersonHit]:
    """Registrations of the forum whose names, e-mail or organisation hold every word of the query,
    accent- and case-insensitively ("ozturk" finds "Öztürk"); at most `limit`, by name."""
    words = people_search.query_words(query)
    if not words or all(len(w) < 2 for w in words):
        return []
    # Candidates a few at a time, straight from the index (a common name has thousands of
    # matches: sorting or counting them all would read them all), until enough are in this forum.
    rows: list[Any] = []
    batch = limit * 2
    offset = 0
    while len(rows) < limit:
        people = people_search.candidates(words, limit=batch, offset=offset)
        if people:
            found = _HITS.where(
                _registrations.c.forum_id == forum_id, _registrations.c.person_id.in_(people)
            )
            rows += _run(found.limit(limit - len(rows)))
        if len(people) < batch:
            break
        offset += batch
    hits = [
        PersonHit(
            registration_id=row.id,
            person_id=row.person_id,
            given_name=row.given_name,
            family_name=row.family_name,
            email=row.email,
            organisation=row.organisation,
            country=row.country,
            category=Category(row.category),
            status=RegistrationStatus(row.status),
            badge_serial=row.badge_serial,
        )
        for row in rows
    ]
    return sorted(hits, key=lambda h: (search_key(h.name), h.registration_id))
