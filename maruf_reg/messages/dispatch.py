"""Starting, stopping and resuming a message: the organiser's side of `sending` (whose docstring
says how rows are queued, claimed and never sent twice)."""

from __future__ import annotations

from sqlalchemy import insert, literal, select

from maruf_reg import audit
from maruf_reg.database import write_intent
from maruf_reg.errors import N_
from maruf_reg.extensions import db
from maruf_reg.messages import recipients
from maruf_reg.messages.sending import SendError, progress, queue_chains
from maruf_reg.models import DeliveryStatus, Message, MessageDelivery, MessageState, utcnow


def start(message_id: int, *, staff_user_id: int | None) -> int:
    """Queue a delivery row for every recipient (one INSERT … SELECT), then the sending task;
    return how many. One transaction."""
    with write_intent():
        message = db.session.get_one(Message, message_id, with_for_update=True)
        if message.state != MessageState.DRAFT:
            db.session.rollback()
            raise SendError(N_("This message has been sent already."))
        chosen = recipients.Filter.from_dict(message.recipients)
        count = recipients.count(message.forum_id, chosen, message.kind)
        now = utcnow()
        rows = recipients.recipients(message.forum_id, chosen, message.kind).subquery()
        db.session.execute(
            insert(MessageDelivery).from_select(
                [
                    "message_id",
                    "registration_id",
                    "email",
                    "status",
                    "queued_at",
                    "subject",
                    "error",
                    "worker",
                ],
                select(
                    literal(message.id),
                    rows.c.id,
                    rows.c.email,
                    literal(DeliveryStatus.QUEUED.value),
                    literal(now, MessageDelivery.queued_at.type),
                    literal(""),
                    literal(""),
                    literal(""),
                ),
            )
        )
        message.state = MessageState.SENDING
        message.sent_at = now
        message.heartbeat_at = now
        message.sent_by_id = staff_user_id
        message.skipped_no_email = count.no_email
        message.skipped_no_consent = count.no_consent
        audit.record(
            "message.send",
            obj=message,
            staff_user_id=staff_user_id,
            details={
                "kind": message.kind.value,
                "recipients": count.recipients,
                "skipped_no_email": count.no_email,
                "skipped_no_consent": count.no_consent,
            },
        )
        db.session.commit()
    queue_chains(message_id)
    return count.recipients


def stop(message_id: int, *, staff_user_id: int | None) -> None:
    """Stop sending: rows not yet claimed stay queued (not sent)."""
    _change_state(
        message_id, MessageState.SENDING, MessageState.STOPPED, "message.stop", staff_user_id
    )


def resume(message_id: int, *, staff_user_id: int | None) -> None:
    """Send the rows a stop left queued."""
    _change_state(
        message_id, MessageState.STOPPED, MessageState.SENDING, "message.resume", staff_user_id
    )
    queue_chains(message_id)


def _change_state(
    message_id: int,
    before: MessageState,
    after: MessageState,
    action: str,
    staff_user_id: int | None,
) -> None:
    with write_intent():
        message = db.session.get_one(Message, message_id, with_for_update=True)
        if message.state != before:
            db.session.rollback()
            raise SendError(N_("The message is not in a state that allows this."))
        message.state = after
        message.heartbeat_at = utcnow()
        audit.record(
            action,
            obj=message,
            staff_user_id=staff_user_id,
            details={"progress": progress(message_id).__dict__},
        )
        db.session.commit()
