"""Background jobs as organisers see them (badge batches, imports), and the audit log."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from maruf_reg.extensions import Model
from maruf_reg.models.base import UTCDateTime, utcnow
from maruf_reg.models.program import enum_column


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Model):
    """A long task run by the worker, with progress a page can poll and a result file."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what it does: ``badges``, ``certificates``, ``export``
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus), default=JobStatus.QUEUED)
    #: the job's parameters (filters, layout), as given
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: items done out of total, for the progress bar
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    #: the result's key in the file store (maruf_reg/files.py)
    result_path: Mapped[str | None] = mapped_column(String(300))
    error: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: ``host:pid`` of the worker process running it: a restarted worker fails the jobs its dead
    #: predecessor on the same host left running
    worker: Mapped[str] = mapped_column(String(100), default="")
    #: written every JOB_HEARTBEAT_SECONDS while it runs: any worker fails a running job whose
    #: heartbeat stopped (its worker or host was lost)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WorkerPresence(Model):
    """A `flask worker` process, as it last said it was alive (for /readyz and operators)."""

    __tablename__ = "workers"

    #: ``host:pid``
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    #: the queues it serves, comma-separated (``mail,render``)
    queues: Mapped[str] = mapped_column(String(100), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditLog(Model):
    """Who changed what, and when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int | None] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    #: the staff user who acted; null for the person themself (``actor`` says so) or the system
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    #: ``staff``, ``self`` (personal link), ``system`` (worker, CLI)
    actor: Mapped[str] = mapped_column(String(20), default="staff")
    #: what happened: ``registration.cancel``, ``session.create`` …
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[int | None]
    #: changed fields, old and new values
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)
