"""Who speaks, moderates or chairs a session.

An organiser adds somebody by e-mail (a new person is made, an existing one reused) or picks a
person; the person then has a confirmed registration in the forum as speaker or moderator, since
the organiser vouches for them. Somebody with a part in two sessions at overlapping times is a
warning, not a refusal: organisers sometimes plan it (a short opening word, then a panel).
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from maruf_reg import audit, people_search
from maruf_reg.countries import is_country
from maruf_reg.extensions import db
from maruf_reg.models import (
    NAME_MAX,
    Category,
    Person,
    Registration,
    RegistrationStatus,
    RoleKind,
    Session,
    SessionRole,
    utcnow,
)
from maruf_reg.names import person_sort_key
from maruf_reg.personal_links import new_token
from maruf_reg.program.labels import role_label
from maruf_reg.program.rules import (
    ORGANISATION_MAX,
    POSITION_MAX,
    ProgrammeError,
    check_number,
    check_text,
    locked,
    one_change,
)
from maruf_reg.text import InvalidEmail, normalise_email

#: where people added in the programme admin come from (`Registration.source`)
PROGRAMME_SOURCE = "programme"


class RegistrationChange(enum.StrEnum):
    """What adding somebody to a session did to their registration in the forum."""

    CREATED = "created"
    CONFIRMED = "confirmed"
    REACTIVATED = "reactivated"
    UPGRADED = "upgraded"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class PersonFields:
    """Somebody to add to a session, found by e-mail; the rest is used only for a new person."""

    email: str
    given_name: str = ""
    family_name: str = ""
    organisation: str = ""
    country: str = ""


@dataclass(frozen=True)
class Overlap:
    """A person who has a part in two sessions at overlapping times (a warning, not a refusal)."""

    person: Person
    session: Session
    other: Session


@dataclass(frozen=True)
class RoleAdded:
    role: SessionRole
    person: Person
    person_created: bool
    registration: RegistrationChange
    overlaps: list[Overlap]


def add_session_role(
    session_id: int,
    *,
    role: RoleKind,
    person_id: int | None = None,
    person: PersonFields | None = None,
    position: int | None = None,
    staff_user_id: int | None,
) -> RoleAdded:
    """Give somebody a part in a session: an existing person, or one found or made by e-mail.

    The person gets a confirmed registration in the forum (category speaker, or moderator for
    moderators and chairs): the organiser vouches for them.
    """
    with one_change():
        session = locked(Session, session_id)
        role = RoleKind(role)
        if person_id is not None:
            found = db.session.get(Person, person_id)
            if found is None:
                raise ProgrammeError(_l("Unknown person."), field="person_id")
            created = False
        elif person is not None:
            found, created = _person_for(person)
        else:
            raise ProgrammeError(_l("Choose a person or give an e-mail address."), field="email")
        existing = db.session.scalars(
            select(SessionRole).where(
                SessionRole.session_id == session.id, SessionRole.person_id == found.id
            )
        ).first()
        if existing is not None:
            raise ProgrammeError(
                _l(
                    "%(name)s is in this session already (%(role)s).",
                    name=found.name,
                    role=LazyString(role_label, existing.role),
                ),
                field="person_id" if person_id is not None else "email",
            )
        if position is None:
            last = db.session.scalar(
                select(func.max(SessionRole.position)).where(SessionRole.session_id == session.id)
            )
            position = 0 if last is None else last + 1
        session_role = SessionRole(
            session_id=session.id,
            person_id=found.id,
            role=role,
            position=check_number(position, POSITION_MAX, "position"),
        )
        db.session.add(session_role)
        change = _speaker_registration(session.forum_id, found, role)
        db.session.flush()
        audit.record(
            "session.role_add",
            obj=session,
            staff_user_id=staff_user_id,
            details={
                "person_id": found.id,
                "email": found.email,
                "role": role.value,
                "position": session_role.position,
                "person_created": created,
                "registration": change.value,
            },
        )
    return RoleAdded(session_role, found, created, change, speaker_overlaps(session))


def update_session_role(
    role_id: int, *, role: RoleKind, position: int, staff_user_id: int | None
) -> SessionRole:
    """Change somebody's part in a session or their place in its order."""
    with one_change():
        session_role = locked(SessionRole, role_id)
        details = audit.changes(
            session_role,
            {"role": RoleKind(role), "position": check_number(position, POSITION_MAX, "position")},
        )
        if details:
            audit.record(
                "session.role_update",
                obj=session_role.session,
                staff_user_id=staff_user_id,
                details={"person_id": session_role.person_id, **details},
            )
    return session_role


def remove_session_role(role_id: int, *, staff_user_id: int | None) -> None:
    """Take somebody off a session; their registration in the forum stays as it is."""
    with one_change():
        session_role = locked(SessionRole, role_id)
        audit.record(
            "session.role_remove",
            obj=session_role.session,
            staff_user_id=staff_user_id,
            details={"person_id": session_role.person_id, "role": session_role.role.value},
        )
        db.session.delete(session_role)


#: at most this many people offered by the speaker picker's search
PICKER_LIMIT = 25


