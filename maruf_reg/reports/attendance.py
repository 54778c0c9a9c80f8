"""Session and theme reports: seats, attendance, no-shows, walk-ins and peak occupancy.

The definitions are in `maruf_reg.reports.services`' docstring (and the README).
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import aliased

from maruf_reg.checkin import presence
from maruf_reg.extensions import db
from maruf_reg.forum import day_bounds
from maruf_reg.models import (
    Category,
    CheckInPoint,
    Forum,
    Outcome,
    Person,
    Registration,
    Room,
    Scan,
    Seat,
    SeatStatus,
    Session,
    SessionKind,
    Theme,
)
from maruf_reg.reports.services import ReportError, not_cancelled
from maruf_reg.text import localized

# --- sessions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """Seats and attendance of a session, a theme, a category or a country."""

    booked: int = 0
    waitlisted: int = 0
    #: distinct people admitted (for a theme or a group of sessions: person-sessions)
    attended: int = 0
    #: of those admitted, how many had a booked seat
    booked_attended: int = 0

    @property
    def no_shows(self) -> int:
        return self.booked - self.booked_attended

    @property
    def walk_ins(self) -> int:
        return self.attended - self.booked_attended

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.booked + other.booked,
            self.waitlisted + other.waitlisted,
            self.attended + other.attended,
            self.booked_attended + other.booked_attended,
        )


class TallyColumns:
    """A tally's figures as attributes, for tables, sorting and exports."""

    def counted(self) -> Tally:
        raise NotImplementedError

    @property
    def booked(self) -> int:
        return self.counted().booked

    @property
    def waitlisted(self) -> int:
        return self.counted().waitlisted

    @property
    def attended(self) -> int:
        return self.counted().attended

    @property
    def no_shows(self) -> int:
        return self.counted().no_shows

    @property
    def walk_ins(self) -> int:
        return self.counted().walk_ins


@dataclass(frozen=True)
class SessionFigures(TallyColumns):
    """One session's line in the sessions report."""

    id: int
    title_tr: str
    title_en: str
    kind: SessionKind
    starts_at: datetime
    ends_at: datetime
    capacity: int
    needs_booking: bool
    room: str
    room_capacity: int | None
    theme_id: int | None
    theme_slug: str
    theme_name_tr: str
    theme_name_en: str
    theme_colour: str
    tally: Tally = field(default_factory=Tally)
    peak: int = 0
    peak_at: datetime | None = None

    def counted(self) -> Tally:
        return self.tally

    def title(self, locale: str) -> str:
        return localized(self, "title", locale)

    def theme_name(self, locale: str) -> str:
        return localized(self, "theme_name", locale)

    @property
    def peak_capacity(self) -> int:
        """What the peak is measured against: the room's capacity, else the session's."""
        return self.room_capacity if self.room_capacity is not None else self.capacity

    @property
    def peak_ratio(self) -> float | None:
        return self.peak / self.peak_capacity if self.peak_capacity else None


class SessionSort(enum.StrEnum):
    """Columns the sessions table sorts by (the whitelist of `?sort=`)."""

    STARTS_AT = "starts_at"
    TITLE = "title"
    THEME = "theme"
    ROOM = "room"
    KIND = "kind"
    CAPACITY = "capacity"
    BOOKED = "booked"
    WAITLISTED = "waitlisted"
    ATTENDED = "attended"
    NO_SHOWS = "no_shows"
    WALK_INS = "walk_ins"
    PEAK = "peak"
    PEAK_RATIO = "peak_ratio"


def _session_filter(
    forum: Forum, *, day: date | None = None, theme_id: int | None = None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Session.forum_id == forum.id]
    if day is not None:
        start, end = day_bounds(forum, day)
        conditions += [Session.starts_at >= start, Session.starts_at < end]
    if theme_id is not None:
        conditions.append(Session.theme_id == theme_id)
    return conditions


def session_points(forum_id: int, session_ids: Iterable[int] | None = None) -> list[int]:
    """Ids of the check-in points that admit to the forum's sessions (or to the given ones)."""
    query = select(CheckInPoint.id).where(
        CheckInPoint.forum_id == forum_id, CheckInPoint.session_id.is_not(None)
    )
    if session_ids is not None:
        query = query.where(CheckInPoint.session_id.in_(list(session_ids)))
    return list(db.session.scalars(query).all())


def _attendance(session_ids: Iterable[int] | None, forum_id: int) -> Any:
    """(session_id, registration_id) of everyone admitted at a session's points: a subquery."""
    # Naming the points lets the database read their scans from the (point, time, outcome …)
    # index instead of joining every scan of the forum to its point.
    points = session_points(forum_id, session_ids)
    return (
        select(CheckInPoint.session_id.label("session_id"), Scan.registration_id.label("rid"))
        .join(CheckInPoint, CheckInPoint.id == Scan.point_id)
        .where(
            Scan.point_id.in_(points),
            Scan.outcome == Outcome.ADMITTED,
            Scan.registration_id.is_not(None),
        )
        .group_by(CheckInPoint.session_id, Scan.registration_id)
        .subquery("attendance")
    )


