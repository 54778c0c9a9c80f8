"""Registration rules: sign-up, the personal link, changes, approval and cancellation, search.

One e-mail address is one person, and one person has at most one registration per forum (database
constraints back both). Every operation is one transaction with one commit; mail is queued after it.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from maruf_reg import audit, people_search, personal_links, text
from maruf_reg.errors import RuleError
from maruf_reg.extensions import db
from maruf_reg.models import (
    AuditLog,
    Category,
    Forum,
    Person,
    Registration,
    RegistrationStatus,
    Seat,
    Session,
    SessionRole,
    StaffUser,
    utcnow,
)
from maruf_reg.personal_links import new_token
from maruf_reg.registration import seats
from maruf_reg.registration.loading import registration_details, registration_with_details
from maruf_reg.registration.mails import Notice, send_notice, send_promotions
from maruf_reg.registration.seats import SeatChanges, SeatError, SessionNotBookable

PER_PAGE = 50


class RegistrationError(RuleError):
    """A registration rule refused the operation; the message says why (for logs and the CLI)."""


class RegistrationClosed(RegistrationError):
    """The forum does not take sign-ups (now)."""


class CategoryNotAllowed(RegistrationError):
    """The category cannot be chosen on the public form of this forum."""


class InvalidEmail(RegistrationError):
    """The e-mail address is not valid."""


class EmailTaken(RegistrationError):
    """Another person has this e-mail address."""


class WrongStatus(RegistrationError):
    """The registration is not in a state that allows this (approve a confirmed one …)."""


def normalise_email(email: str) -> str:
    """The address as we store it (see maruf_reg.text.normalise_email)."""
    try:
        return text.normalise_email(email)
    except text.InvalidEmail as error:
        raise InvalidEmail(str(error)) from error


@dataclass(frozen=True)
class PersonDetails:
    """What a person tells about themself on a form."""

    given_name: str
    family_name: str = ""
    organisation: str = ""
    position: str = ""
    country: str = ""
    phone: str = ""
    language: str = "tr"


@dataclass(frozen=True)
class SignUp:
    email: str
    details: PersonDetails
    category: Category = Category.PARTICIPANT
    session_ids: tuple[int, ...] = ()
    consent_data: bool = True
    consent_photo: bool = False


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
            db.session.rollback()
            send_notice(Notice.LINK, registration.id)
            return SignUpResult(registration.id, created=False)
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
            source="online",
            confirmed_at=now if status == RegistrationStatus.CONFIRMED else None,
        )
        db.session.add(registration)
        # Person and registration first, the session locks last (see seats.py).
        db.session.flush()
        chosen = sessions_for_booking(forum_id, data.session_ids, lock=True)
        changes = seats.request_seats(registration, chosen)
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


def registration_by_token(token: str) -> Registration | None:
    """The registration behind a personal link, with its person, forum and seats; None if unknown."""
    return personal_links.registration_by_token(token, *registration_details())


def speaking_roles(registration: Registration) -> list[SessionRole]:
    """The person's parts (speaker, moderator, chair) in this forum's sessions, in time order."""
    return list(
        db.session.scalars(
            select(SessionRole)
            .join(Session)
            .where(
                SessionRole.person_id == registration.person_id,
                Session.forum_id == registration.forum_id,
            )
            .options(contains_eager(SessionRole.session).joinedload(Session.room))
            .order_by(Session.starts_at)
        )
    )


def _locked(registration_id: int) -> Registration:
    registration = db.session.scalar(
        select(Registration)
        .where(Registration.id == registration_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if registration is None:
        raise RegistrationError(f"registration {registration_id} does not exist")
    return registration


def update_details(
    registration_id: int,
    details: PersonDetails,
    *,
    consent_photo: bool | None = None,
    email: str | None = None,
    category: Category | None = None,
    actor: str = "self",
    staff_user_id: int | None = None,
) -> dict[str, list[Any]]:
    """Change a person's details (and, for organisers, e-mail and category); return what changed."""
    registration = _locked(registration_id)
    person = registration.person
    values: dict[str, Any] = asdict(details)
    if email is not None:
        address = normalise_email(email)
        if address != person.email:
            taken = db.session.scalar(select(Person.id).where(Person.email == address))
            if taken is not None:
                db.session.rollback()
                raise EmailTaken(f"{address} belongs to another person")
            values["email"] = address
    changed = audit.changes(person, values)
    if changed:
        person.refresh_search_key()
    if category is not None:
        changed.update(audit.changes(registration, {"category": category}))
    if consent_photo is not None and consent_photo != (registration.consent_photo_at is not None):
        registration.consent_photo_at = utcnow() if consent_photo else None
        changed["consent_photo"] = [not consent_photo, consent_photo]
    if not changed:
        db.session.rollback()
        return changed
    audit.record(
        "registration.edit",
        obj=registration,
        actor=actor,
        staff_user_id=staff_user_id,
        details=changed,
    )
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise EmailTaken("the e-mail address belongs to another person") from error
    return changed


def change_sessions(
    registration_id: int,
    session_ids: Collection[int],
    *,
    actor: str = "self",
    staff_user_id: int | None = None,
) -> SeatChanges:
    """Make the registration's seats match the chosen sessions; promote waitlists of the freed."""
    registration = _locked(registration_id)
    if not registration.is_active:
        db.session.rollback()
        raise WrongStatus("a cancelled registration books no seats")
    held = {seat.session_id for seat in registration.seats}
    try:
        wanted = sessions_for_booking(registration.forum_id, session_ids, held=held)
    except SeatError:
        db.session.rollback()  # the row lock is not kept while the form is shown again
        raise
    changes = seats.replace_seats(registration, wanted)
    if changes.released or changes.booked or changes.waitlisted:
        audit.record(
            "registration.sessions",
            obj=registration,
            actor=actor,
            staff_user_id=staff_user_id,
            details={
                "booked": changes.booked,
                "waitlisted": changes.waitlisted,
                "released": changes.released,
                "promoted": [list(p) for p in changes.promoted],
            },
        )
    db.session.commit()
    send_promotions(changes.promoted)
    return changes


