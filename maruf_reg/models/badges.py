"""Badge printing: every printed badge, with its serial and batch."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from maruf_reg.extensions import Model
from maruf_reg.models.base import UTCDateTime, utcnow
from maruf_reg.models.people import Registration


class BadgePrint(Model):
    """A badge printed (batch, desk or reprint); "only unprinted" and reprint counts come from here."""

    __tablename__ = "badge_prints"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    #: the badge serial printed on this badge
    serial: Mapped[int]
    printed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the batch job that printed it; null for a one-off print at the desk
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    printed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    #: a deliberate reprint that bumped the serial (lost badge)
    reprint: Mapped[bool] = mapped_column(default=False)

    registration: Mapped[Registration] = relationship()

    __table_args__ = (Index("ix_badge_prints_registration", "registration_id", "serial"),)
