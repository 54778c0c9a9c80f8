"""Sending a message: its delivery rows queued in one set-based insert, then sent by the mail
queue's worker in batches over one SMTP connection, at the message's rate; stopping; resuming after
a worker was lost.

No one gets a message twice. A row is claimed (`queued` → `sending`, with the worker's name) in its
own committed transaction before the SMTP send, and marked `sent` (or `failed` with the server's
answer) in the transaction that claims the next one. A worker killed between the send and that
commit leaves one row in `sending`: whether the server took the mail is unknown, so the row is
never sent again — it is marked failed, "worker lost during send" (`recover`). An organiser can
see it and, if it matters, write to that person. Rows still `queued` are sent by whichever worker
picks the message up again: at its start (the dead worker was on its host) or when the message's
heartbeat is older than JOB_STALE_SECONDS. Two workers on one message never send one row twice
(a claim is a conditional update); they only share the rows.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import Connection, Table, bindparam, func, insert, literal, select, update

from maruf_reg import audit, mail
from maruf_reg.database import write_intent
from maruf_reg.errors import N_, RuleError
from maruf_reg.extensions import db
from maruf_reg.jobs import huey
from maruf_reg.mail import connection
from maruf_reg.messages import merge, recipients
from maruf_reg.models import (
    DeliveryStatus,
    Message,
    MessageDelivery,
    MessageState,
    utcnow,
)

log = logging.getLogger(__name__)

LOST = "worker lost during send"
#: rows one task sends over one SMTP connection before it queues the next task (other mail waits
#: no longer than a batch)
BATCH = 200
#: sending tasks side by side for a message without a rate limit (`flask worker --workers` threads
#: serve them; the mail server's round trips of one overlap the other's database work)
CHAINS = 2
#: how often the sending worker writes the message's heartbeat
HEARTBEAT_SECONDS = 5.0


class SendError(RuleError):
    """The message cannot be sent, stopped or resumed as asked."""


@dataclass(frozen=True)
class Progress:
    queued: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.queued + self.sending + self.sent + self.failed


def progress(message_id: int) -> Progress:
    counts = dict(
        db.session.execute(
            select(MessageDelivery.status, func.count())
            .where(MessageDelivery.message_id == message_id)
            .group_by(MessageDelivery.status)
        ).all()
    )
    return Progress(**{DeliveryStatus(k).value: int(v) for k, v in counts.items()})


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# --- starting, stopping ----------------------------------------------------------------------------


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
    _queue_chains(message_id)
    return count.recipients


def _queue_chains(message_id: int) -> None:
    """The sending tasks of a message: CHAINS of them side by side when it has no rate (they
    claim different rows), else one (its pace is the rate)."""
    rate = db.session.scalar(select(Message.rate).where(Message.id == message_id))
    db.session.commit()
    for _chain in range(CHAINS if not rate else 1):
        _queue_task(message_id)


def _queue_task(message_id: int) -> None:
    try:
        send_batch(message_id)
    except Exception:  # the worker's upkeep picks the message up when its heartbeat is old
        log.exception("could not queue message %s", message_id)


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
    _queue_chains(message_id)


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


# --- the worker ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What became of one row's send: its subject as rendered, and why it failed (None: sent)."""

    subject: str = ""
    error: str | None = None
    #: the connection is unusable (the server went away): the batch ends, the next one waits
    broken: bool = False


_rows: Table = MessageDelivery.__table__  # type: ignore[assignment]
_TIME = _rows.c.sent_at.type
#: the statements of the sending loop, made once (thousands of runs a minute)
_SENT = (
    update(_rows)
    .where(_rows.c.id == bindparam("b_row"), _rows.c.status == DeliveryStatus.SENDING.value)
    .values(
        status=DeliveryStatus.SENT.value,
        sent_at=bindparam("at", type_=_TIME),
        subject=bindparam("subject"),
    )
)
_FAILED = (
    update(_rows)
    .where(_rows.c.id == bindparam("b_row"), _rows.c.status == DeliveryStatus.SENDING.value)
    .values(
        status=DeliveryStatus.FAILED.value,
        failed_at=bindparam("at", type_=_TIME),
        subject=bindparam("subject"),
        error=bindparam("error"),
    )
)
_NEXT = (
    select(_rows.c.id)
    .where(
        _rows.c.message_id == bindparam("b_message"),
        _rows.c.status == DeliveryStatus.QUEUED.value,
        select(Message.id)
        .where(Message.id == bindparam("b_message"), Message.state == MessageState.SENDING)
        .exists(),
    )
    .order_by(_rows.c.id)
    .limit(1)
    .with_for_update(skip_locked=True)
    .scalar_subquery()
)
_messages: Table = Message.__table__  # type: ignore[assignment]
_BEAT = (
    update(_messages)
    .where(_messages.c.id == bindparam("b_message"))
    .where(_messages.c.state == MessageState.SENDING.value)
    .values(heartbeat_at=bindparam("at", type_=_TIME))
)
_CLAIM = (
    update(_rows)
    .where(_rows.c.id == _NEXT, _rows.c.status == DeliveryStatus.QUEUED.value)
    .values(
        status=DeliveryStatus.SENDING.value,
        worker=bindparam("me"),
        claimed_at=bindparam("at", type_=_TIME),
    )
    .returning(_rows.c.id, _rows.c.registration_id, _rows.c.email)
)


