"""Organisers' messages: drafts, the sample a recipient gets, a test to oneself, the list with
progress, and the message a session's change calls for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from maruf_reg import audit, dates, mail
from maruf_reg.errors import N_
from maruf_reg.extensions import db
from maruf_reg.messages import merge, recipients
from maruf_reg.messages.sending import Progress, SendError, progress
from maruf_reg.models import (
    DeliveryStatus,
    Message,
    MessageDelivery,
    MessageKind,
    MessageState,
    Registration,
    Session,
)
from maruf_reg.registration.loading import registration_with_details

TEXTS = tuple(f"{part}_{lang}" for part in ("subject", "body") for lang in merge.LANGUAGES)


@dataclass(frozen=True)
class Draft:
    kind: MessageKind
    texts: dict[str, str]
    chosen: recipients.Filter
    rate: int


def save_draft(
    forum_id: int, message_id: int | None, draft: Draft, *, staff_user_id: int | None
) -> int:
    """Create or change a draft (merge fields checked); return its id. One transaction."""
    for name in TEXTS:
        merge.check(draft.texts.get(name, ""), name)
    if message_id is None:
        message = Message(forum_id=forum_id, created_by_id=staff_user_id)
        db.session.add(message)
    else:
        message = db.session.get_one(Message, message_id)
        if message.state != MessageState.DRAFT:
            db.session.rollback()
            raise SendError(N_("This message has been sent already."))
    message.kind = draft.kind
    for name in TEXTS:
        setattr(message, name, draft.texts.get(name, ""))
    message.recipients = draft.chosen.as_dict()
    message.rate = draft.rate
    db.session.flush()
    audit.record(
        "message.save",
        obj=message,
        staff_user_id=staff_user_id,
        details={"kind": draft.kind.value, "recipients": draft.chosen.as_dict()},
    )
    db.session.commit()
    return message.id


def chosen(message: Message) -> recipients.Filter:
    return recipients.Filter.from_dict(message.recipients)


def count(message: Message) -> recipients.Count:
    return recipients.count(message.forum_id, chosen(message), message.kind)


@dataclass(frozen=True)
class Sample:
    registration: Registration
    locale: str
    subject: str
    text: str
    #: its place among the recipients (from 0) and how many there are
    index: int
    total: int


def sample(message: Message, index: int = 0) -> Sample | None:
    """The mail one real recipient gets (the index-th, in registration order), in their language."""
    query = recipients.recipients(message.forum_id, chosen(message), message.kind).subquery()
    total = db.session.scalar(select(func.count()).select_from(query)) or 0
    if not total:
        return None
    index = max(0, min(index, total - 1))
    registration_id = db.session.scalar(
        select(query.c.id).order_by(query.c.id).offset(index).limit(1)
    )
    registration = db.session.scalar(
        registration_with_details().where(Registration.id == registration_id)
    )
    assert registration is not None
    locale, subject, text = merge.render(message, registration)
    return Sample(registration, locale, subject, text, index, total)


def send_test(message: Message, *, to: str, index: int = 0) -> bool:
    """Mail the sample to the organiser (through the mail queue); False if nobody matches."""
    shown = sample(message, index)
    if shown is None:
        return False
    subject = f"[TEST] {shown.subject}"
    mail.queue(mail.build_message(to=to, subject=subject, text=shown.text))
    return True


def messages(forum_id: int) -> list[tuple[Message, Progress]]:
    rows = db.session.scalars(
        select(Message).where(Message.forum_id == forum_id).order_by(Message.id.desc())
    ).all()
    return [(m, progress(m.id)) for m in rows]


def failures(message_id: int, limit: int = 200) -> list[MessageDelivery]:
    return list(
        db.session.scalars(
            select(MessageDelivery)
            .where(
                MessageDelivery.message_id == message_id,
                MessageDelivery.status == DeliveryStatus.FAILED,
            )
            .order_by(MessageDelivery.id)
            .limit(limit)
        )
    )


def received(registration_id: int) -> list[MessageDelivery]:
    """The messages sent to a registration (the personal page), newest first."""
    return list(
        db.session.scalars(
            select(MessageDelivery)
            .where(
                MessageDelivery.registration_id == registration_id,
                MessageDelivery.status == DeliveryStatus.SENT,
            )
            .order_by(MessageDelivery.sent_at.desc(), MessageDelivery.id.desc())
        )
    )


def draft_for_moved_session(session_id: int, *, staff_user_id: int | None) -> int | None:
    """A draft service message to the people of a session whose room or time changed (None when
    nobody is concerned). One transaction."""
    session = db.session.get(Session, session_id)
    if session is None:
        return None
    prefill = for_session(session)
    concerned = recipients.count(session.forum_id, prefill["chosen"], MessageKind.SERVICE)
    if not concerned.matched:
        db.session.rollback()
        return None
    message = Message(
        forum_id=session.forum_id,
        created_by_id=staff_user_id,
        kind=MessageKind.SERVICE,
        recipients=prefill["chosen"].as_dict(),
        rate=int(current_app.config["MESSAGE_RATE"]),
        **prefill["texts"],
    )
    db.session.add(message)
    db.session.flush()
    audit.record(
        "message.draft_for_session",
        obj=message,
        staff_user_id=staff_user_id,
        details={"session_id": session_id},
    )
    db.session.commit()
    return message.id


def _literal(text: str) -> str:
    """Text put into a message as it is (its braces are no merge fields)."""
    return text.replace("{", "{{").replace("}", "}}")


def for_session(session: Session) -> dict[str, Any]:
    """A service message to everyone a session's change concerns (booked, waitlisted, its
    speakers), its texts prefilled with the session as it is now."""
    forum = session.forum
    texts: dict[str, str] = {}
    for lang in ("tr", "en"):
        when = dates.session_when(session.starts_at, session.ends_at, locale=lang, zone=forum.zone)
        room = _literal(session.room.name if session.room else "")
        title = _literal(session.title(lang))
        if lang == "tr":
            texts["subject_tr"] = f"Oturum değişikliği: {title}"
            texts["body_tr"] = (
                f"Sayın {{name}},\n\n„{title}” oturumunda değişiklik var. Yeni bilgiler: {when}"
                f"{', ' + room if room else ''}.\n\nOturumlarınız:\n{{sessions}}\n"
            )
        else:
            texts["subject_en"] = f"Change to a session: {title}"
            texts["body_en"] = (
                f"Dear {{name}},\n\nThe session “{title}” has changed. It is now: {when}"
                f"{', ' + room if room else ''}.\n\nYour sessions:\n{{sessions}}\n"
            )
    return {
        "kind": MessageKind.SERVICE,
        "texts": texts,
        "chosen": recipients.Filter(session_id=session.id, people=recipients.People.CONCERNED),
    }
