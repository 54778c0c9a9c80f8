"""A registration's life after sign-up: the person's changes (details, sessions, cancelling),
the organisers' decisions (approve, reject, cancel, reactivate), the waitlist moving up, resends.

Every operation is one transaction with one commit; mail is queued after it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from maruf_reg import audit
from maruf_reg.extensions import db
from maruf_reg.models import (
    Category,
    Person,
    Registration,
    RegistrationStatus,
    utcnow,
)
from maruf_reg.registration import seats
from maruf_reg.registration.answers import AnswerValue, save_answers
from maruf_reg.registration.mails import Notice, send_notice, send_promotions
from maruf_reg.registration.seats import SeatChanges, SeatError
from maruf_reg.registration.services import (
    EmailTaken,
    OrganisersDecision,
    PersonDetails,
    RegistrationError,
    WrongStatus,
    normalise_email,
)
from maruf_reg.registration.signup import sessions_for_booking, status_for


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


def _consent_to_announcements(
    registration: Registration, given: bool | None, changed: dict[str, list[Any]]
) -> None:
    """Give or withdraw the consent to announcements; the time it was given is kept with it."""
    if given is not None and given != (registration.consent_announcements_at is not None):
        registration.consent_announcements_at = utcnow() if given else None
        changed["consent_announcements"] = [not given, given]


def update_details(
    registration_id: int,
    details: PersonDetails,
    *,
    consent_photo: bool | None = None,
    consent_announcements: bool | None = None,
    email: str | None = None,
    category: Category | None = None,
    answers: Sequence[AnswerValue] = (),
    actor: str = "self",
    staff_user_id: int | None = None,
) -> dict[str, list[Any]]:
    """Change a person's details, answers (and, for organisers, e-mail and category); return what
    changed (answers by question id, without their text)."""
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
    _consent_to_announcements(registration, consent_announcements, changed)
    answered = save_answers(registration.id, answers)
    if answered:
        changed["answers"] = [None, answered]
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
    changes = _ended(registration, action=action, actor=actor, staff_user_id=staff_user_id)
    db.session.commit()
    send_notice(notice, registration_id)
    send_promotions(changes.promoted)
    return changes


def _ended(
    registration: Registration, *, action: str, actor: str, staff_user_id: int | None
) -> SeatChanges:
    """Cancel a locked registration in the caller's transaction; its seats go to the waitlists."""
    changes = seats.replace_seats(registration, [], drop_all=True)
    previous = registration.status
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = utcnow()
    registration.cancelled_by = "self" if actor == "self" else "staff"
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
    _approved(registration, staff_user_id=staff_user_id)
    db.session.commit()
    send_notice(Notice.APPROVED, registration_id)


def _approved(registration: Registration, *, staff_user_id: int) -> None:
    registration.status = RegistrationStatus.CONFIRMED
    registration.confirmed_at = utcnow()
    audit.record(
        "registration.approve",
        obj=registration,
        staff_user_id=staff_user_id,
        details={"status": ["pending", "confirmed"]},
    )


def decide_many(
    registration_ids: Collection[int], *, approve: bool, forum_id: int, staff_user_id: int
) -> int:
    """Approve (or reject) many pending registrations of a forum at once, in one transaction;
    the others are left as they are. Returns how many were decided; each person is mailed."""
    decided: list[int] = []
    promoted: list[tuple[int, int]] = []
    for registration_id in sorted(set(registration_ids)):
        registration = db.session.scalar(
            select(Registration)
            .where(Registration.id == registration_id, Registration.forum_id == forum_id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
        if registration is None or registration.status != RegistrationStatus.PENDING:
            continue
        if approve:
            _approved(registration, staff_user_id=staff_user_id)
        else:
            changes = _ended(
                registration,
                action="registration.reject",
                actor="staff",
                staff_user_id=staff_user_id,
            )
            promoted += changes.promoted
        decided.append(registration.id)
    db.session.commit()
    for registration_id in decided:
        send_notice(Notice.APPROVED if approve else Notice.REJECTED, registration_id)
    send_promotions(promoted)
    return len(decided)


def reactivate(
    registration_id: int, *, actor: str = "self", staff_user_id: int | None = None
) -> None:
    """Undo a cancellation: confirmed again, or pending if the category needs approval.

    The person (`actor="self"`) may only undo their own cancellation: an organiser's cancellation
    or rejection stays until an organiser changes it (`OrganisersDecision`)."""
    registration = _locked(registration_id)
    if registration.status != RegistrationStatus.CANCELLED:
        db.session.rollback()
        raise WrongStatus(f"registration {registration_id} is {registration.status.value}")
    if actor == "self" and registration.cancelled_by != "self":
        db.session.rollback()
        raise OrganisersDecision(f"registration {registration_id} was ended by an organiser")
    status = status_for(registration.forum, registration.category)
    registration.status = status
    registration.cancelled_at = None
    registration.cancelled_by = None
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
