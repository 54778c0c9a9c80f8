"""The forum's speakers as the public sees them: who speaks, moderates or chairs a session, once
their registration in the forum is confirmed (as on the session pages, `timetable.public_roles`).

A forum has a few hundred speakers: they are read in two queries and searched and sorted in
Python, by the reader's alphabet (`maruf_reg.names`). The search looks at what the public pages
show — names, position, organisation — and never at e-mail addresses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from maruf_reg.extensions import db
from maruf_reg.models import Forum, Person, Session, SessionRole, Theme
from maruf_reg.names import person_sort_key
from maruf_reg.people_search import query_words
from maruf_reg.program.timetable import confirmed_roles
from maruf_reg.text import search_key


@dataclass
class Speaker:
    """A person with a public part in the forum, and the sessions they are in (in time order)."""

    person: Person
    roles: list[SessionRole] = field(default_factory=list)

    @property
    def sessions(self) -> list[Session]:
        return [role.session for role in self.roles]

    @property
    def themes(self) -> list[Theme]:
        found: dict[int, Theme] = {}
        for session in self.sessions:
            if session.theme is not None:
                found.setdefault(session.theme.id, session.theme)
        return list(found.values())

    @property
    def has_portrait(self) -> bool:
        return self.person.photo_type == "image/jpeg"

    def matches(self, words: list[str]) -> bool:
        person = self.person
        text = search_key(
            " ".join([person.given_name, person.family_name, person.position, person.organisation])
        )
        return all(word in text for word in words)


def _roles(forum: Forum) -> list[SessionRole]:
    query = (
        confirmed_roles(forum.id)
        .join(Session, Session.id == SessionRole.session_id)
        .where(Session.forum_id == forum.id)
        .options(
            selectinload(SessionRole.session).selectinload(Session.theme),
            selectinload(SessionRole.session).selectinload(Session.room),
        )
        .order_by(None)
        .order_by(Session.starts_at, Session.id, SessionRole.position)
    )
    return list(db.session.scalars(query))


def speakers(
    forum: Forum, *, locale: str, query: str = "", theme: Theme | None = None
) -> list[Speaker]:
    """The forum's public speakers, sorted by family name in the reader's alphabet; `query`: every
    word in their name, position or organisation; `theme`: those with a session of the theme."""
    by_person: dict[int, Speaker] = {}
    for role in _roles(forum):
        by_person.setdefault(role.person_id, Speaker(role.person)).roles.append(role)
    found = list(by_person.values())
    if theme is not None:
        found = [s for s in found if any(t.id == theme.id for t in s.themes)]
    words = query_words(query)
    if words:
        found = [s for s in found if s.matches(words)]
    return sorted(
        found,
        key=lambda s: (
            *person_sort_key(s.person.given_name, s.person.family_name, locale),
            s.person.id,
        ),
    )


def speaker(forum: Forum, person_id: int) -> Speaker | None:
    """One public speaker of the forum, or None (not a speaker here, or not confirmed)."""
    roles = [role for role in _roles(forum) if role.person_id == person_id]
    if not roles:
        return None
    return Speaker(roles[0].person, roles)


def portrait_holder(forum: Forum, person_id: int) -> Person | None:
    """The person, if the public may see their portrait: a public speaker of this forum who has one."""
    public = confirmed_roles(forum.id).join(Session, Session.id == SessionRole.session_id)
    public = public.where(Session.forum_id == forum.id, SessionRole.person_id == person_id)
    if db.session.scalars(public.limit(1)).first() is None:
        return None
    return db.session.scalars(
        select(Person).where(Person.id == person_id, Person.photo_type == "image/jpeg")
    ).first()
