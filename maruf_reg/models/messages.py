"""Messages from organisers to the people of a forum, and one delivery row per recipient."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from maruf_reg.extensions import Model
from maruf_reg.models.base import UTCDateTime, utcnow
from maruf_reg.models.program import enum_column
from maruf_reg.text import localized


class MessageKind(enum.StrEnum):
    #: about the person's own participation (a room change, a cancellation): goes to everyone matched
    SERVICE = "service"
    #: news, invitations: only to people who agreed to receive announcements
    ANNOUNCEMENT = "announcement"


class MessageState(enum.StrEnum):
    DRAFT = "draft"
    #: delivery rows are queued and the worker sends them
    SENDING = "sending"
    #: an organiser stopped it; the rows not sent stay queued (not sent)
    STOPPED = "stopped"
    #: every row is sent or failed
    DONE = "done"


class DeliveryStatus(enum.StrEnum):
    QUEUED = "queued"
    #: claimed by a worker in its own committed transaction just before the SMTP send
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class Message(Model):
    """A message: its texts per language with merge fields, who it is for, and its sending."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    kind: Mapped[MessageKind] = mapped_column(enum_column(MessageKind))
    state: Mapped[MessageState] = mapped_column(
        enum_column(MessageState), default=MessageState.DRAFT
    )
    subject_tr: Mapped[str] = mapped_column(String(200), default="")
    subject_en: Mapped[str] = mapped_column(String(200), default="")
    subject_ar: Mapped[str] = mapped_column(String(200), default="")
    body_tr: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    body_ar: Mapped[str] = mapped_column(Text, default="")
    #: the recipient filter as chosen (messages/recipients.py `Filter`), kept with the message
    recipients: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: mails per minute; 0 sends as fast as the server takes them
    rate: Mapped[int] = mapped_column(default=0)
    #: people matched but not written to: no e-mail address (desk walk-ins), no consent
    skipped_no_email: Mapped[int] = mapped_column(default=0)
    skipped_no_consent: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    sent_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: written by the sending worker at each mail: a sending message whose heartbeat stopped is
    #: picked up again by any worker (messages/sending.py `resume`)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def subject(self, locale: str) -> str:
        return localized(self, "subject", locale)

    def body(self, locale: str) -> str:
        return localized(self, "body", locale)


class MessageDelivery(Model):
    """One recipient of a message: the registration, the address and what happened."""

    __tablename__ = "message_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
    #: the address at queueing time (cleared on erasure)
    email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus), default=DeliveryStatus.QUEUED
    )
    #: why it failed (the SMTP server's answer, or "worker lost during send")
    error: Mapped[str] = mapped_column(Text, default="")
    #: the subject as this person received it (in their language); cleared on erasure
    subject: Mapped[str] = mapped_column(String(300), default="")
    #: ``host:pid`` of the worker that claimed it
    worker: Mapped[str] = mapped_column(String(100), default="")
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    message: Mapped[Message] = relationship()

    __table_args__ = (Index("ix_message_deliveries_message_status", "message_id", "status", "id"),)
