"""Sign-up: the public form's rules, a new registration with its seats, and the link sent again.

One e-mail address is one person, and one person has at most one registration per forum (database
constraints back both). A sign-up is one transaction with one commit; mail is queued after it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass, field

from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from maruf_reg import audit
from maruf_reg.database import mark_written
from maruf_reg.extensions import db
from maruf_reg.models import (
    Category,
    Forum,
    Person,
    Registration,
    RegistrationStatus,
    utcnow,
)
from maruf_reg.models.people import person_search_key
from maruf_reg.personal_links import new_token
from maruf_reg.registration import answers, seats
from maruf_reg.registration.answers import AnswerValue
from maruf_reg.registration.mails import Notice, send_notice
from maruf_reg.registration.seats import SeatChanges, SeatError, SessionNotBookable
from maruf_reg.registration.services import (
    CategoryNotAllowed,
    InvalidEmail,
    PersonDetails,
    RegistrationClosed,
    normalise_email,
)


@dataclass(frozen=True)
class SignUp:
    email: str
    details: PersonDetails
    category: Category = Category.PARTICIPANT
    session_ids: tuple[int, ...] = ()
    consent_data: bool = True
    consent_photo: bool = False
    consent_announcements: bool = False
    #: answers to the forum's own questions (read by `answers.read_answers`)
    answers: tuple[AnswerValue, ...] = ()


@dataclass(frozen=True)
class SignUpResult:
    registration_id: int
    #: False when the address had a registration already: only the personal link was sent again
    created: bool
    seats: SeatChanges = field(default_factory=SeatChanges)


@dataclass(frozen=True)
class SignUpRules:
    """What a sign-up needs to know of its forum. Plain values: the sign-up page keeps them for
    SIGNUP_PAGE_SECONDS, so that a rush of sign-ups does not read the forum's row each time."""

    forum_id: int
    registration_open: bool
    signup_categories: tuple[str, ...]
    approval_categories: tuple[str, ...]

    @classmethod
    def of(cls, forum: Forum) -> SignUpRules:
        return cls(
            forum.id,
            forum.registration_open,
            tuple(forum.signup_categories or ()),
            tuple(forum.approval_categories or ()),
        )


def status_for(forum: Forum | SignUpRules, category: Category) -> RegistrationStatus:
    """Categories that need an organiser's approval start pending; the others are confirmed."""
    if category.value in (forum.approval_categories or []):
        return RegistrationStatus.PENDING
    return RegistrationStatus.CONFIRMED


def sessions_for_booking(
    forum_id: int, session_ids: Collection[int], *, held: Collection[int] = (), lock: bool = False
) -> list[seats.SessionSlot]:
    """The chosen sessions, checked: in this forum, taking bookings, not over, not overlapping.

    Sessions in `held` (seats the person has already) pass even if they no longer take bookings.
    With `lock`, their rows are locked for the rest of the transaction, as `seats.lock_sessions`
    does (ascending id), and read after the lock. Plain rows, in time order (one prebuilt
    statement: no ORM entities, a sign-up's part of the CPU).
    """
    wanted = set(session_ids)
    if not wanted:
        return []
    found = {s.id: s for s in seats.session_slots(forum_id, wanted, lock=lock)}
    now = utcnow()
    for session_id in sorted(wanted):
        session = found.get(session_id)
        if session is None:
            raise SessionNotBookable(session_id)
        if session_id not in held and (not session.needs_booking or session.ends_at <= now):
            raise SessionNotBookable(session_id)
    chosen = sorted(found.values(), key=lambda s: (s.starts_at, s.id))
    seats.check_overlaps(chosen)
    return chosen


_people = Person.__table__
_registrations = Registration.__table__
# A new person and registration: Core statements built once (no unit of work for two rows).
_NEW_PERSON = insert(Person).returning(Person.id)
_NEW_REGISTRATION = insert(Registration).returning(Registration.id)
# Who an address is, and whether it is registered to the forum: ids only, one statement built
# once (the sign-up's first statement; on SQLite it takes the write lock).
_FIND = (
    select(_people.c.id, _registrations.c.id)
    .select_from(
        _people.outerjoin(
            _registrations,
            (_registrations.c.person_id == _people.c.id)
            & (_registrations.c.forum_id == bindparam("forum_id")),
        )
    )
    .where(_people.c.email == bindparam("email"))
)


