"""The programme: forums, their themes, rooms and sessions, and who speaks in them."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from maruf_reg.extensions import Model
from maruf_reg.models.base import UTCDateTime, utcnow
from maruf_reg.text import localized

if TYPE_CHECKING:
    from maruf_reg.models.people import Person


def enum_column(enum_cls: type[enum.Enum], length: int = 20) -> Enum:
    """Store an enum by its value as a plain string with a CHECK: portable and readable in SQL."""
    return Enum(
        enum_cls,
        values_callable=lambda e: [m.value for m in e],
        native_enum=False,
        length=length,
        create_constraint=True,
        validate_strings=True,
    )


class SessionKind(enum.StrEnum):
    PANEL = "panel"
    WORKSHOP = "workshop"
    PLENARY = "plenary"
    SCREENING = "screening"
    EXHIBITION = "exhibition"
    INTERVIEW = "interview"


class RoleKind(enum.StrEnum):
    SPEAKER = "speaker"
    MODERATOR = "moderator"
    CHAIR = "chair"


class Forum(Model):
    """One edition of a forum (MARUF 2019): its dates, venue, time zone and badge signing key."""

    __tablename__ = "forums"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: short name in URLs and file names, e.g. ``maruf2019``
    slug: Mapped[str] = mapped_column(String(50), unique=True)
    name_tr: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    #: venue and city as printed on badges and in mail
    venue: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    #: first and last day, in the forum's time zone
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    #: IANA time zone; times are stored in UTC and shown in this zone
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Istanbul")
    #: a few paragraphs about the forum for its front page
    description_tr: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    #: whether the public sign-up form accepts new registrations
    registration_open: Mapped[bool] = mapped_column(default=True)
    #: an earlier edition kept as it was: readable (programme, reports), changed by nobody
    frozen: Mapped[bool] = mapped_column(default=False)
    #: categories whose sign-ups start as pending until an organiser approves them
    approval_categories: Mapped[list[str]] = mapped_column(
        JSON, default=lambda: ["speaker", "moderator", "press", "vip"]
    )
    #: categories a person may choose on the public sign-up form
    signup_categories: Mapped[list[str]] = mapped_column(
        JSON, default=lambda: ["participant", "press"]
    )
    #: badge band colour per category, e.g. ``{"speaker": "#c0392b"}``; missing ones use defaults
    badge_colours: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: forum colour used on badges and pages
    colour: Mapped[str] = mapped_column(String(7), default="#0b5394")
    #: optional logo for badges (PNG or SVG bytes, up to 512 KB) and its media type; loaded only
    #: when read, not with every page's forum
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    logo_type: Mapped[str | None] = mapped_column(String(50))
    #: Ed25519 public key (raw 32 bytes) that verifies badge tokens offline
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary(64))
    #: the matching private key, encrypted with a key derived from the app's SECRET_KEY
    private_key_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary(512))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    themes: WriteOnlyMapped[Theme] = relationship(back_populates="forum", passive_deletes=True)
    rooms: WriteOnlyMapped[Room] = relationship(back_populates="forum", passive_deletes=True)
    sessions: WriteOnlyMapped[Session] = relationship(back_populates="forum", passive_deletes=True)

    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="dates_in_order"),)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def name(self, locale: str) -> str:
        return localized(self, "name", locale)

    def description(self, locale: str) -> str:
        return localized(self, "description", locale)

    def __repr__(self) -> str:
        return f"<Forum {self.slug}>"


class Theme(Model):
    """One of the forum's themes (Migration and Social Cohesion, Resilience …)."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    #: used in URLs: ``/themes/<slug>``
    slug: Mapped[str] = mapped_column(String(60))
    name_tr: Mapped[str] = mapped_column(String(150))
    name_en: Mapped[str] = mapped_column(String(150))
    description_tr: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    #: ``#rrggbb`` colour of the theme in the timetable
    colour: Mapped[str] = mapped_column(String(7), default="#4a6fa5")
    #: order in lists
    position: Mapped[int] = mapped_column(default=0)

    forum: Mapped[Forum] = relationship(back_populates="themes")

    __table_args__ = (UniqueConstraint("forum_id", "slug"),)

    def name(self, locale: str) -> str:
        return localized(self, "name", locale)

    def description(self, locale: str) -> str:
        return localized(self, "description", locale)


class Room(Model):
    """A hall or room of the venue, with the number of people it holds."""

    __tablename__ = "rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    #: seats (or standing places) the room holds; a session's capacity defaults to it
    capacity: Mapped[int]
    #: column order in the timetable
    position: Mapped[int] = mapped_column(default=0)

    forum: Mapped[Forum] = relationship(back_populates="rooms")

    __table_args__ = (
        UniqueConstraint("forum_id", "name"),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
    )


class Session(Model):
    """A panel, workshop, plenary, screening, exhibition or interview in a room at a time."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="RESTRICT"))
    kind: Mapped[SessionKind] = mapped_column(enum_column(SessionKind))
    title_tr: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    description_tr: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: seats that may be booked; set from the room's capacity when not given
    capacity: Mapped[int]
    #: whether participants book a seat (False: open to every badge holder, no booking)
    needs_booking: Mapped[bool] = mapped_column(default=True)
    #: the organiser's "no check-in": the session gets no door of its own (see checkin/doors.py)
    no_checkin: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    forum: Mapped[Forum] = relationship(back_populates="sessions")
    theme: Mapped[Theme | None] = relationship()
    room: Mapped[Room | None] = relationship()
    roles: Mapped[list[SessionRole]] = relationship(
        back_populates="session",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SessionRole.position",
    )

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        Index("ix_sessions_forum_start", "forum_id", "starts_at"),
        Index("ix_sessions_room_start", "room_id", "starts_at"),
    )

    def title(self, locale: str) -> str:
        return localized(self, "title", locale)

    def description(self, locale: str) -> str:
        return localized(self, "description", locale)

    def overlaps(self, other: Session) -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at

    def __repr__(self) -> str:
        return f"<Session {self.id} {self.title_en!r}>"


class SessionRole(Model):
    """A person's part in a session: speaker, moderator or chair."""

    __tablename__ = "session_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[RoleKind] = mapped_column(enum_column(RoleKind))
    #: order of appearance on the session page
    position: Mapped[int] = mapped_column(default=0)

    session: Mapped[Session] = relationship(back_populates="roles")
    person: Mapped[Person] = relationship()

    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    def as_dict(self) -> dict[str, Any]:
        return {"person_id": self.person_id, "role": self.role.value}
