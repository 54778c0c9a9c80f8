"""The forum at a glance, for its front page: how many days, sessions, themes and speakers, and
from how many countries people come."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import distinct, func, select

from maruf_reg.extensions import db
from maruf_reg.models import (
    Forum,
    Person,
    Registration,
    RegistrationStatus,
    Session,
    SessionRole,
    Theme,
)
from maruf_reg.program.timetable import confirmed_roles


@dataclass(frozen=True)
class KeyFigures:
    days: int
    sessions: int
    themes: int
    speakers: int
    #: countries of the people registered (confirmed), speakers included
    countries: int


def key_figures(forum: Forum) -> KeyFigures:
    """Counted by the database: a few aggregate queries, whatever the forum's size."""
    sessions = db.session.scalar(select(func.count(Session.id)).where(Session.forum_id == forum.id))
    themes = db.session.scalar(select(func.count(Theme.id)).where(Theme.forum_id == forum.id))
    public = (
        confirmed_roles(forum.id)
        .join(Session, Session.id == SessionRole.session_id)
        .where(Session.forum_id == forum.id)
        .order_by(None)
        .with_only_columns(func.count(distinct(SessionRole.person_id)))
    )
    speakers = db.session.scalar(public)
    countries = db.session.scalar(
        select(func.count(distinct(Person.country)))
        .join(Registration, Registration.person_id == Person.id)
        .where(
            Registration.forum_id == forum.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Person.country != "",
        )
    )
    return KeyFigures(
        days=(forum.ends_on - forum.starts_on).days + 1,
        sessions=sessions or 0,
        themes=themes or 0,
        speakers=speakers or 0,
        countries=countries or 0,
    )


def logo(forum: Forum) -> tuple[bytes | None, str | None]:
    """The forum's logo and its media type (the column is loaded only here)."""
    row = db.session.execute(
        select(Forum.logo, Forum.logo_type).where(Forum.id == forum.id)
    ).first()
    return (row[0], row[1]) if row else (None, None)