def _find(forum_id: int, email: str) -> tuple[int | None, int | None]:
    """The person with this address and their registration to the forum (ids; None if none)."""
    row = db.session.connection().execute(_FIND, {"forum_id": forum_id, "email": email}).first()
    if row is None:
        return None, None
    return row[0], row[1]


def _fill_blanks(person: Person, details: PersonDetails) -> None:
    # A public form may name any address: it never overwrites what the person wrote before.
    for name, value in asdict(details).items():
        if value and not getattr(person, name):
            setattr(person, name, value)
    person.refresh_search_key()


def sign_up(rules: SignUpRules, data: SignUp) -> SignUpResult:
    """Register a person to the forum (one step) and mail their personal link.

    An address that has a registration already gets its personal link again, and nothing else
    changes; the caller shows the same page in both cases, so that nobody learns who registered.
    """
    if not rules.registration_open:
        raise RegistrationClosed("this forum does not take sign-ups")
    if data.category.value not in rules.signup_categories:
        raise CategoryNotAllowed(f"{data.category.value} cannot be chosen on the sign-up form")
    forum_id = rules.forum_id
    email = normalise_email(data.email)
    try:
        person_id, known = _find(forum_id, email)
        if known is not None:
            db.session.rollback()
            send_notice(Notice.LINK, known)
            return SignUpResult(known, created=False)
        # The rows are written with Core statements (no unit of work for a handful of rows: it
        # was the largest part of a sign-up's CPU, issue 16).
        connection = db.session.connection()
        if person_id is None:
            person_id = connection.execute(
                _NEW_PERSON,
                {
                    "email": email,
                    **asdict(data.details),
                    "search_key": person_search_key(
                        data.details.given_name,
                        data.details.family_name,
                        email,
                        data.details.organisation,
                    ),
                },
            ).scalar_one()
        else:
            person = db.session.get(Person, person_id)
            if person is not None:  # (erased meanwhile: the registration's insert refuses it)
                _fill_blanks(person, data.details)
                db.session.flush()
        now = utcnow()
        status = status_for(rules, data.category)
        registration_id = connection.execute(
            _NEW_REGISTRATION,
            {
                "forum_id": forum_id,
                "person_id": person_id,
                "category": data.category,
                "status": status,
                "manage_token": new_token(),
                "consent_data_at": now if data.consent_data else None,
                "consent_photo_at": now if data.consent_photo else None,
                "consent_announcements_at": now if data.consent_announcements else None,
                "source": "online",
                "confirmed_at": now if status == RegistrationStatus.CONFIRMED else None,
            },
        ).scalar_one()
        mark_written()
        # Person and registration first, the session locks last (see seats.py).
        chosen = sessions_for_booking(forum_id, data.session_ids, lock=True)
        changes = seats.request_seats(registration_id, chosen)
        answers.save_answers(registration_id, data.answers)
        audit.write(
            "registration.create",
            forum_id=forum_id,
            object_type="registration",
            object_id=registration_id,
            actor="self",
            details={
                "category": data.category.value,
                "status": status.value,
                "booked": changes.booked,
                "waitlisted": changes.waitlisted,
            },
        )
        db.session.commit()
    except SeatError:
        # Nothing is kept; the write lock (SQLite) is let go before the form is shown again.
        db.session.rollback()
        raise
    except IntegrityError:
        # The same address signed up at the same moment in another request: that one won.
        db.session.rollback()
        _person, known = _find(forum_id, email)
        if known is None:
            raise
        send_notice(Notice.LINK, known)
        return SignUpResult(known, created=False)
    send_notice(Notice.WELCOME, registration_id)
    return SignUpResult(registration_id, created=True, seats=changes)


def send_link(forum_id: int, email: str) -> bool:
    """Mail the personal link to the address if it has a registration; say whether it had one."""
    try:
        address = normalise_email(email)
    except InvalidEmail:
        return False
    _person, known = _find(forum_id, address)
    db.session.rollback()
    if known is None:
        return False
    send_notice(Notice.LINK, known)
    return True
