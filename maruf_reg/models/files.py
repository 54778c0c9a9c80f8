"""Generated files (badge batches, certificates) where every app server and worker finds them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from maruf_reg.extensions import Model
from maruf_reg.models.base import UTCDateTime, utcnow


class StoredFile(Model):
    """A generated file: its bytes are in `stored_file_chunks`, or in the shared folder FILES_PATH."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: its name in the store (``jobs/12/badges.pdf``); also its path under FILES_PATH
    key: Mapped[str] = mapped_column(String(200), unique=True)
    content_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    size: Mapped[int] = mapped_column(default=0)
    #: the bytes are in chunk rows (true) or in the shared folder (false)
    in_database: Mapped[bool] = mapped_column(default=True)
    #: false while it is written: nobody is served half a file
    complete: Mapped[bool] = mapped_column(default=False)
    #: the job that made it: removed with what the job left when its worker is lost
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: removed by the workers' upkeep after this time (FILES_KEEP_DAYS); null: kept
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_stored_files_expires_at", "expires_at"),
        Index("ix_stored_files_job_id", "job_id"),
    )


class StoredFileChunk(Model):
    """A piece of a file kept in the database (read one at a time when it is downloaded)."""

    __tablename__ = "stored_file_chunks"

    file_id: Mapped[int] = mapped_column(
        ForeignKey("stored_files.id", ondelete="CASCADE"), primary_key=True
    )
    #: 0, 1, 2 … in the order of the file
    seq: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
