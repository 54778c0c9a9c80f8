"""Check-in: the points where badges are scanned, and every scan."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from maruf_reg.extensions import Model
from maruf_reg.models.base import UTCDateTime, utcnow
from maruf_reg.models.people import Registration
from maruf_reg.models.program import Forum, Session, enum_column


class PointKind(enum.StrEnum):
    ENTRANCE = "entrance"
    SESSION = "session"
    OTHER = "other"


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"


class Outcome(enum.StrEnum):
    ADMITTED = "admitted"
    ALREADY_IN = "already_in"
    NOT_ALLOWED = "not_allowed"
    REVOKED = "revoked"
    UNKNOWN = "unknown"
    INVALID = "invalid"
    #: an exit scanned at a point that counts exits
    EXITED = "exited"
    #: a session's door outside the session's window (opens before the start, closes at the end)
    NOT_NOW = "not_now"
    #: a session's door whose room is full (admitted minus exited ≥ capacity) and refuses then
    ROOM_FULL = "room_full"
    #: a point switched off by the organisers: it admits nobody
    POINT_INACTIVE = "point_inactive"


class FullPolicy(enum.StrEnum):
    """What a session's door does when its room is full."""

    REFUSE = "refuse"
    WARN = "warn"


class CheckInPoint(Model):
    """A door where badges are scanned: the venue entrance, a session room, the exhibition."""

    __tablename__ = "checkin_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[PointKind] = mapped_column(enum_column(PointKind))
    #: the session this door admits to: only people with a seat, or everyone when it needs none
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"))
    #: categories admitted here; empty admits every category
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: whether this door also scans people leaving (for "inside now")
    counts_exit: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    #: a session door opens this many minutes before the session starts (null: the setting
    #: SESSION_DOOR_OPENS_MINUTES) and closes this many minutes after it ends (null:
    #: SESSION_DOOR_CLOSES_MINUTES)
    opens_minutes: Mapped[int | None]
    closes_minutes: Mapped[int | None]
    #: a session door that counts exits, when its room is full: refuse or admit with a warning
    #: (null: the setting SESSION_DOOR_FULL_POLICY)
    full_policy: Mapped[FullPolicy | None] = mapped_column(enum_column(FullPolicy))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    forum: Mapped[Forum] = relationship()
    session: Mapped[Session | None] = relationship()


class Scan(Model):
    """One processed scan of a badge (or a manual admission) at a point, as it happened."""

    __tablename__ = "scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the scanning device's own id for this scan: replays and offline re-syncs change nothing
    uuid: Mapped[str] = mapped_column(String(64), unique=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("checkin_points.id", ondelete="CASCADE"))
    #: null when the token was unreadable or named nobody
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE")
    )
    #: badge serial read from the token (null for manual admissions and unreadable tokens)
    serial: Mapped[int | None]
    #: free-text name of the scanning device ("Door B tablet")
    device: Mapped[str] = mapped_column(String(100), default="")
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    api_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="SET NULL")
    )
    #: when the badge was scanned, by the device's clock (corrected by `clock_skew` when the
    #: device's clock was off by more than SCAN_CLOCK_TOLERANCE_SECONDS)
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: the device's clock minus the server's, in seconds, when the device sent its clock
    clock_skew: Mapped[int | None]
    #: a digest of what was sent under this uuid (token, point, direction): a uuid sent again
    #: with other content is refused (null: stored before it was kept)
    fingerprint: Mapped[str | None] = mapped_column(String(32))
    #: when the server received the scan (later than scanned_at for offline scans)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    direction: Mapped[Direction] = mapped_column(enum_column(Direction), default=Direction.IN)
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome))
    #: admitted by a volunteer without a badge scan (desk search)
    manual: Mapped[bool] = mapped_column(default=False)
    #: scanned on an offline device and synced later
    offline: Mapped[bool] = mapped_column(default=False)
    #: the device admitted although the server would not have (offline double admission, override)
    forced: Mapped[bool] = mapped_column(default=False)
    #: the JSON answer given for this uuid, replayed byte for byte
    response: Mapped[str] = mapped_column(Text, default="")

    point: Mapped[CheckInPoint] = relationship()
    registration: Mapped[Registration | None] = relationship()

    __table_args__ = (
        Index("ix_scans_point_scanned", "point_id", "scanned_at"),
        Index("ix_scans_registration_point", "registration_id", "point_id", "outcome"),
        # Reports: a day's counts at a point read this index alone, never the table (the id
        # orders scans of the same instant).
        Index(
            "ix_scans_point_scanned_outcome",
            "point_id",
            "scanned_at",
            "outcome",
            "registration_id",
            "id",
        ),
    )
