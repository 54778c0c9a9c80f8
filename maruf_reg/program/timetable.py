"""The public programme as pages show it: days laid out as grids (rooms across, time down),
sessions of a theme, and the people shown on a session page (confirmed registrations only)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from maruf_reg.extensions import db
from maruf_reg.forum import forum_days
from maruf_reg.models import (
    Forum,
    Person,
    Registration,
    RegistrationStatus,
    Room,
    Session,
    SessionRole,
    Theme,
)
from maruf_reg.program.sessions import booked_count, booked_counts

#: grid row of the room names; the first time line is the next one
HEADER_ROWS = 1


@dataclass(frozen=True)
class Cell:
    """A session placed in a day's grid."""

    session: Session
    #: grid column: 1 holds the times, rooms start at 2
    column: int
    row_start: int
    row_end: int
    #: seats that may still be booked; None when the session needs no booking
    seats_left: int | None


@dataclass(frozen=True)
class Slot:
    """The sessions that start at one time: a row label on wide screens, a heading on phones."""

    starts_at: datetime
    row: int
    cells: list[Cell]


@dataclass(frozen=True)
class DayGrid:
    day: date
    #: the columns after the times; None holds sessions that have no room
    rooms: list[Room | None]
    slots: list[Slot]
    #: time lines in the grid (each start or end of a session)
    lines: int


def themes(forum: Forum) -> list[Theme]:
    return list(
        db.session.scalars(
            select(Theme).where(Theme.forum_id == forum.id).order_by(Theme.position, Theme.id)
        )
    )


def theme_by_slug(forum: Forum, slug: str) -> Theme | None:
    return db.session.scalars(
        select(Theme).where(Theme.forum_id == forum.id, Theme.slug == slug)
    ).first()


def _sessions(forum: Forum, theme: Theme | None) -> Select[Session]:
    query = (
        select(Session)
        .where(Session.forum_id == forum.id)
        .options(selectinload(Session.theme), selectinload(Session.room))
        .order_by(Session.starts_at, Session.id)
    )
    return query.where(Session.theme_id == theme.id) if theme is not None else query


def local_day(forum: Forum, session: Session) -> date:
    return session.starts_at.astimezone(forum.zone).date()


def day_grids(forum: Forum, *, theme: Theme | None = None) -> list[DayGrid]:
    """Every day of the forum (also one without sessions, so that each is reachable) as a grid."""
    sessions = db.session.scalars(_sessions(forum, theme)).all()
    booked = booked_counts(forum.id)
    by_day: dict[date, list[Session]] = {day: [] for day in forum_days(forum)}
    for session in sessions:
        by_day.setdefault(local_day(forum, session), []).append(session)
    return [_grid(day, by_day[day], booked) for day in sorted(by_day)]


def _grid(day: date, sessions: list[Session], booked: dict[int, int]) -> DayGrid:
    rooms = sorted(
        {s.room.id: s.room for s in sessions if s.room is not None}.values(),
        key=lambda r: (r.position, r.name),
    )
    columns: list[Room | None] = [*rooms]
    if any(s.room is None for s in sessions):
        columns.append(None)
    column_of = {room.id if room else None: n + 2 for n, room in enumerate(columns)}
    times = sorted({s.starts_at for s in sessions} | {s.ends_at for s in sessions})
    row_of = {moment: n + 1 + HEADER_ROWS for n, moment in enumerate(times)}
    slots: dict[datetime, list[Cell]] = defaultdict(list)
    for session in sessions:
        seats_left = (
            max(0, session.capacity - booked.get(session.id, 0)) if session.needs_booking else None
        )
        slots[session.starts_at].append(
            Cell(
                session,
                column_of[session.room_id],
                row_of[session.starts_at],
                row_of[session.ends_at],
                seats_left,
            )
        )
    return DayGrid(
        day,
        columns,
        [
            Slot(moment, row_of[moment], sorted(cells, key=lambda c: c.column))
            for moment, cells in sorted(slots.items())
        ],
        len(times),
    )


def sessions_by_day(
    forum: Forum, *, theme: Theme | None = None
) -> list[tuple[date, list[Session]]]:
    """The forum's sessions (or a theme's) in order, grouped by the day they start."""
    days: dict[date, list[Session]] = defaultdict(list)
    for session in db.session.scalars(_sessions(forum, theme)):
        days[local_day(forum, session)].append(session)
    return sorted(days.items())


def seats_left(session: Session) -> int | None:
    if not session.needs_booking:
        return None
    return max(0, session.capacity - booked_count(session.id))


def confirmed_roles(forum_id: int) -> Select[SessionRole]:
    # A part in a session is public only once the person's registration in the forum is confirmed
    # (an invited speaker stays pending until an organiser approves).
    # EXISTS, not a join: the query then starts from the few roles, not from every confirmed
    # registration (SQLite's planner otherwise scans tens of thousands of them).
    confirmed = (
        select(Registration.id)
        .where(
            Registration.person_id == SessionRole.person_id,
            Registration.forum_id == forum_id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .exists()
    )
    # A person whose data was erased is not named on the programme any more.
    not_erased = (
        select(Person.id)
        .where(Person.id == SessionRole.person_id, Person.erased_at.is_(None))
        .exists()
    )
    return (
        select(SessionRole)
        .where(confirmed, not_erased)
        .options(selectinload(SessionRole.person))
        .order_by(SessionRole.session_id, SessionRole.position, SessionRole.id)
    )


def public_roles(session: Session) -> list[SessionRole]:
    """Who speaks, moderates or chairs the session, as the public sees it."""
    return list(
        db.session.scalars(
            confirmed_roles(session.forum_id).where(SessionRole.session_id == session.id)
        )
    )


def public_roles_by_session(
    forum: Forum, sessions: Iterable[Session]
) -> dict[int, list[SessionRole]]:
    ids = [s.id for s in sessions]
    found: dict[int, list[SessionRole]] = defaultdict(list)
    if ids:
        query = confirmed_roles(forum.id).where(SessionRole.session_id.in_(ids))
        for role in db.session.scalars(query):
            found[role.session_id].append(role)
    return found