def find_speakers(forum_id: int, query: str, *, locale: str) -> list[Person]:
    """The speaker picker's search: people who speak in the forum (or are registered to) with every
    word of `query` in their names, e-mail or organisation (`maruf_reg.people_search`), at most
    `PICKER_LIMIT`, sorted by family name in the reader's alphabet."""
    words = people_search.query_words(query)
    if not words:
        return []
    found = db.session.scalars(
        _speaker_choices(forum_id)
        .where(*people_search.condition(words, Person.id))
        .order_by(Person.id)
        .limit(PICKER_LIMIT)
    )
    return sorted(found, key=lambda p: person_sort_key(p.given_name, p.family_name, locale))


def _speaker_choices(forum_id: int) -> Select[Person]:
    in_sessions = (
        select(SessionRole.person_id)
        .join(Session, Session.id == SessionRole.session_id)
        .where(Session.forum_id == forum_id)
    )
    registered = select(Registration.person_id).where(
        Registration.forum_id == forum_id,
        Registration.category.in_([Category.SPEAKER, Category.MODERATOR]),
        Registration.status != RegistrationStatus.CANCELLED,
    )
    return select(Person).where(Person.id.in_(in_sessions) | Person.id.in_(registered))


def registrations_of(session: Session) -> dict[int, Registration]:
    """The registrations in the forum of the session's people, by person id."""
    people = select(SessionRole.person_id).where(SessionRole.session_id == session.id)
    found = db.session.scalars(
        select(Registration).where(
            Registration.forum_id == session.forum_id, Registration.person_id.in_(people)
        )
    )
    return {registration.person_id: registration for registration in found}


def speaker_overlaps(session: Session) -> list[Overlap]:
    """People of this session who also have a part in another session at an overlapping time."""
    other = aliased(Session)
    mine = select(SessionRole.person_id).where(SessionRole.session_id == session.id)
    rows = db.session.execute(
        select(Person, other)
        .join(SessionRole, SessionRole.person_id == Person.id)
        .join(other, other.id == SessionRole.session_id)
        .where(
            Person.id.in_(mine),
            other.forum_id == session.forum_id,
            other.id != session.id,
            other.starts_at < session.ends_at,
            other.ends_at > session.starts_at,
        )
        .order_by(other.starts_at, Person.id)
    ).all()
    return [Overlap(person, session, other_session) for person, other_session in rows]


def forum_overlaps(forum_id: int) -> dict[int, list[Overlap]]:
    """Every speaker overlap in the forum, by session id (for the organisers' programme page)."""
    rows = db.session.execute(
        select(Person, Session)
        .join(SessionRole, SessionRole.person_id == Person.id)
        .join(Session, Session.id == SessionRole.session_id)
        .where(Session.forum_id == forum_id)
        .order_by(Session.starts_at)
    ).all()
    by_person: dict[int, list[tuple[Person, Session]]] = defaultdict(list)
    for person, session in rows:
        by_person[person.id].append((person, session))
    found: dict[int, list[Overlap]] = defaultdict(list)
    for parts in by_person.values():
        for n, (person, session) in enumerate(parts):
            for _person, other in parts[n + 1 :]:
                if session.overlaps(other):
                    found[session.id].append(Overlap(person, session, other))
                    found[other.id].append(Overlap(person, other, session))
    return dict(found)


def _person_for(fields: PersonFields) -> tuple[Person, bool]:
    """The person with this e-mail, or a new one made from the fields."""
    try:
        email = normalise_email(fields.email)
    except InvalidEmail as error:
        raise ProgrammeError(_l("This is not a valid e-mail address."), field="email") from error
    person = db.session.scalars(select(Person).where(Person.email == email)).first()
    if person is not None:
        return person, False
    country = fields.country.strip().upper()
    if country and not is_country(country):
        raise ProgrammeError(_l("Unknown country."), field="country")
    person = Person(
        email=email,
        given_name=check_text(fields.given_name, NAME_MAX, "given_name", required=True),
        family_name=check_text(fields.family_name, NAME_MAX, "family_name"),
        organisation=check_text(fields.organisation, ORGANISATION_MAX, "organisation"),
        country=country,
        language="tr" if country in ("", "TR") else "en",
    )
    person.refresh_search_key()
    db.session.add(person)
    db.session.flush()
    return person, True


def _speaker_registration(forum_id: int, person: Person, role: RoleKind) -> RegistrationChange:
    """Make sure the person has a confirmed registration in the forum as speaker or moderator."""
    category = Category.SPEAKER if role == RoleKind.SPEAKER else Category.MODERATOR
    registration = db.session.scalars(
        select(Registration)
        .where(Registration.forum_id == forum_id, Registration.person_id == person.id)
        .with_for_update()
    ).first()
    now = utcnow()
    if registration is None:
        db.session.add(
            Registration(
                forum_id=forum_id,
                person_id=person.id,
                category=category,
                status=RegistrationStatus.CONFIRMED,
                manage_token=new_token(),
                source=PROGRAMME_SOURCE,
                confirmed_at=now,
            )
        )
        return RegistrationChange.CREATED
    change = RegistrationChange.UNCHANGED
    # A participant who now speaks gets the speaker's category; press, VIP and staff keep theirs.
    if registration.category == Category.PARTICIPANT:
        registration.category = category
        change = RegistrationChange.UPGRADED
    if registration.status != RegistrationStatus.CONFIRMED:
        change = (
            RegistrationChange.REACTIVATED
            if registration.status == RegistrationStatus.CANCELLED
            else RegistrationChange.CONFIRMED
        )
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
        registration.cancelled_at = None
    return change
