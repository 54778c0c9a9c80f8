"""Theme reports: a theme's sessions rolled up (a person counts once per session, and once in the
theme's "people"). The definitions are in `maruf_reg/reports/services.py`."""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import distinct, func, select

from maruf_reg.extensions import db
from maruf_reg.models import (
    Forum,
    Session,
    Theme,
)
from maruf_reg.reports.attendance import SessionFigures, session_figures
from maruf_reg.reports.attended import attendance
from maruf_reg.reports.tallies import Tally, TallyColumns
from maruf_reg.text import localized


@dataclass(frozen=True)
class ThemeFigures(TallyColumns):
    """A theme's sessions rolled up."""

    id: int
    slug: str
    name_tr: str
    name_en: str
    colour: str
    sessions: list[SessionFigures]
    #: distinct people admitted to at least one of its sessions
    people: int

    def name(self, locale: str) -> str:
        return localized(self, "name", locale)

    def counted(self) -> Tally:
        total = Tally()
        for session in self.sessions:
            total = total + session.tally
        return total

    @property
    def capacity(self) -> int:
        return sum(session.capacity for session in self.sessions)

    @property
    def busiest(self) -> SessionFigures | None:
        """The session with the highest peak against its room (None without any peak)."""
        peaked = [s for s in self.sessions if s.peak]
        return max(peaked, key=lambda s: (s.peak_ratio or 0, s.peak)) if peaked else None

    @property
    def peak(self) -> int:
        return max((s.peak for s in self.sessions), default=0)


class ThemeSort(enum.StrEnum):
    """Columns the themes table sorts by."""

    NAME = "name"
    SESSIONS = "sessions"
    CAPACITY = "capacity"
    BOOKED = "booked"
    WAITLISTED = "waitlisted"
    ATTENDED = "attended"
    PEOPLE = "people"
    NO_SHOWS = "no_shows"
    WALK_INS = "walk_ins"
    PEAK = "peak"


def theme_figures(
    forum: Forum, *, day: date | None = None, theme_id: int | None = None
) -> list[ThemeFigures]:
    """Every theme (or one) with its sessions' figures summed; `day` keeps that day's sessions."""
    sessions = session_figures(forum, day=day, theme_id=theme_id)
    by_theme: dict[int, list[SessionFigures]] = defaultdict(list)
    for session in sessions:
        if session.theme_id is not None:
            by_theme[session.theme_id].append(session)
    query = select(Theme).where(Theme.forum_id == forum.id).order_by(Theme.position, Theme.id)
    if theme_id is not None:
        query = query.where(Theme.id == theme_id)
    themes = db.session.scalars(query).all()
    ids = [s.id for s in sessions if s.theme_id is not None]
    came = attendance(ids, forum.id)
    people = {
        tid: int(n)
        for tid, n in db.session.execute(
            select(Session.theme_id, func.count(distinct(came.c.rid)))
            .select_from(came)
            .join(Session, Session.id == came.c.session_id)
            .group_by(Session.theme_id)
        ).all()
    }
    return [
        ThemeFigures(
            id=theme.id,
            slug=theme.slug,
            name_tr=theme.name_tr,
            name_en=theme.name_en,
            colour=theme.colour,
            sessions=by_theme.get(theme.id, []),
            people=people.get(theme.id, 0),
        )
        for theme in themes
    ]


def sort_themes(
    rows: Sequence[ThemeFigures], key: ThemeSort, *, descending: bool, locale: str
) -> list[ThemeFigures]:
    def value(row: ThemeFigures) -> Any:
        if key == ThemeSort.NAME:
            return row.name(locale).casefold()
        if key == ThemeSort.SESSIONS:
            return len(row.sessions)
        return getattr(row, key.value)

    return sorted(rows, key=value, reverse=descending)
