"""The organisers' registrations list: filters, pages, a registration's detail and audit trail."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.orm import contains_eager

from maruf_reg import people_search
from maruf_reg.extensions import db
from maruf_reg.models import (
    AuditLog,
    Category,
    Person,
    Registration,
    RegistrationStatus,
    Seat,
    Session,
    SessionRole,
    StaffUser,
)
from maruf_reg.registration.loading import registration_with_details

PER_PAGE = 50


@dataclass(frozen=True)
class Filters:
    q: str = ""
    category: Category | None = None
    status: RegistrationStatus | None = None
    theme_id: int | None = None
    country: str = ""


@dataclass(frozen=True)
class Page:
    items: list[Registration]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def conditions(forum_id: int, filters: Filters) -> list[ColumnElement[bool]]:
    """The list's filters as conditions on `Registration` joined to `Person` (the list and its
    export use the same)."""
    found = [
        Registration.forum_id == forum_id,
        *people_search.condition(people_search.query_words(filters.q), Person.id),
    ]
    if filters.category is not None:
        found.append(Registration.category == filters.category)
    if filters.status is not None:
        found.append(Registration.status == filters.status)
    if filters.country:
        found.append(Person.country == filters.country.upper())
    if filters.theme_id is not None:
        in_theme = select(Session.id).where(Session.theme_id == filters.theme_id)
        found.append(
            or_(
                exists().where(
                    Seat.registration_id == Registration.id, Seat.session_id.in_(in_theme)
                ),
                exists().where(
                    SessionRole.person_id == Registration.person_id,
                    SessionRole.session_id.in_(in_theme),
                ),
            )
        )
    return found


def _filtered(forum_id: int, filters: Filters) -> Select[Any]:
    return select(Registration).join(Person).where(*conditions(forum_id, filters))


def search_registrations(
    forum_id: int, filters: Filters, *, page: int = 1, per_page: int = PER_PAGE
) -> Page:
    """One page of the forum's registrations matching the filters, newest first."""
    query = _filtered(forum_id, filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    items = db.session.scalars(
        query.options(contains_eager(Registration.person))
        .order_by(Registration.created_at.desc(), Registration.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Page(list(items), total, page, per_page)


def registration_detail(registration_id: int) -> Registration | None:
    """A registration with everything its organisers' page shows."""
    return db.session.scalar(registration_with_details().where(Registration.id == registration_id))


def audit_trail(registration: Registration) -> list[tuple[AuditLog, str | None]]:
    """What happened to a registration, newest first, with the e-mail of the staff user who did it."""
    rows = db.session.execute(
        select(AuditLog, StaffUser.email)
        .outerjoin(StaffUser, StaffUser.id == AuditLog.staff_user_id)
        .where(
            AuditLog.object_type == "registration",
            AuditLog.object_id == registration.id,
        )
        .order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
    ).all()
    return [(row[0], row[1]) for row in rows]


def person_by_email(email: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.email == email))


def forum_sessions(forum_id: int) -> Sequence[Session]:
    """All of a forum's sessions in time order (for the invitation form)."""
    return db.session.scalars(
        select(Session).where(Session.forum_id == forum_id).order_by(Session.starts_at, Session.id)
    ).all()
