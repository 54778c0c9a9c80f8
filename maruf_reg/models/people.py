"""People and their registrations: categories, status, seats and waitlists, speaker invitations."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from maruf_reg.extensions import Model
from maruf_reg.models.base import UTCDateTime, utcnow
from maruf_reg.models.program import Forum, RoleKind, Session, enum_column
from maruf_reg.names import display_name
from maruf_reg.text import localized, search_key

#: The longest name part we accept; longer is refused with a form error, never cut.
NAME_MAX = 100


class Category(enum.StrEnum):
    PARTICIPANT = "participant"
    SPEAKER = "speaker"
    MODERATOR = "moderator"
    PRESS = "press"
    VIP = "vip"
    STAFF = "staff"


class RegistrationStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class SeatStatus(enum.StrEnum):
    BOOKED = "booked"
    WAITLISTED = "waitlisted"


def person_search_key(
    given_name: str, family_name: str, email: str | None, organisation: str
) -> str:
    """What the people search looks in: names, e-mail and organisation, folded."""
    return search_key(" ".join([given_name, family_name, email or "", organisation]))[:700]


#: ix_people_search_key on PostgreSQL: a GIN trigram index. Given to the index by
#: `for_postgresql` when the app binds a PostgreSQL database (`database.init_app`), not written
#: in the Index above: a PostgreSQL option named in a model makes SQLAlchemy load its PostgreSQL
#: dialect to check it, 2.4 MB in every process, on SQLite too (issue 16).
SEARCH_INDEX_ON_POSTGRESQL = {
    "postgresql_using": "gin",
    "postgresql_ops": {"search_key": "gin_trgm_ops"},
}


def for_postgresql() -> None:
    """Give the models' indexes their PostgreSQL options (idempotent)."""
    table: Table = Person.__table__  # type: ignore[assignment]
    index = next(i for i in table.indexes if i.name == "ix_people_search_key")
    index.dialect_kwargs.update(SEARCH_INDEX_ON_POSTGRESQL)


class Person(Model):
    """Somebody who registers, speaks or moderates; one row per e-mail address."""

    __tablename__ = "people"
    __table_args__ = (
        # Name search ("ozt" finds "Öztürk") is a LIKE '%…%' on search_key: PostgreSQL answers it
        # from a trigram index (SEARCH_INDEX_ON_POSTGRESQL); SQLite scans this index instead of the
        # wide table rows.
        Index("ix_people_search_key", "search_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: names exactly as the person writes them, in any script
    given_name: Mapped[str] = mapped_column(String(NAME_MAX))
    family_name: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    #: normalised e-mail (email-validator, then lower-cased): one person per address; none for a
    #: walk-in registered at the desk without one, or a person whose data was erased
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    organisation: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[str] = mapped_column(String(200), default="")
    #: ISO 3166-1 alpha-2 code, upper case; empty when not given
    country: Mapped[str] = mapped_column(String(2), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    #: language for mail and the personal page: ``tr``, ``en`` or ``ar``
    language: Mapped[str] = mapped_column(String(5), default="tr")
    bio_tr: Mapped[str] = mapped_column(Text, default="")
    bio_en: Mapped[str] = mapped_column(Text, default="")
    #: optional speaker photo (re-encoded JPEG, see `registration/speakers.prepare_photo`) and its
    #: media type; loaded only when read (a list of 250 speakers needs `photo_type` alone)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    photo_type: Mapped[str | None] = mapped_column(String(30))
    #: when the person's data was erased (anonymised); the row stays for the statistics
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: names, e-mail and organisation folded for search ("ozturk" finds "Öztürk"); kept by `refresh_search_key`
    search_key: Mapped[str] = mapped_column(String(700), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def name(self) -> str:
        """The name as it is written (family name first for East Asian names)."""
        return display_name(self.given_name, self.family_name)

    def bio(self, locale: str) -> str:
        return localized(self, "bio", locale)

    def refresh_search_key(self) -> None:
        self.search_key = person_search_key(
            self.given_name, self.family_name, self.email, self.organisation
        )

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.email}>"


class Registration(Model):
    """A person's registration to a forum: category, status, personal link and badge serial."""

    __tablename__ = "registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    category: Mapped[Category] = mapped_column(enum_column(Category))
    status: Mapped[RegistrationStatus] = mapped_column(enum_column(RegistrationStatus))
    #: secret of the personal link ``/r/<token>`` (≥ 128 bits, URL-safe)
    manage_token: Mapped[str] = mapped_column(String(64), unique=True)
    #: serial of the badge that counts; a reprint bumps it and revokes the older ones
    badge_serial: Mapped[int] = mapped_column(default=1)
    #: consent to the processing of personal data (KVKK/GDPR), with the time it was given
    consent_data_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: optional consent to be photographed and published
    consent_photo_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: optional consent to receive announcements (messages/), with the time it was given
    consent_announcements_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: how the registration came: ``online``, ``import``, ``invitation``, ``desk``, ``demo``
    source: Mapped[str] = mapped_column(String(20), default="online")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: who ended the registration: ``self`` (the person may undo it) or ``staff`` (an organiser's
    #: cancellation or rejection: only an organiser undoes it); kept only while cancelled
    cancelled_by: Mapped[str | None] = mapped_column(String(10))

    forum: Mapped[Forum] = relationship()
    person: Mapped[Person] = relationship()
    seats: Mapped[list[Seat]] = relationship(
        back_populates="registration", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        # One e-mail (person) = one registration per forum; a cancelled one is re-activated.
        UniqueConstraint("forum_id", "person_id"),
        CheckConstraint("badge_serial >= 1", name="badge_serial_positive"),
        Index("ix_registrations_forum_status", "forum_id", "status", "category"),
        Index("ix_registrations_forum_created", "forum_id", "created_at"),
        # Reports: sign-ups per day and category, countries of active registrations (index-only).
        Index("ix_registrations_forum_created_category", "forum_id", "created_at", "category"),
        Index("ix_registrations_forum_status_person", "forum_id", "status", "person_id"),
    )

    @property
    def is_active(self) -> bool:
        return self.status in (RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING)

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.category} {self.status}>"


class Seat(Model):
    """A registration's booked seat in a session, or its place on that session's waitlist."""

    __tablename__ = "seats"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    status: Mapped[SeatStatus] = mapped_column(enum_column(SeatStatus))
    #: when the seat was asked for: the waitlist is served in this order (then by id)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when the seat became booked (at once, or on promotion from the waitlist)
    booked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[Registration] = relationship(back_populates="seats")
    session: Mapped[Session] = relationship()

    __table_args__ = (
        UniqueConstraint("registration_id", "session_id"),
        Index("ix_seats_session_status", "session_id", "status", "requested_at"),
    )


class SpeakerInvitation(Model):
    """An organiser's invitation to speak, moderate or chair a session; the link completes a profile."""

    __tablename__ = "speaker_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    role: Mapped[RoleKind] = mapped_column(enum_column(RoleKind))
    email: Mapped[str] = mapped_column(String(254))
    #: how the organiser addressed the person, to prefill the form
    given_name: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    family_name: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    #: secret of the invitation link (≥ 128 bits)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when the speaker completed the profile; the link then only shows the result
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL")
    )

    session: Mapped[Session] = relationship()
