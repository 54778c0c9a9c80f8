"""Seats and attendance counted per session, category or country: booked, waitlisted, attended,
no-shows and walk-ins (README, "Reports", definitions; who attended: `reports/attended.py`).

No-shows count only sessions that have started: before its start a session's booked seats are
"upcoming", not missed.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from maruf_reg.extensions import db
from maruf_reg.models import Category, Person, Registration, Seat, SeatStatus, Session, utcnow
from maruf_reg.reports.attended import attendance
from maruf_reg.reports.services import not_cancelled


def reports_now() -> datetime:
    """The reports' clock: what has started is judged against it (tests set it)."""
    return utcnow()


@dataclass(frozen=True)
class Tally:
    """Seats and attendance of a session, a theme, a category or a country."""

    booked: int = 0
    waitlisted: int = 0
    #: distinct people admitted (for a theme or a group of sessions: person-sessions)
    attended: int = 0
    #: of those admitted, how many had a booked seat
    booked_attended: int = 0
    #: seats booked in sessions that have started, and of those, how many came
    booked_started: int = 0
    booked_started_attended: int = 0

    @property
    def no_shows(self) -> int:
        """Booked, never scanned in, in sessions that have started."""
        return self.booked_started - self.booked_started_attended

    @property
    def walk_ins(self) -> int:
        return self.attended - self.booked_attended

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.booked + other.booked,
            self.waitlisted + other.waitlisted,
            self.attended + other.attended,
            self.booked_attended + other.booked_attended,
            self.booked_started + other.booked_started,
            self.booked_started_attended + other.booked_started_attended,
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


def _seats(
    forum_id: int, session_ids: Sequence[int] | None, group: Group, now: datetime
) -> dict[Any, dict[str, int]]:
    key = _group_column(group, Seat.session_id)
    started = case((Session.starts_at <= now, 1), else_=0)
    seats = (
        select(key, Seat.status, started, func.count())
        .join(Registration, Registration.id == Seat.registration_id)
        .join(Session, Session.id == Seat.session_id)
        .where(Session.forum_id == forum_id, not_cancelled())
        .group_by(key, Seat.status, started)
    )
    if group == Group.COUNTRY:
        seats = seats.join(Person, Person.id == Registration.person_id)
    if session_ids is not None:
        seats = seats.where(Seat.session_id.in_(session_ids))
    found: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for value, status, has_started, count in db.session.execute(seats).all():
        found[value][SeatStatus(status).value] += int(count)
        if has_started and SeatStatus(status) == SeatStatus.BOOKED:
            found[value]["booked_started"] += int(count)
    return found


def tallies(
    forum_id: int, session_ids: Sequence[int] | None, group: Group, *, now: datetime | None = None
) -> dict[Any, Tally]:
    """Booked, waitlisted, attended and booked-and-attended per group, over the given sessions."""
    if session_ids is not None and not session_ids:
        return {}
    now = now or reports_now()
    found = _seats(forum_id, session_ids, group, now)
    came = attendance(session_ids, forum_id)
    booked_seat = aliased(Seat)
    key = _group_column(group, came.c.session_id)
    held_seat = and_(booked_seat.id.is_not(None), not_cancelled())
    attended = (
        select(
            key,
            func.count(),
            func.count(case((held_seat, 1))),
            func.count(case((and_(held_seat, Session.starts_at <= now), 1))),
        )
        .select_from(came)
        .join(Registration, Registration.id == came.c.rid)
        .join(Session, Session.id == came.c.session_id)
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
    for value, people, with_seat, started_with_seat in db.session.execute(attended).all():
        found[value]["attended"] = int(people)
        found[value]["booked_attended"] = int(with_seat)
        found[value]["booked_started_attended"] = int(started_with_seat)
    normalise = _normalise_key(group)
    return {
        normalise(value): Tally(
            booked=counts.get("booked", 0),
            waitlisted=counts.get("waitlisted", 0),
            attended=counts.get("attended", 0),
            booked_attended=counts.get("booked_attended", 0),
            booked_started=counts.get("booked_started", 0),
            booked_started_attended=counts.get("booked_started_attended", 0),
        )
        for value, counts in found.items()
    }


def _normalise_key(group: Group) -> Any:
    if group == Group.CATEGORY:
        return Category
    if group == Group.COUNTRY:
        return lambda code: str(code or "").upper()
    return int
