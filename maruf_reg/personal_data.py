"""Personal data rights (KVKK, GDPR): a copy of everything held about a person, and erasure.

Ground floor: everything a person leaves is in the models of several capabilities (the
registration and its answers, seats and speaking parts, scans at the doors, badges printed, the
audit trail, the organisers' messages received), so the copy and the erasure read the models directly, in one place.

Erasure anonymises; it does not delete. The registration, its seats, scans and badge prints stay,
tied to a person without a name, an address, a phone, an organisation, a biography or a photo, so
that every figure the reports show — sign-ups per day, categories, countries, seats, attendance,
occupancy, answers per option — is the same before and after. What could identify the person goes:
their details, the text of free-text answers (the answer stays, empty), the personal link (a new
secret nobody knows), the e-mail address and names on speaker invitations, and the values kept in
the audit trail about them, the address and subject each message was delivered with (the delivery
rows stay, so a message's counts do not change). The erasure itself is audited: who, when — nothing of what was erased.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from maruf_reg import audit
from maruf_reg.extensions import db
from maruf_reg.models import (
    Answer,
    AuditLog,
    BadgePrint,
    CheckInPoint,
    Forum,
    MessageDelivery,
    Person,
    Registration,
    Scan,
    Seat,
    Session,
    SessionRole,
    SpeakerInvitation,
    utcnow,
)
from maruf_reg.personal_links import new_token

#: what a copy of a person's data holds, in order (the readable page follows it)
SECTIONS = (
    "person",
    "registration",
    "answers",
    "seats",
    "roles",
    "scans",
    "badges",
    "messages",
    "history",
)


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def copy_of(registration_id: int) -> dict[str, Any]:
    """Everything held about the person of a registration, in this forum, as plain JSON values."""
    registration = db.session.get_one(Registration, registration_id)
    person = db.session.get_one(Person, registration.person_id)
    forum = db.session.get_one(Forum, registration.forum_id)
    return {
        "forum": {"slug": forum.slug, "name_tr": forum.name_tr, "name_en": forum.name_en},
        "generated_at": _time(utcnow()),
        "person": _person(person),
        "registration": _registration(registration),
        "answers": _answers(registration.id),
        "seats": _seats(registration.id),
        "roles": _roles(person.id, forum.id),
        "scans": _scans(registration.id),
        "badges": _badges(registration.id),
        "messages": _messages(registration.id),
        "history": _history(registration.id),
    }


def _person(person: Person) -> dict[str, Any]:
    return {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "email": person.email,
        "organisation": person.organisation,
        "position": person.position,
        "country": person.country,
        "phone": person.phone,
        "language": person.language,
        "bio_tr": person.bio_tr,
        "bio_en": person.bio_en,
        "photo": bool(person.photo),
        "created_at": _time(person.created_at),
    }


def _registration(registration: Registration) -> dict[str, Any]:
    return {
        "id": registration.id,
        "category": registration.category.value,
        "status": registration.status.value,
        "source": registration.source,
        "badge_serial": registration.badge_serial,
        "created_at": _time(registration.created_at),
        "confirmed_at": _time(registration.confirmed_at),
        "cancelled_at": _time(registration.cancelled_at),
        "consent_data_at": _time(registration.consent_data_at),
        "consent_photo_at": _time(registration.consent_photo_at),
        "consent_announcements_at": _time(registration.consent_announcements_at),
    }


def _answers(registration_id: int) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(Answer).where(Answer.registration_id == registration_id))
    return [
        {
            "question_en": answer.question.label_en,
            "question_tr": answer.question.label_tr,
            "text": answer.text,
            "number": str(answer.number) if answer.number is not None else None,
            "yes": answer.yes,
            "options_en": [choice.option.label_en for choice in answer.choices],
            "answered_at": _time(answer.answered_at),
        }
        for answer in rows
    ]


def _seats(registration_id: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Seat, Session.title_en, Session.starts_at)
        .join(Session, Session.id == Seat.session_id)
        .where(Seat.registration_id == registration_id)
        .order_by(Session.starts_at)
    )
    return [
        {
            "session": title,
            "starts_at": _time(starts),
            "status": seat.status.value,
            "requested_at": _time(seat.requested_at),
            "booked_at": _time(seat.booked_at),
        }
        for seat, title, starts in rows
    ]


def _roles(person_id: int, forum_id: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(SessionRole.role, Session.title_en, Session.starts_at)
        .join(Session, Session.id == SessionRole.session_id)
        .where(SessionRole.person_id == person_id, Session.forum_id == forum_id)
        .order_by(Session.starts_at)
    )
    return [
        {"role": role.value, "session": title, "starts_at": _time(starts)}
        for role, title, starts in rows
    ]


def _scans(registration_id: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Scan, CheckInPoint.name)
        .join(CheckInPoint, CheckInPoint.id == Scan.point_id)
        .where(Scan.registration_id == registration_id)
        .order_by(Scan.scanned_at, Scan.id)
    )
    return [
        {
            "scanned_at": _time(scan.scanned_at),
            "point": point,
            "outcome": scan.outcome.value,
            "direction": scan.direction.value,
            "device": scan.device,
            "manual": scan.manual,
            "offline": scan.offline,
        }
        for scan, point in rows
    ]


def _badges(registration_id: int) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(BadgePrint)
        .where(BadgePrint.registration_id == registration_id)
        .order_by(BadgePrint.printed_at)
    )
    return [
        {"printed_at": _time(p.printed_at), "serial": p.serial, "reprint": p.reprint} for p in rows
    ]


def _messages(registration_id: int) -> list[dict[str, Any]]:
    """The organisers' messages written to the person (messages/), as each was delivered."""
    rows = db.session.scalars(
        select(MessageDelivery)
        .where(MessageDelivery.registration_id == registration_id)
        .order_by(MessageDelivery.queued_at, MessageDelivery.id)
    )
    return [
        {
            "subject": d.subject,
            "email": d.email,
            "status": d.status.value,
            "queued_at": _time(d.queued_at),
            "sent_at": _time(d.sent_at),
        }
        for d in rows
    ]


