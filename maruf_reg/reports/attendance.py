"""Session reports: seats, attendance, no-shows, walk-ins and peak occupancy per session.

The definitions are in `maruf_reg.reports.services`' docstring (and the README); who attended is
`maruf_reg/reports/attended.py`'s rule, the counting `maruf_reg/reports/tallies.py`'s.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select

from maruf_reg.checkin import presence
from maruf_reg.extensions import db
from maruf_reg.forum import day_bounds
from maruf_reg.models import (
    Category,
    CheckInPoint,
    Forum,
    Room,
    Session,
    SessionKind,
    Theme,
)
from maruf_reg.reports import tallies as tally_rules
from maruf_reg.reports.attended import attended_by, forced_attendance, session_points
from maruf_reg.reports.services import ReportError
from maruf_reg.reports.tallies import Group, Tally, TallyColumns, tallies
from maruf_reg.text import localized

# --- sessions ----------------------------------------------------------------------------------


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
    #: whether the session has started (before: its no-shows are "upcoming")
    started: bool = True

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
    now = tally_rules.reports_now()
    counted = tallies(forum.id, ids, Group.SESSION, now=now)
    peaks = _peaks(forum.id, ids)
    return [
        replace(
            session,
            tally=counted.get(session.id, Tally()),
            peak=peaks.get(session.id, (0, None))[0],
            peak_at=peaks.get(session.id, (0, None))[1],
            started=session.starts_at <= now,
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
    categories = tallies(forum.id, session_ids, Group.CATEGORY)
    countries = tallies(forum.id, session_ids, Group.COUNTRY)
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
    #: of those scanned in, how many only by a forced admission ("admit anyway" and the like)
    forced: int = 0


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
        forced=forced_attendance(forum.id, session_id),
    )


__all__ = [
    "SessionFigures",
    "SessionReport",
    "Tally",
    "TallyColumns",
    "attended_by",
    "session_points",
]