def _settle(conn: Connection, row_id: int | None, outcome: Outcome) -> None:
    if row_id is None:
        return
    values = {"b_row": row_id, "at": utcnow(), "subject": outcome.subject[:300]}
    if outcome.error is None:
        conn.execute(_SENT, values)
    else:
        conn.execute(_FAILED, {**values, "error": outcome.error[:1000]})


@dataclass(frozen=True)
class Claimed:
    id: int
    registration_id: int | None
    email: str | None


def _step(
    conn: Connection,
    message_id: int,
    done: int | None,
    outcome: Outcome,
    *,
    more: bool,
    beat: bool,
) -> Claimed | None:
    """One transaction on the batch's own connection: settle the row just sent and, with `more`,
    claim the next one (None: nothing to send, or the message was stopped); with `beat`, the
    message's heartbeat. (One connection for the batch: no pool check-out, ping and reset for
    each mail.)"""
    with write_intent():
        _settle(conn, done, outcome)
        claimed = _claim(conn, message_id) if more else None
        if beat:
            conn.execute(_BEAT, {"b_message": message_id, "at": utcnow()})
        conn.commit()
    if claimed is None:
        with write_intent():
            _finish_if_done(message_id)
            db.session.execute(_BEAT, {"b_message": message_id, "at": utcnow()})
            db.session.commit()
    return claimed


def _claim(conn: Connection, message_id: int) -> Claimed | None:
    """The next queued row of a message still sending, claimed (one UPDATE … RETURNING)."""
    values = {"b_message": message_id, "me": worker_name(), "at": utcnow()}
    row = conn.execute(_CLAIM, values).first()
    return Claimed(int(row[0]), row[1], row[2]) if row is not None else None


def _finish_if_done(message_id: int) -> None:
    left = db.session.scalar(
        select(func.count()).where(
            MessageDelivery.message_id == message_id,
            MessageDelivery.status.in_((DeliveryStatus.QUEUED, DeliveryStatus.SENDING)),
        )
    )
    if left:
        return
    result = db.session.execute(
        update(Message)
        .where(Message.id == message_id, Message.state == MessageState.SENDING)
        .values(state=MessageState.DONE, finished_at=utcnow())
    )
    if getattr(result, "rowcount", 0):
        counts = progress(message_id)
        audit.record(
            "message.done",
            obj=db.session.get_one(Message, message_id),
            actor="system",
            details={"sent": counts.sent, "failed": counts.failed},
        )


def _send_one(
    send: Callable[[EmailMessage], None],
    message_id: int,
    row: Claimed,
    texts: dict[int, tuple[str, str]],
) -> Outcome:
    """Build and send one row's mail (its text prepared for the batch, or now)."""
    rid = row.registration_id
    if rid is not None and rid not in texts:
        texts.update(merge.prepared(db.session.get_one(Message, message_id), [rid]))
        db.session.commit()  # ends the read: the next step takes the write lock
    if rid is None or rid not in texts or not row.email:
        return Outcome(error="no registration or address any more")
    subject, text = texts.pop(rid)
    try:
        send(mail.build_message(to=row.email, subject=subject, text=text))
    except (
        smtplib.SMTPRecipientsRefused,
        smtplib.SMTPSenderRefused,
        smtplib.SMTPDataError,
    ) as error:
        return Outcome(subject, f"refused by the mail server: {error}")
    except (smtplib.SMTPException, OSError) as error:
        # The server may or may not have taken it: it is not sent again.
        return Outcome(subject, f"mail server error: {error}", broken=True)
    return Outcome(subject)


def _prepare(message: Message, limit: int) -> dict[int, tuple[str, str]]:
    """The texts of the next `limit` queued rows, rendered before the batch claims them."""
    upcoming = db.session.scalars(
        select(MessageDelivery.registration_id)
        .where(
            MessageDelivery.message_id == message.id,
            MessageDelivery.status == DeliveryStatus.QUEUED,
            MessageDelivery.registration_id.is_not(None),
        )
        .order_by(MessageDelivery.id)
        .limit(limit)
    ).all()
    texts = merge.prepared(message, [rid for rid in upcoming if rid is not None])
    db.session.commit()
    return texts