def _history(registration_id: int) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(AuditLog)
        .where(AuditLog.object_type == "registration", AuditLog.object_id == registration_id)
        .order_by(AuditLog.created_at, AuditLog.id)
    )
    return [
        {"at": _time(e.created_at), "action": e.action, "by": e.actor, "details": e.details}
        for e in rows
    ]


# --- erasure -------------------------------------------------------------------------------------


def _blank(person: Person, *, now: datetime) -> None:
    person.given_name = ""
    person.family_name = ""
    person.email = None
    person.organisation = ""
    person.position = ""
    person.phone = ""
    person.bio_tr = ""
    person.bio_en = ""
    person.photo = None
    person.photo_type = None
    person.search_key = ""
    person.erased_at = now


def _forget_registrations(registration_ids: list[int]) -> None:
    """What identifies the person in these registrations: the link, free text, the audit values."""
    if not registration_ids:
        return
    for registration in db.session.scalars(
        select(Registration).where(Registration.id.in_(registration_ids))
    ):
        registration.manage_token = new_token()
    db.session.execute(
        update(Answer)
        .where(Answer.registration_id.in_(registration_ids), Answer.text.is_not(None))
        .values(text="")
    )
    db.session.execute(
        update(SpeakerInvitation)
        .where(SpeakerInvitation.registration_id.in_(registration_ids))
        .values(email="", given_name="", family_name="")
    )
    db.session.execute(
        update(AuditLog)
        .where(AuditLog.object_type == "registration", AuditLog.object_id.in_(registration_ids))
        .values(details={})
    )
    # The messages' delivery rows stay (a message's counts), without what was written to whom.
    db.session.execute(
        update(MessageDelivery)
        .where(MessageDelivery.registration_id.in_(registration_ids))
        .values(email=None, subject="", error="")
    )


def erase_person(
    registration_id: int, *, actor: str = "staff", staff_user_id: int | None = None
) -> None:
    """Anonymise the person of a registration — in every forum they registered for (one person,
    one row) — keeping every figure of the reports (see the module doc). One transaction."""
    registration = db.session.get_one(Registration, registration_id)
    person = db.session.get_one(Person, registration.person_id)
    now = utcnow()
    ids = list(
        db.session.scalars(select(Registration.id).where(Registration.person_id == person.id))
    )
    _blank(person, now=now)
    _forget_registrations(ids)
    db.session.execute(
        update(AuditLog)
        .where(AuditLog.object_type == "person", AuditLog.object_id == person.id)
        .values(details={})
    )
    audit.record("person.erase", obj=registration, actor=actor, staff_user_id=staff_user_id)
    db.session.commit()


def anonymise_forum(forum_id: int, *, staff_user_id: int | None = None) -> int:
    """Anonymise every registration of a (finished) forum, keeping its statistics; a person who
    also registered for another edition keeps that registration: this forum's is given an
    anonymous person of its own. Returns how many registrations were anonymised."""
    now = utcnow()
    registrations = list(
        db.session.scalars(
            select(Registration).where(
                Registration.forum_id == forum_id,
                Registration.person_id.in_(select(Person.id).where(Person.erased_at.is_(None))),
            )
        )
    )
    for registration in registrations:
        person = db.session.get_one(Person, registration.person_id)
        elsewhere = db.session.scalar(
            select(Registration.id).where(
                Registration.person_id == person.id, Registration.forum_id != forum_id
            )
        )
        if elsewhere is None:
            _blank(person, now=now)
            continue
        stand_in = Person(
            given_name="", email=None, country=person.country, language=person.language
        )
        _blank(stand_in, now=now)
        db.session.add(stand_in)
        db.session.flush()
        registration.person_id = stand_in.id
        # Their parts in this forum's sessions go with the registration (the stand-in).
        db.session.execute(
            update(SessionRole)
            .where(
                SessionRole.person_id == person.id,
                SessionRole.session_id.in_(select(Session.id).where(Session.forum_id == forum_id)),
            )
            .values(person_id=stand_in.id)
        )
    _forget_registrations([r.id for r in registrations])
    audit.record(
        "forum.anonymise",
        forum_id=forum_id,
        actor="staff" if staff_user_id else "system",
        staff_user_id=staff_user_id,
        details={"registrations": len(registrations)},
    )
    db.session.commit()
    return len(registrations)