def admitted(forum_id: int, session_ids: Iterable[int] | None = None) -> Any:
    """The attendance rule as a subquery of (session_id, rid) pairs, for other capabilities'
    filters (messages to those who came, or did not): the same rule as the figures."""
    return _attendance(session_ids, forum_id)


def attended_by(forum_id: int, registration_ids: Sequence[int]) -> dict[int, set[int]]:
    """The sessions each of these registrations attended (the same rule as the figures)."""
    came = _attendance(None, forum_id)
    found: dict[int, set[int]] = defaultdict(set)
    for session_id, rid in db.session.execute(
        select(came.c.session_id, came.c.rid).where(came.c.rid.in_(list(registration_ids)))
    ):
        found[int(rid)].add(int(session_id))
    return found


class Group(enum.StrEnum):
    """What a breakdown groups by."""

    SESSION = "session"
    CATEGORY = "category"
    COUNTRY = "country"


def _group_column(group: Group, session_column: Any) -> Any:
    if group == Group.SESSION:
        return session_column
    if group == Group.CATEGORY:
        return Registration.category
    return func.coalesce(Person.country, "")


def _tallies(forum_id: int, session_ids: Sequence[int] | None, group: Group) -> dict[Any, Tally]:
    """Booked, waitlisted, attended and booked-and-attended per group, over the given sessions."""
    if session_ids is not None and not session_ids:
        return {}
    key = _group_column(group, Seat.session_id)
    seats = (
        select(key, Seat.status, func.count())
        .join(Registration, Registration.id == Seat.registration_id)
        .join(Session, Session.id == Seat.session_id)
        .where(Session.forum_id == forum_id, not_cancelled())
        .group_by(key, Seat.status)
    )
    if group == Group.COUNTRY:
        seats = seats.join(Person, Person.id == Registration.person_id)
    if session_ids is not None:
        seats = seats.where(Seat.session_id.in_(session_ids))
    found: dict[Any, dict[str, int]] = defaultdict(dict)
    for value, status, count in db.session.execute(seats).all():
        found[value][SeatStatus(status).value] = int(count)

    came = _attendance(session_ids, forum_id)
    booked_seat = aliased(Seat)
    key = _group_column(group, came.c.session_id)
    held_seat = and_(booked_seat.id.is_not(None), not_cancelled())
    attended = (
        select(key, func.count(), func.count(case((held_seat, 1))))
        .select_from(came)
        .join(Registration, Registration.id == came.c.rid)
        .outerjoin(
            booked_seat,
            and_(
                booked_seat.registration_id == came.c.rid,
                booked_seat.session_id == came.c.session_id,
                booked_seat.status == SeatStatus.BOOKED,
            ),
        )
        .group_by(key)
    )
    if group == Group.COUNTRY:
        attended = attended.join(Person, Person.id == Registration.person_id)
    for value, people, with_seat in db.session.execute(attended).all():
        found[value]["attended"] = int(people)
        found[value]["booked_attended"] = int(with_seat)
    normalise = _normalise_key(group)
    return {
        normalise(value): Tally(
            booked=counts.get("booked", 0),
            waitlisted=counts.get("waitlisted", 0),
            attended=counts.get("attended", 0),
            booked_attended=counts.get("booked_attended", 0),
        )
        for value, counts in found.items()
    }


def _normalise_key(group: Group) -> Any:
    if group == Group.CATEGORY:
        return Category
    if group == Group.COUNTRY:
        return lambda code: str(code or "").upper()
    return int


def _peaks(forum_id: int, session_ids: Sequence[int] | None) -> dict[int, tuple[int, datetime]]:
    """Peak occupancy of each session and when it was first reached (see the module's definition)."""
    moves = presence.occupancy_changes(session_points(forum_id, session_ids))
    ranked = (
        select(
            moves.c.session_id,
            moves.c.occupancy,
            moves.c.at,
            func.row_number()
            .over(
                partition_by=moves.c.session_id,
                order_by=(moves.c.occupancy.desc(), moves.c.at, moves.c.id),
            )
            .label("rank"),
        )
        .where(moves.c.delta != 0)
        .subquery()
    )
    rows = db.session.execute(
        select(ranked.c.session_id, ranked.c.occupancy, ranked.c.at).where(ranked.c.rank == 1)
    ).all()
    return {int(sid): (int(peak), at) for sid, peak, at in rows if peak > 0}