@huey.app_task(retries=3, retry_delay=30)
def send_batch(message_id: int) -> None:
    """The worker's task: up to BATCH rows over one SMTP connection, paced at the message's
    rate, then the next task (so that other mail does not wait behind a long message)."""
    message = db.session.get(Message, message_id)
    if message is None or message.state != MessageState.SENDING:
        return
    interval = 60.0 / message.rate if message.rate > 0 else 0.0
    limit = max(1, min(BATCH, message.rate // 2)) if message.rate > 0 else BATCH
    texts = _prepare(message, limit)
    with connection() as send, db.engine.connect() as conn:
        row = _step(conn, message_id, None, Outcome(), more=True, beat=True)
        sent, next_at, outcome, beat_at = 0, time.monotonic(), Outcome(), time.monotonic()
        while row is not None:
            if interval:
                time.sleep(max(0.0, next_at - time.monotonic()))
                next_at = time.monotonic() + interval
            outcome = _send_one(send, message_id, row, texts)
            sent += 1
            more = sent < limit and not outcome.broken
            beat = time.monotonic() - beat_at > HEARTBEAT_SECONDS
            beat_at = time.monotonic() if beat else beat_at
            row = _step(conn, message_id, row.id, outcome, more=more, beat=beat)
    state = db.session.scalar(select(Message.state).where(Message.id == message_id))
    db.session.commit()
    if state == MessageState.SENDING:
        if outcome.broken:
            send_batch.schedule((message_id,), delay=30)
        elif sent >= limit:
            _queue_task(message_id)


# --- a lost worker ---------------------------------------------------------------------------------


def _is_dead_local(worker: str) -> bool:
    """A worker process of this host that is no longer running."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _lost_rows(cutoff: datetime) -> tuple[list[int], set[str]]:
    """Rows left `sending` by a dead worker of this host or claimed before `cutoff`, and the dead
    workers seen."""
    workers = set(
        db.session.scalars(
            select(MessageDelivery.worker)
            .join(Message, Message.id == MessageDelivery.message_id)
            .where(Message.state.in_((MessageState.SENDING, MessageState.STOPPED)))
            .distinct()
        )
    )
    dead = {worker for worker in workers if worker and _is_dead_local(worker)}
    stuck = db.session.execute(
        select(MessageDelivery.id, MessageDelivery.worker, MessageDelivery.claimed_at).where(
            MessageDelivery.status == DeliveryStatus.SENDING
        )
    ).all()
    lost = [
        row_id
        for row_id, worker, claimed in stuck
        if worker in dead or (claimed is not None and claimed < cutoff)
    ]
    return lost, dead


def _orphaned(cutoff: datetime, dead: set[str]) -> list[tuple[int, datetime | None]]:
    """Sending messages nobody works on: a dead local worker sent them last, or their heartbeat
    is older than `cutoff`."""
    found = []
    for message_id, beat in db.session.execute(
        select(Message.id, Message.heartbeat_at).where(Message.state == MessageState.SENDING)
    ).all():
        last = db.session.scalar(
            select(MessageDelivery.worker)
            .where(MessageDelivery.message_id == message_id, MessageDelivery.worker != "")
            .order_by(MessageDelivery.claimed_at.desc(), MessageDelivery.id.desc())
            .limit(1)
        )
        if last in dead or beat is None or beat < cutoff:
            found.append((message_id, beat))
    return found


def recover(now: datetime | None = None) -> list[int]:
    """Rows a lost worker left `sending` → failed (LOST, never sent again); sending messages
    nobody works on are queued again. Return those. Every worker runs it at its start and upkeep."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=float(current_app.config["JOB_STALE_SECONDS"]))
    lost, dead = _lost_rows(cutoff)
    orphaned = _orphaned(cutoff, dead)
    db.session.commit()
    if not lost and not orphaned:
        return []
    again = []
    with write_intent():
        if lost:
            db.session.execute(
                update(MessageDelivery)
                .where(
                    MessageDelivery.id.in_(lost), MessageDelivery.status == DeliveryStatus.SENDING
                )
                .values(status=DeliveryStatus.FAILED, error=LOST, failed_at=now)
            )
        for message_id, beat in orphaned:
            same_beat = (
                Message.heartbeat_at == beat if beat is not None else Message.heartbeat_at.is_(None)
            )
            # Conditional: of several workers recovering at once, one queues it again.
            result = db.session.execute(
                update(Message)
                .where(Message.id == message_id, Message.state == MessageState.SENDING, same_beat)
                .values(heartbeat_at=now)
            )
            if getattr(result, "rowcount", 0):
                again.append(message_id)
                _finish_if_done(message_id)
        db.session.commit()
    for message_id in again:
        _queue_chains(message_id)
    return again