def _end(
    registration_id: int,
    *,
    action: str,
    notice: Notice,
    only_from: Collection[RegistrationStatus],
    actor: str,
    staff_user_id: int | None,
) -> SeatChanges:
    registration = _locked(registration_id)
    if registration.status not in only_from:
        db.session.rollback()
        raise WrongStatus(f"registration {registration_id} is {registration.status.value}")
    changes = seats.replace_seats(registration, [], drop_all=True)
    previous = registration.status
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = utcnow()
    audit.record(
        action,
        obj=registration,
        actor=actor,
        staff_user_id=staff_user_id,
        details={
            "status": [previous.value, RegistrationStatus.CANCELLED.value],
            "released": changes.released,
            "promoted": [list(p) for p in changes.promoted],
        },
    )
    db.session.commit()
    send_notice(notice, registration_id)
    send_promotions(changes.promoted)
    return changes


def cancel(
    registration_id: int, *, actor: str = "self", staff_user_id: int | None = None
) -> SeatChanges:
    """Cancel a registration: its seats are freed and the waitlists move up."""
    return _end(
        registration_id,
        action="registration.cancel",
        notice=Notice.CANCELLED,
        only_from=(
            RegistrationStatus.CONFIRMED,
            RegistrationStatus.PENDING,
            RegistrationStatus.WAITLISTED,
        ),
        actor=actor,
        staff_user_id=staff_user_id,
    )


def reject(registration_id: int, *, staff_user_id: int) -> SeatChanges:
    """An organiser turns down a pending registration (it is cancelled, seats freed)."""
    return _end(
        registration_id,
        action="registration.reject",
        notice=Notice.REJECTED,
        only_from=(RegistrationStatus.PENDING,),
        actor="staff",
        staff_user_id=staff_user_id,
    )


def approve(registration_id: int, *, staff_user_id: int) -> None:
    """An organiser confirms a pending registration (speaker, press …)."""
    registration = _locked(registration_id)
    if registration.status != RegistrationStatus.PENDING:
        db.session.rollback()
        raise WrongStatus(f"registration {registration_id} is {registration.status.value}")
    registration.status = RegistrationStatus.CONFIRMED
    registration.confirmed_at = utcnow()
    audit.record(
        "registration.approve",
        obj=registration,
        staff_user_id=staff_user_id,
        details={"status": ["pending", "confirmed"]},
    )
    db.session.commit()
    send_notice(Notice.APPROVED, registration_id)


def reactivate(
    registration_id: int, *, actor: str = "self", staff_user_id: int | None = None
) -> None:
    """Undo a cancellation: confirmed again, or pending if the category needs approval."""
    registration = _locked(registration_id)
    if registration.status != RegistrationStatus.CANCELLED:
        db.session.rollback()
        raise WrongStatus(f"registration {registration_id} is {registration.status.value}")
    status = status_for(registration.forum, registration.category)
    registration.status = status
    registration.cancelled_at = None
    if status == RegistrationStatus.CONFIRMED:
        registration.confirmed_at = utcnow()
    audit.record(
        "registration.reactivate",
        obj=registration,
        actor=actor,
        staff_user_id=staff_user_id,
        details={"status": ["cancelled", status.value]},
    )
    db.session.commit()
    send_notice(Notice.WELCOME, registration_id)


def fill_from_waitlist(
    session_id: int, *, staff_user_id: int | None = None
) -> list[tuple[int, int]]:
    """Give a session's free seats to its waitlist, in order, and mail those who moved up.

    For the programme's organisers when a session gets a bigger room (its capacity grows).
    """
    session = seats.lock_sessions({session_id}).get(session_id)
    if session is None:
        db.session.rollback()
        raise RegistrationError(f"session {session_id} does not exist")
    promoted = [(seat.registration_id, session_id) for seat in seats.promote_waitlist(session)]
    if promoted:
        audit.record(
            "session.waitlist",
            obj=session,
            actor="staff" if staff_user_id else "system",
            staff_user_id=staff_user_id,
            details={"promoted": [registration_id for registration_id, _s in promoted]},
        )
    db.session.commit()
    send_promotions(promoted)
    return promoted


def resend(registration_id: int, *, staff_user_id: int) -> None:
    """An organiser or the desk sends a person their personal link again."""
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise RegistrationError(f"registration {registration_id} does not exist")
    audit.record("registration.resend", obj=registration, staff_user_id=staff_user_id)
    db.session.commit()
    send_notice(Notice.LINK, registration_id)


# --- organisers' list ----------------------------------------------------------------------------


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


def _filtered(forum_id: int, filters: Filters) -> Select[Any]:
    query = select(Registration).join(Person).where(Registration.forum_id == forum_id)
    query = query.where(*people_search.condition(people_search.query_words(filters.q), Person.id))
    if filters.category is not None:
        query = query.where(Registration.category == filters.category)
    if filters.status is not None:
        query = query.where(Registration.status == filters.status)
    if filters.country:
        query = query.where(Person.country == filters.country.upper())
    if filters.theme_id is not None:
        in_theme = select(Session.id).where(Session.theme_id == filters.theme_id)
        query = query.where(
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
    return query


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
