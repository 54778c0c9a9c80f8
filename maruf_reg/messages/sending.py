"""Sending a message: its delivery rows, queued in one set-based insert (`dispatch.start`), are
sent by the mail queue's worker in batches over one SMTP connection, at the message's rate.

No one gets a message twice. A row is claimed (`queued` → `sending`, with the worker's name) in its
own committed transaction before the SMTP send, and marked `sent` (or `failed` with the server's
answer) in the transaction that claims the next one. A worker killed between the send and that
commit leaves one row in `sending`: whether the server took the mail is unknown, so the row is
never sent again — it is marked failed, "worker lost during send" (`recovery.recover`). An organiser can
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
from email.message import EmailMessage

from sqlalchemy import Connection, Table, bindparam, func, select, update

from maruf_reg import audit, mail
from maruf_reg.database import write_intent
from maruf_reg.errors import RuleError
from maruf_reg.extensions import db
from maruf_reg.jobs import huey
from maruf_reg.mail import connection
from maruf_reg.messages import merge
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


def queue_chains(message_id: int) -> None:
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
        subject=bindparam("b_subject"),
    )
)
_FAILED = (
    update(_rows)
    .where(_rows.c.id == bindparam("b_row"), _rows.c.status == DeliveryStatus.SENDING.value)
    .values(
        status=DeliveryStatus.FAILED.value,
        failed_at=bindparam("at", type_=_TIME),
        subject=bindparam("b_subject"),
        error=bindparam("b_error"),
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
#: PostgreSQL: settle and claim in one statement (a data-modifying CTE runs even unreferenced)
_SENT_THEN_CLAIM = _CLAIM.add_cte(_SENT.returning(_rows.c.id).cte("settled"))
_FAILED_THEN_CLAIM = _CLAIM.add_cte(_FAILED.returning(_rows.c.id).cte("settled"))


def _settle(conn: Connection, row_id: int | None, outcome: Outcome) -> None:
    if row_id is None:
        return
    values = {"b_row": row_id, "at": utcnow(), "b_subject": outcome.subject[:300]}
    if outcome.error is None:
        conn.execute(_SENT, values)
    else:
        conn.execute(_FAILED, {**values, "b_error": outcome.error[:1000]})


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
        if more and done is not None and conn.dialect.name == "postgresql":
            # One round trip: the settling UPDATE runs as a CTE of the claiming one.
            claimed = _settle_and_claim(conn, message_id, done, outcome)
        else:
            _settle(conn, done, outcome)
            claimed = _claim(conn, message_id) if more else None
        if beat:
            conn.execute(_BEAT, {"b_message": message_id, "at": utcnow()})
        conn.commit()
    if claimed is None:
        with write_intent():
            finish_if_done(message_id)
            db.session.execute(_BEAT, {"b_message": message_id, "at": utcnow()})
            db.session.commit()
    return claimed


def _settle_and_claim(
    conn: Connection, message_id: int, done: int, outcome: Outcome
) -> Claimed | None:
    values = {
        "b_row": done,
        "at": utcnow(),
        "b_subject": outcome.subject[:300],
        "b_message": message_id,
        "me": worker_name(),
    }
    if outcome.error is None:
        row = conn.execute(_SENT_THEN_CLAIM, values).first()
    else:
        row = conn.execute(_FAILED_THEN_CLAIM, {**values, "b_error": outcome.error[:1000]}).first()
    return Claimed(int(row[0]), row[1], row[2]) if row is not None else None


def _claim(conn: Connection, message_id: int) -> Claimed | None:
    """The next queued row of a message still sending, claimed (one UPDATE … RETURNING)."""
    values = {"b_message": message_id, "me": worker_name(), "at": utcnow()}
    row = conn.execute(_CLAIM, values).first()
    return Claimed(int(row[0]), row[1], row[2]) if row is not None else None


def finish_if_done(message_id: int) -> None:
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
