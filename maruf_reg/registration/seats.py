"""Seats and waitlists: a session never gets more booked seats than its capacity.

The rule holds under concurrent requests because every change to a session's seats first locks that
session's row (`SELECT ... FOR NO KEY UPDATE` on PostgreSQL; on SQLite a writing transaction holds
the database's write lock from its `BEGIN IMMEDIATE`), and only then counts the booked seats.
Sessions are always locked in ascending id order, after the registration's own row, so that two
transactions never wait for each other in a circle.

These functions work inside the caller's transaction and never commit.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import joinedload

from maruf_reg.database import mark_written
from maruf_reg.errors import RuleError
from maruf_reg.extensions import db
from maruf_reg.models import Registration, Room, Seat, SeatStatus, Session, utcnow


class SeatError(RuleError):
    """A seat request breaks a rule; the view shows it as a form error."""


class SessionNotBookable(SeatError):
    """The session does not exist in this forum, needs no booking, or is over."""

    def __init__(self, session_id: int) -> None:
        super().__init__(f"session {session_id} cannot be booked")
        self.session_id = session_id


class Bookable(Protocol):
    """What booking needs of a session: a `Session`, or the `SessionSlot` read with its lock."""

    @property
    def id(self) -> int: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...
    @property
    def capacity(self) -> int: ...


class SessionSlot(NamedTuple):
    """A session's row as a booking reads it (plain values: no ORM entity for a few columns)."""

    id: int
    starts_at: datetime
    ends_at: datetime
    capacity: int
    needs_booking: bool


class SessionsOverlap(SeatError):
    """Two chosen sessions run at the same time (the page names them: it loads their titles)."""

    def __init__(self, first: Bookable, second: Bookable) -> None:
        super().__init__(f"sessions {first.id} and {second.id} overlap")
        self.first = first
        self.second = second


@dataclass
class SeatChanges:
    """What a change of seats did: for the page, the audit log and the mail."""

    booked: list[int] = field(default_factory=list)
    waitlisted: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)
    #: (registration id, session id) of the people who moved up from a waitlist
    promoted: list[tuple[int, int]] = field(default_factory=list)

    def merge(self, other: SeatChanges) -> None:
        self.booked += other.booked
        self.waitlisted += other.waitlisted
        self.released += other.released
        self.promoted += other.promoted


def bookable_sessions(forum_id: int, *, now: datetime | None = None) -> list[Session]:
    """Sessions of the forum that take seat bookings and have not ended, in time order."""
    return list(
        db.session.scalars(
            select(Session)
            .where(
                Session.forum_id == forum_id,
                Session.needs_booking.is_(True),
                Session.ends_at > (now or utcnow()),
            )
            .order_by(Session.starts_at, Session.id)
            .options(joinedload(Session.room))
        )
    )


@dataclass(frozen=True)
class SessionSeats:
    """A bookable session as a sign-up form lists it: plain values, no ORM object."""

    id: int
    title_tr: str
    title_en: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    room: str
    booked: int


def booked_count(session_id: Any) -> Any:
    """SQL for the number of booked seats of a session (counted in the seats index)."""
    return (
        select(func.count())
        .where(Seat.session_id == session_id, Seat.status == SeatStatus.BOOKED)
        .correlate_except(Seat)
        .scalar_subquery()
    )


def seats_overview(forum_id: int, *, extra_ids: Collection[int] = ()) -> list[SessionSeats]:
    """Bookable sessions (and the sessions `extra_ids`) with their booked seats, in one query."""
    wanted = (Session.needs_booking.is_(True)) & (Session.ends_at > utcnow())
    if extra_ids:
        wanted = wanted | Session.id.in_(list(extra_ids))
    rows = db.session.execute(
        select(
            Session.id,
            Session.title_tr,
            Session.title_en,
            Session.starts_at,
            Session.ends_at,
            Session.capacity,
            Room.name,
            booked_count(Session.id),
        )
        .outerjoin(Room, Room.id == Session.room_id)
        .where(Session.forum_id == forum_id, wanted)
        .order_by(Session.starts_at, Session.id)
    )
    return [
        SessionSeats(
            id=row[0],
            title_tr=row[1],
            title_en=row[2],
            starts_at=row[3],
            ends_at=row[4],
            capacity=row[5],
            room=row[6] or "",
            booked=row[7] or 0,
        )
        for row in rows
    ]


_seats = Seat.__table__
_sessions = Session.__table__
# Statements of every sign-up, built once (building and caching a statement each time cost more
# than running it).
_BOOKED = (
    select(_seats.c.session_id, func.count())
    .where(
        _seats.c.session_id.in_(bindparam("ids", expanding=True)),
        _seats.c.status == SeatStatus.BOOKED,
    )
    .group_by(_seats.c.session_id)
)
_SLOTS = (
    select(
        _sessions.c.id,
        _sessions.c.starts_at,
        _sessions.c.ends_at,
        _sessions.c.capacity,
        _sessions.c.needs_booking,
    )
    .where(
        _sessions.c.id.in_(bindparam("ids", expanding=True)),
        _sessions.c.forum_id == bindparam("forum_id"),
    )
    .order_by(_sessions.c.id)
)
_LOCKED_SLOTS = _SLOTS.with_for_update(key_share=True)


def session_slots(forum_id: int, session_ids: Collection[int], *, lock: bool) -> list[SessionSlot]:
    """The forum's sessions among `session_ids`, by id; with `lock`, their rows are locked for the
    rest of the transaction (ascending id, as `lock_sessions`) and read after the lock."""
    if not session_ids:
        return []
    rows = db.session.connection().execute(
        _LOCKED_SLOTS if lock else _SLOTS, {"ids": sorted(session_ids), "forum_id": forum_id}
    )
    return [SessionSlot(*row) for row in rows]