def _session_rows(conditions: Sequence[ColumnElement[bool]]) -> list[SessionFigures]:
    rows = db.session.execute(
        select(Session, Room.name, Room.capacity, Theme)
        .outerjoin(Room, Room.id == Session.room_id)
        .outerjoin(Theme, Theme.id == Session.theme_id)
        .where(*conditions)
        .order_by(Session.starts_at, Room.position, Session.id)
    ).all()
    return [
        SessionFigures(
            id=session.id,
            title_tr=session.title_tr,
            title_en=session.title_en,
            kind=session.kind,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            capacity=session.capacity,
            needs_booking=session.needs_booking,
            room=room_name or "",
            room_capacity=room_capacity,
            theme_id=theme.id if theme else None,
            theme_slug=theme.slug if theme else "",
            theme_name_tr=theme.name_tr if theme else "",
            theme_name_en=theme.name_en if theme else "",
            theme_colour=theme.colour if theme else "#8a93a3",
        )
        for session, room_name, room_capacity, theme in rows
    ]


def session_figures(
    forum: Forum, *, day: date | None = None, theme_id: int | None = None
) -> list[SessionFigures]:
    """Every session of the forum (or of a day, or a theme) with its seats, attendance and peak."""
    sessions = _session_rows(_session_filter(forum, day=day, theme_id=theme_id))
    # Over the whole forum the filter in SQL only costs: ask for all, keep the ones shown.
    ids = None if day is None and theme_id is None else [s.id for s in sessions]
    return _with_figures(forum, sessions, ids)


def _with_figures(
    forum: Forum, sessions: list[SessionFigures], ids: Sequence[int] | None
) -> list[SessionFigures]:
    """The sessions with their tallies and peaks (over the given ids, or the whole forum)."""
    tallies = _tallies(forum.id, ids, Group.SESSION)
    peaks = _peaks(forum.id, ids)
    return [
        replace(
            session,
            tally=tallies.get(session.id, Tally()),
            peak=peaks.get(session.id, (0, None))[0],
            peak_at=peaks.get(session.id, (0, None))[1],
        )
        for session in sessions
    ]


def sort_sessions(
    rows: Sequence[SessionFigures], key: SessionSort, *, descending: bool, locale: str
) -> list[SessionFigures]:
    """The sessions in the order of one column; ties keep programme order."""

    def value(row: SessionFigures) -> Any:
        if key == SessionSort.TITLE:
            return row.title(locale).casefold()
        if key == SessionSort.THEME:
            return row.theme_name(locale).casefold()
        if key == SessionSort.ROOM:
            return row.room.casefold()
        if key == SessionSort.KIND:
            return row.kind.value
        if key == SessionSort.PEAK_RATIO:
            return row.peak_ratio if row.peak_ratio is not None else -1.0
        return getattr(row, key.value)

    in_programme_order = sorted(rows, key=lambda row: (row.starts_at, row.id))
    return sorted(in_programme_order, key=value, reverse=descending)


@dataclass(frozen=True)
class Breakdown:
    """A session's or a theme's tally by category and by country."""

    by_category: list[tuple[Category, Tally]]
    by_country: list[tuple[str, Tally]]


def breakdown(forum: Forum, session_ids: Sequence[int]) -> Breakdown:
    """Seats and attendance over the given sessions, by category and by country (most attended first)."""
    categories = _tallies(forum.id, session_ids, Group.CATEGORY)
    countries = _tallies(forum.id, session_ids, Group.COUNTRY)
    return Breakdown(
        by_category=[(c, categories[c]) for c in Category if c in categories],
        by_country=sorted(
            countries.items(), key=lambda item: (-item[1].attended, -item[1].booked, item[0])
        ),
    )


@dataclass(frozen=True)
class SessionReport:
    figures: SessionFigures
    breakdown: Breakdown
    #: occupancy after each change, in time order: (time, people inside)
    occupancy: list[tuple[datetime, int]]
    #: how many check-in points admit to the session, and whether any counts exits
    points: int
    counts_exit: bool


def session_report(forum: Forum, session_id: int) -> SessionReport:
    """One session's figures, breakdowns and occupancy over time; ReportError if not in the forum."""
    rows = _session_rows([Session.forum_id == forum.id, Session.id == session_id])
    if not rows:
        raise ReportError(f"no session {session_id} in this forum")
    figures = _with_figures(forum, rows, [session_id])[0]
    moves = presence.occupancy_changes(session_points(forum.id, [session_id]))
    occupancy = [
        (at, int(inside))
        for at, inside in db.session.execute(
            select(moves.c.at, moves.c.occupancy)
            .where(moves.c.delta != 0)
            .order_by(moves.c.at, moves.c.id)
        ).all()
    ]
    points = db.session.execute(
        select(func.count(), func.count(case((CheckInPoint.counts_exit.is_(True), 1)))).where(
            CheckInPoint.session_id == session_id
        )
    ).one()
    return SessionReport(
        figures=figures,
        breakdown=breakdown(forum, [session_id]),
        occupancy=occupancy,
        points=int(points[0]),
        counts_exit=bool(points[1]),
    )


# --- themes ------------------------------------------------------------------------------------


# --- certificates --------------------------------------------------------------------------------
