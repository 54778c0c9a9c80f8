"""Who a message is for: the organiser's filter, kept with the message, as conditions on
registrations joined to people.

Attendance (attended / no-show) is the reports' rule (`reports.attended.attendance`): attended = admitted
at a point of the session (of any session when none is chosen); no-show = a booked seat in the
session (in any session) without an admission there. Without a status, cancelled registrations are
left out. Announcements go only to people who agreed to receive them; people without an e-mail
address (desk walk-ins, erased people) are matched but not written to: both are counted.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, not_, or_, select

from maruf_reg.extensions import db
from maruf_reg.models import (
    BadgePrint,
    Category,
    MessageKind,
    Person,
    Registration,
    RegistrationStatus,
    Seat,
    SeatStatus,
    Session,
    SessionRole,
    utcnow,
)
from maruf_reg.registration.listing import Filters, conditions
from maruf_reg.reports.attended import attendance


class People(enum.StrEnum):
    """Whom of a session (or of any session, when none is chosen)."""

    BOOKED = "booked"
    WAITLISTED = "waitlisted"
    #: booked or waitlisted
    SEATED = "seated"
    SPEAKERS = "speakers"
    #: booked, waitlisted and its speakers: everyone a change of the session concerns
    CONCERNED = "concerned"


class Attendance(enum.StrEnum):
    ATTENDED = "attended"
    NO_SHOW = "no_show"


class Badge(enum.StrEnum):
    PRINTED = "printed"
    NOT_PRINTED = "not_printed"


@dataclass(frozen=True)
class Filter:
    """The recipients as chosen; empty values choose everyone."""

    category: str = ""
    status: str = ""
    theme_id: int | None = None
    session_id: int | None = None
    people: str = ""
    attendance: str = ""
    badge: str = ""
    country: str = ""
    language: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in ("", None)}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Filter:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


@dataclass(frozen=True)
class Count:
    """How many the filter matches, and how many of those are written to."""

    matched: int
    no_email: int
    no_consent: int

    @property
    def recipients(self) -> int:
        return self.matched - self.no_email - self.no_consent


def _seat(status: tuple[SeatStatus, ...], session_id: int | None) -> ColumnElement[bool]:
    where = [Seat.registration_id == Registration.id, Seat.status.in_(status)]
    if session_id is not None:
        where.append(Seat.session_id == session_id)
    return exists().where(*where)


def _speaks(forum_id: int, session_id: int | None) -> ColumnElement[bool]:
    sessions = select(Session.id).where(Session.forum_id == forum_id)
    if session_id is not None:
        sessions = sessions.where(Session.id == session_id)
    return exists().where(
        SessionRole.person_id == Registration.person_id, SessionRole.session_id.in_(sessions)
    )


def _people(forum_id: int, chosen: Filter) -> ColumnElement[bool] | None:
    if not chosen.people:
        return None
    session_id = chosen.session_id
    booked, waitlisted = (SeatStatus.BOOKED,), (SeatStatus.WAITLISTED,)
    both = booked + waitlisted
    return {
        People.BOOKED: lambda: _seat(booked, session_id),
        People.WAITLISTED: lambda: _seat(waitlisted, session_id),
        People.SEATED: lambda: _seat(both, session_id),
        People.SPEAKERS: lambda: _speaks(forum_id, session_id),
        People.CONCERNED: lambda: or_(_seat(both, session_id), _speaks(forum_id, session_id)),
    }[People(chosen.people)]()


def _attendance(forum_id: int, chosen: Filter) -> ColumnElement[bool] | None:
    if not chosen.attendance:
        return None
    session_ids = [chosen.session_id] if chosen.session_id is not None else None
    came = attendance(session_ids, forum_id)
    if chosen.attendance == Attendance.ATTENDED:
        return exists().where(came.c.rid == Registration.id)
    # A no-show, as in the reports: a booked seat at a session that has started, never attended.
    started = select(Session.id).where(Session.forum_id == forum_id, Session.starts_at <= utcnow())
    if chosen.session_id is not None:
        started = started.where(Session.id == chosen.session_id)
    seats = [
        Seat.registration_id == Registration.id,
        Seat.status == SeatStatus.BOOKED,
        Seat.session_id.in_(started),
    ]
    never_came = not_(
        exists().where(came.c.rid == Seat.registration_id, came.c.session_id == Seat.session_id)
    )
    return exists().where(*seats, never_came)


def _badge(chosen: Filter) -> ColumnElement[bool] | None:
    if not chosen.badge:
        return None
    printed = exists().where(BadgePrint.registration_id == Registration.id)
    return printed if chosen.badge == Badge.PRINTED else not_(printed)


def matching(forum_id: int, chosen: Filter) -> list[ColumnElement[bool]]:
    """The filter as conditions on `Registration` joined to `Person`."""
    listed = Filters(
        category=Category(chosen.category) if chosen.category else None,
        status=RegistrationStatus(chosen.status) if chosen.status else None,
        theme_id=chosen.theme_id,
        country=chosen.country,
    )
    found = conditions(forum_id, listed)
    if not chosen.status:
        found.append(Registration.status != RegistrationStatus.CANCELLED)
    if chosen.language:
        found.append(Person.language == chosen.language)
    if chosen.session_id is not None and not chosen.people:
        # A session without "whom": everyone it concerns.
        found.append(
            or_(
                _seat((SeatStatus.BOOKED, SeatStatus.WAITLISTED), chosen.session_id),
                _speaks(forum_id, chosen.session_id),
            )
        )
    for condition in (_people(forum_id, chosen), _attendance(forum_id, chosen), _badge(chosen)):
        if condition is not None:
            found.append(condition)
    return found


def writable(kind: MessageKind) -> list[ColumnElement[bool]]:
    """Of those matched, the ones a message of this kind is written to."""
    found: list[ColumnElement[bool]] = [Person.email.is_not(None)]
    if kind == MessageKind.ANNOUNCEMENT:
        found.append(Registration.consent_announcements_at.is_not(None))
    return found


def recipients(forum_id: int, chosen: Filter, kind: MessageKind) -> Select[int, str | None]:
    """(registration id, e-mail) of everyone the message is written to, in registration order."""
    return (
        select(Registration.id, Person.email)
        .join(Person, Person.id == Registration.person_id)
        .where(*matching(forum_id, chosen), *writable(kind))
        .order_by(Registration.id)
    )


def count(forum_id: int, chosen: Filter, kind: MessageKind) -> Count:
    no_email = Person.email.is_(None)
    no_consent = and_(Person.email.is_not(None), Registration.consent_announcements_at.is_(None))
    row = db.session.execute(
        select(
            func.count(),
            func.count().filter(no_email),
            func.count().filter(no_consent),
        )
        .select_from(Registration)
        .join(Person, Person.id == Registration.person_id)
        .where(*matching(forum_id, chosen))
    ).one()
    refused = int(row[2]) if kind == MessageKind.ANNOUNCEMENT else 0
    return Count(matched=int(row[0]), no_email=int(row[1]), no_consent=refused)