def booked_counts(session_ids: Iterable[int]) -> dict[int, int]:
    """Booked seats per session (sessions with none are absent)."""
    ids = list(session_ids)
    if not ids:
        return {}
    rows = db.session.connection().execute(_BOOKED, {"ids": ids})
    return {row[0]: row[1] for row in rows}


def check_overlaps(sessions: Sequence[Bookable]) -> None:
    """Raise SessionsOverlap if two of the sessions run at the same time."""
    ordered = sorted(sessions, key=lambda s: (s.starts_at, s.id))
    for index, first in enumerate(ordered):
        for second in ordered[index + 1 :]:
            if second.starts_at >= first.ends_at:
                break  # sorted by start: no later session can overlap `first`
            raise SessionsOverlap(first, second)


def lock_sessions(session_ids: Collection[int]) -> dict[int, Session]:
    """Lock the sessions' rows (ascending id) for the rest of the transaction; return them fresh."""
    if not session_ids:
        return {}
    sessions = db.session.scalars(
        select(Session)
        .where(Session.id.in_(sorted(session_ids)))
        .order_by(Session.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    return {s.id: s for s in sessions}


_NEW_SEAT = insert(Seat)


def _book_or_waitlist(
    registration_id: int, sessions: Sequence[Bookable], now: datetime
) -> SeatChanges:
    """A seat in each session, booked while the session has room, else on its waitlist: one
    INSERT for them all (Core: the registration's `seats` collection is not loaded)."""
    changes = SeatChanges()
    if not sessions:
        return changes
    counts = booked_counts(s.id for s in sessions)
    rows = []
    for session in sessions:
        booked = counts.get(session.id, 0) < session.capacity
        rows.append(
            {
                "registration_id": registration_id,
                "session_id": session.id,
                "status": SeatStatus.BOOKED if booked else SeatStatus.WAITLISTED,
                "requested_at": now,
                "booked_at": now if booked else None,
            }
        )
        (changes.booked if booked else changes.waitlisted).append(session.id)
    db.session.connection().execute(_NEW_SEAT, rows)
    mark_written()
    return changes


def request_seats(registration_id: int, sessions: Sequence[Bookable]) -> SeatChanges:
    """Book a seat in each session, or join its waitlist when it is full.

    The sessions' rows must be locked by the caller (`lock_sessions`, or `sessions_for_booking`
    with `lock`); the registration must not hold seats in them yet; overlaps are checked.
    """
    if not sessions:
        return SeatChanges()
    return _book_or_waitlist(registration_id, sessions, utcnow())


def promote_waitlist(session: Session, now: datetime | None = None) -> list[Seat]:
    """Move people up from the session's waitlist, first come first served, while seats are free.

    The session's row must be locked by the caller (see `lock_sessions`).
    """
    now = now or utcnow()
    free = session.capacity - booked_counts([session.id]).get(session.id, 0)
    if free <= 0:
        return []
    waiting = list(
        db.session.scalars(
            select(Seat)
            .where(Seat.session_id == session.id, Seat.status == SeatStatus.WAITLISTED)
            .order_by(Seat.requested_at, Seat.id)
            .limit(free)
        )
    )
    for seat in waiting:
        seat.status = SeatStatus.BOOKED
        seat.booked_at = now
    db.session.flush()
    return waiting


def replace_seats(
    registration: Registration, wanted: Sequence[Bookable], *, drop_all: bool = False
) -> SeatChanges:
    """Make the registration's seats match `wanted`: release the others, request the new ones.

    Seats kept keep their place (booked, or their position on the waitlist). The registration's
    row must be locked by the caller. With `drop_all`, every seat is released (cancellation).
    """
    current = {seat.session_id: seat for seat in registration.seats}
    wanted_ids = set() if drop_all else {s.id for s in wanted}
    dropped = [current[sid] for sid in current if sid not in wanted_ids]
    added = [s for s in wanted if s.id not in current] if not drop_all else []
    changes = SeatChanges()
    if not dropped and not added:
        return changes
    locked = lock_sessions({seat.session_id for seat in dropped} | {s.id for s in added})
    # Statuses may have changed (a promotion) while we waited for the locks.
    for seat in registration.seats:
        db.session.refresh(seat, ["status"])
    freed: list[int] = []
    for seat in dropped:
        changes.released.append(seat.session_id)
        if seat.status == SeatStatus.BOOKED:
            freed.append(seat.session_id)
        registration.seats.remove(seat)
    db.session.flush()
    now = utcnow()
    for session_id in sorted(freed):
        for seat in promote_waitlist(locked[session_id], now):
            changes.promoted.append((seat.registration_id, session_id))
    changes.merge(_book_or_waitlist(registration.id, [locked[s.id] for s in added], now))
    return changes


def waitlist_positions(seats: Iterable[Seat]) -> dict[int, int]:
    """1-based place on the waitlist for each waitlisted seat, by session id."""
    positions: dict[int, int] = {}
    for seat in seats:
        if seat.status != SeatStatus.WAITLISTED:
            continue
        ahead = db.session.scalar(
            select(func.count())
            .select_from(Seat)
            .where(
                Seat.session_id == seat.session_id,
                Seat.status == SeatStatus.WAITLISTED,
                (Seat.requested_at < seat.requested_at)
                | ((Seat.requested_at == seat.requested_at) & (Seat.id < seat.id)),
            )
        )
        positions[seat.session_id] = (ahead or 0) + 1
    return positions
