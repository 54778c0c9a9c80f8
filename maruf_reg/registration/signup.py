"""Sign-up: the public form's rules, a new registration with its seats, and the link sent again.

One e-mail address is one person, and one person has at most one registration per forum (database
constraints back both). A sign-up is one transaction with one commit; mail is queued after it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from maruf_reg import audit
from maruf_reg.extensions import db
from maruf_reg.models import (
    Category,
    Forum,
    Person,
    Registration,
    RegistrationStatus,
    Session,
    utcnow,
)
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
) -> list[Session]:
    """The chosen sessions, checked: in this forum, taking bookings, not over, not overlapping.

    Sessions in `held` (seats the person has already) pass even if they no longer take bookings.
    With `lock`, their rows are locked for the rest of the transaction, as `seats.lock_sessions`
    does (ascending id), and read fresh.
    """
    wanted = set(session_ids)
    if not wanted:
        return []
    query = select(Session).where(Session.id.in_(wanted), Session.forum_id == forum_id)
    if lock:
        query = (
            query.order_by(Session.id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
    found = {s.id: s for s in db.session.scalars(query)}
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


def _find(forum_id: int, email: str) -> tuple[Person | None, Registration | None]:
    row = db.session.execute(
        select(Person, Registration)
        .outerjoin(
            Registration,
            (Registration.person_id == Person.id) & (Registration.forum_id == forum_id),
        )
        .where(Person.email == email)
    ).first()
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
        person, registration = _find(forum_id, email)
        if registration is not None:
            known = registration.id  # read before the rollback expires it
            db.session.rollback()
            send_notice(Notice.LINK, known)
            return SignUpResult(known, created=False)
        if person is None:
            person = Person(email=email, **asdict(data.details))
            person.refresh_search_key()
            db.session.add(person)
        else:
            _fill_blanks(person, data.details)
        now = utcnow()
        status = status_for(rules, data.category)
        registration = Registration(
            forum_id=forum_id,
            person=person,
            category=data.category,
            status=status,
            manage_token=new_token(),
            consent_data_at=now if data.consent_data else None,
            consent_photo_at=now if data.consent_photo else None,
            consent_announcements_at=now if data.consent_announcements else None,
            source="online",
            confirmed_at=now if status == RegistrationStatus.CONFIRMED else None,
        )
        db.session.add(registration)
        # Person and registration first, the session locks last (see seats.py).
        db.session.flush()
        chosen = sessions_for_booking(forum_id, data.session_ids, lock=True)
        changes = seats.request_seats(registration, chosen)
        answers.save_answers(registration.id, data.answers)
        audit.record(
            "registration.create",
            obj=registration,
            actor="self",
            details={
                "category": data.category.value,
                "status": status.value,
                "booked": changes.booked,
                "waitlisted": changes.waitlisted,
            },
        )
        registration_id = registration.id
        db.session.commit()
    except SeatError:
        # Nothing is kept; the write lock (SQLite) is let go before the form is shown again.
        db.session.rollback()
        raise
    except IntegrityError:
        # The same address signed up at the same moment in another request: that one won.
        db.session.rollback()
        _person, registration = _find(forum_id, email)
        if registration is None:
            raise
        send_notice(Notice.LINK, registration.id)
        return SignUpResult(registration.id, created=False)
    send_notice(Notice.WELCOME, registration_id)
    return SignUpResult(registration_id, created=True, seats=changes)


def send_link(forum_id: int, email: str) -> bool:
    """Mail the personal link to the address if it has a registration; say whether it had one."""
    try:
        address = normalise_email(email)
    except InvalidEmail:
        return False
    _person, registration = _find(forum_id, address)
    db.session.rollback()
    if registration is None:
        return False
    send_notice(Notice.LINK, registration.id)
    return True
