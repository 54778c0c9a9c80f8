"""Staff users and API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from maruf_reg.extensions import Model
from maruf_reg.models.base import UTCDateTime, utcnow
from maruf_reg.models.program import enum_column


class Role(enum.StrEnum):
    #: organisers: everything
    ADMIN = "admin"
    #: the badge and help desk: people, badges, manual admission
    DESK = "desk"
    #: door volunteers and scanner devices: scanning and their point's counts
    DOOR = "door"


class StaffUser(UserMixin, Model):
    """An organiser, desk or door volunteer who logs in with e-mail and password."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    #: werkzeug's salted hash (scrypt)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    #: a deactivated user cannot log in; their past actions keep their name
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: put in the session at log-in and checked on every request: logging out bumps it, so a
    #: copy of the old session cookie (a shared tablet, a replay) is logged out too
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """What the session cookie keeps: the user and the session version it was made with."""
        return f"{self.id}:{self.session_version}"

    def has_role(self, *roles: Role | str) -> bool:
        return self.role == Role.ADMIN or self.role in roles


class ApiToken(Model):
    """A bearer token for a scanner device or a script; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what the token is for ("Door B tablet")
    name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[Role] = mapped_column(enum_column(Role))
    #: SHA-256 of the token, hex; the token itself is shown once
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
