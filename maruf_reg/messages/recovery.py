"""A message whose worker was lost: its rows left `sending` are failed, never sent again, and the
message is queued again for whichever worker runs the upkeep (see `sending`'s docstring for why).
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from maruf_reg.database import write_intent
from maruf_reg.extensions import db
from maruf_reg.messages.sending import LOST, finish_if_done, queue_chains
from maruf_reg.models import DeliveryStatus, Message, MessageDelivery, MessageState, utcnow

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
                finish_if_done(message_id)
        db.session.commit()
    for message_id in again:
        queue_chains(message_id)
    return again
