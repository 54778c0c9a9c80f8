"""The programme's rules: the forum's settings, its themes, rooms and sessions.

Who speaks in a session is in `speakers`; the checks and locks every change shares, and the error
a refused change raises, are in `rules` (read its docstring for how concurrent changes are kept
apart).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from maruf_reg import audit, badge_tokens, signals
from maruf_reg.extensions import db
from maruf_reg.forum import forum_window
from maruf_reg.models import (
    Forum,
    Room,
    Seat,
    SeatStatus,
    Session,
    SessionKind,
    SessionRole,
    Theme,
)
from maruf_reg.program.rules import (
    CAPACITY_MAX,
    CITY_MAX,
    FORUM_NAME_MAX,
    POSITION_MAX,
    ROOM_NAME_MAX,
    THEME_NAME_MAX,
    TITLE_MAX,
    VENUE_MAX,
    ProgrammeError,
    SessionHasBookings,
    ThemeInUse,
    check_colour,
    check_long_text,
    check_number,
    check_slug,
    check_text,
    lazy_time,
    lazy_title,
    locked,
    one_change,
)
from maruf_reg.program.speakers import Overlap, speaker_overlaps
from maruf_reg.signals import DeletedSession


@dataclass(frozen=True)
class ForumFields:
    name_tr: str
    name_en: str
    starts_on: date
    ends_on: date
    timezone: str = "Europe/Istanbul"
    venue: str = ""
    city: str = ""
    registration_open: bool = True
    colour: str = "#0b5394"


#: what the forum settings page edits (the fields of `ForumFields`)
FORUM_SETTINGS = (
    "name_tr",
    "name_en",
    "starts_on",
    "ends_on",
    "timezone",
    "venue",
    "city",
    "registration_open",
    "colour",
)


@dataclass(frozen=True)
class ThemeFields:
    slug: str
    name_tr: str
    name_en: str
    description_tr: str = ""
    description_en: str = ""
    colour: str = "#4a6fa5"
    position: int = 0


@dataclass(frozen=True)
class RoomFields:
    name: str
    capacity: int
    position: int = 0


@dataclass(frozen=True)
class SessionFields:
    """A session as the organiser describes it; times are aware datetimes (see `local_to_utc`)."""

    kind: SessionKind
    title_tr: str
    title_en: str
    starts_at: datetime
    ends_at: datetime
    theme_id: int | None = None
    room_id: int | None = None
    #: None: the room's capacity
    capacity: int | None = None
    needs_booking: bool = True
    description_tr: str = ""
    description_en: str = ""


@dataclass(frozen=True)
class SessionSaved:
    session: Session
    overlaps: list[Overlap]
    #: the room's capacity when the session's is larger (standing room: a warning, not a refusal)
    room_capacity: int | None = None


# --- the forum ---------------------------------------------------------------------------------


def timezone_names() -> list[str]:
    return sorted(available_timezones())


def create_forum(
    slug: str, fields: ForumFields, *, secret_key: str, staff_user_id: int | None
) -> Forum:
    """Create a forum with its badge signing keys."""
    with one_change():
        slug = check_slug(slug, "slug", limit=50)
        if db.session.scalar(select(Forum.id).where(Forum.slug == slug)):
            raise ProgrammeError(_l("A forum with this short name exists already."), field="slug")
        forum = Forum(slug=slug)
        details = audit.changes(forum, _forum_values(fields))
        badge_tokens.ensure_keys(forum, secret_key=secret_key)
        db.session.add(forum)
        db.session.flush()
        audit.record("forum.create", obj=forum, staff_user_id=staff_user_id, details=details)
    return forum


def update_forum(forum_id: int, fields: ForumFields, *, staff_user_id: int | None) -> Forum:
    """Change the forum's settings; its dates and time zone must still hold every session."""
    with one_change():
        forum = locked(Forum, forum_id)
        values = _forum_values(fields)
        first, last = forum_window(fields.starts_on, fields.ends_on, ZoneInfo(fields.timezone))
        outside = db.session.scalar(
            select(func.count(Session.id)).where(
                Session.forum_id == forum.id, (Session.starts_at < first) | (Session.ends_at > last)
            )
        )
        if outside:
            raise ProgrammeError(
                _l(
                    "Sessions that would fall outside the forum's days: %(count)d. "
                    "Move them first, or choose other dates.",
                    count=outside,
                ),
                field="starts_on",
            )
        details = audit.changes(forum, values)
        if details:
            audit.record("forum.update", obj=forum, staff_user_id=staff_user_id, details=details)
    return forum


def _forum_values(fields: ForumFields) -> dict[str, Any]:
    if fields.ends_on < fields.starts_on:
        raise ProgrammeError(_l("The last day cannot be before the first."), field="ends_on")
    try:
        ZoneInfo(fields.timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ProgrammeError(_l("Unknown time zone."), field="timezone") from error
    return {
        "name_tr": check_text(fields.name_tr, FORUM_NAME_MAX, "name_tr", required=True),
        "name_en": check_text(fields.name_en, FORUM_NAME_MAX, "name_en", required=True),
        "starts_on": fields.starts_on,
        "ends_on": fields.ends_on,
        "timezone": fields.timezone,
        "venue": check_text(fields.venue, VENUE_MAX, "venue"),
        "city": check_text(fields.city, CITY_MAX, "city"),
        "registration_open": bool(fields.registration_open),
        "colour": check_colour(fields.colour),
    }


# --- themes ------------------------------------------------------------------------------------


def create_theme(forum_id: int, fields: ThemeFields, *, staff_user_id: int | None) -> Theme:
    """Add a theme to the forum."""
    with one_change():
        theme = Theme(forum_id=forum_id)
        details = audit.changes(theme, _theme_values(forum_id, fields, theme_id=None))
        db.session.add(theme)
        db.session.flush()
        audit.record("theme.create", obj=theme, staff_user_id=staff_user_id, details=details)
    return theme


def update_theme(theme_id: int, fields: ThemeFields, *, staff_user_id: int | None) -> Theme:
    """Change a theme; its slug stays unique in the forum."""
    with one_change():
        theme = locked(Theme, theme_id)
        details = audit.changes(theme, _theme_values(theme.forum_id, fields, theme_id=theme.id))
        if details:
            audit.record("theme.update", obj=theme, staff_user_id=staff_user_id, details=details)
    return theme


def theme_usages(forum_id: int) -> dict[int, int]:
    """Sessions per theme of the forum (unused themes left out)."""
    return _usages(Session.theme_id, forum_id)


def _usages(column: Any, forum_id: int) -> dict[int, int]:
    rows = db.session.execute(
        select(column, func.count(Session.id))
        .where(Session.forum_id == forum_id, column.is_not(None))
        .group_by(column)
    )
    return dict(rows.all())


def theme_usage(theme_id: int) -> int:
    """How many sessions have this theme."""
    return (
        db.session.scalar(select(func.count(Session.id)).where(Session.theme_id == theme_id)) or 0
    )


def delete_theme(theme_id: int, *, confirm_in_use: bool, staff_user_id: int | None) -> int:
    """Delete a theme; sessions that had it keep their place without a theme (after a confirmation).

    Returns how many sessions lost the theme.
    """
    with one_change():
        theme = locked(Theme, theme_id)
        sessions = db.session.scalars(select(Session).where(Session.theme_id == theme.id)).all()
        if sessions and not confirm_in_use:
            raise ThemeInUse(len(sessions))
        for session in sessions:
            session.theme_id = None
        audit.record(
            "theme.delete",
            obj=theme,
            staff_user_id=staff_user_id,
            details={"slug": theme.slug, "name_en": theme.name_en, "sessions": len(sessions)},
        )
        db.session.delete(theme)
    return len(sessions)


def _theme_values(forum_id: int, fields: ThemeFields, *, theme_id: int | None) -> dict[str, Any]:
    slug = check_slug(fields.slug, "slug")
    taken = db.session.scalar(
        select(Theme.id).where(Theme.forum_id == forum_id, Theme.slug == slug, Theme.id != theme_id)
    )
    if taken:
        raise ProgrammeError(_l("Another theme has this short name."), field="slug")
    return {
        "slug": slug,
        "name_tr": check_text(fields.name_tr, THEME_NAME_MAX, "name_tr", required=True),
        "name_en": check_text(fields.name_en, THEME_NAME_MAX, "name_en", required=True),
        "description_tr": check_long_text(fields.description_tr, "description_tr"),
        "description_en": check_long_text(fields.description_en, "description_en"),
        "colour": check_colour(fields.colour),
        "position": check_number(fields.position, POSITION_MAX, "position"),
    }


# --- rooms -------------------------------------------------------------------------------------


def create_room(forum_id: int, fields: RoomFields, *, staff_user_id: int | None) -> Room:
    """Add a room to the forum's venue."""
    with one_change():
        room = Room(forum_id=forum_id)
        details = audit.changes(room, _room_values(forum_id, fields, room_id=None))
        db.session.add(room)
        db.session.flush()
        audit.record("room.create", obj=room, staff_user_id=staff_user_id, details=details)
    return room


def update_room(room_id: int, fields: RoomFields, *, staff_user_id: int | None) -> Room:
    """Rename a room or change its capacity; sessions keep the capacity they were given."""
    with one_change():
        room = locked(Room, room_id)
        details = audit.changes(room, _room_values(room.forum_id, fields, room_id=room.id))
        if details:
            audit.record("room.update", obj=room, staff_user_id=staff_user_id, details=details)
    return room


def rooms(forum_id: int) -> list[Room]:
    """The forum's rooms in timetable order."""
    return list(
        db.session.scalars(
            select(Room).where(Room.forum_id == forum_id).order_by(Room.position, Room.name)
        )
    )


def room_usages(forum_id: int) -> dict[int, int]:
    """Sessions per room of the forum (unused rooms left out)."""
    return _usages(Session.room_id, forum_id)


def room_usage(room_id: int) -> int:
    """How many sessions take place in this room."""
    return db.session.scalar(select(func.count(Session.id)).where(Session.room_id == room_id)) or 0


def delete_room(room_id: int, *, staff_user_id: int | None) -> None:
    """Delete a room that no session uses."""
    with one_change():
        room = locked(Room, room_id)
        used = room_usage(room.id)
        if used:
            raise ProgrammeError(
                _l(
                    "Sessions in this room: %(count)d. Move or delete them first.",
                    count=used,
                )
            )
        audit.record(
            "room.delete",
            obj=room,
            staff_user_id=staff_user_id,
            details={"name": room.name, "capacity": room.capacity},
        )
        db.session.delete(room)


def _room_values(forum_id: int, fields: RoomFields, *, room_id: int | None) -> dict[str, Any]:
    name = check_text(fields.name, ROOM_NAME_MAX, "name", required=True)
    taken = db.session.scalar(
        select(Room.id).where(Room.forum_id == forum_id, Room.name == name, Room.id != room_id)
    )
    if taken:
        raise ProgrammeError(_l("Another room has this name."), field="name")
    return {
        "name": name,
        "capacity": check_number(fields.capacity, CAPACITY_MAX, "capacity"),
        "position": check_number(fields.position, POSITION_MAX, "position"),
    }


# --- sessions ----------------------------------------------------------------------------------


def create_session(
    forum_id: int, fields: SessionFields, *, staff_user_id: int | None
) -> SessionSaved:
    """Add a session to the programme."""
    with one_change():
        session = Session(forum_id=forum_id)
        values, room = _session_values(forum_id, fields, session_id=None)
        details = audit.changes(session, values)
        db.session.add(session)
        db.session.flush()
        audit.record("session.create", obj=session, staff_user_id=staff_user_id, details=details)
    return _saved(session, room)


def update_session(
    session_id: int, fields: SessionFields, *, staff_user_id: int | None
) -> SessionSaved:
    """Change a session; its capacity may not drop below the seats already booked."""
    with one_change():
        session = locked(Session, session_id)
        values, room = _session_values(session.forum_id, fields, session_id=session.id)
        booked = booked_count(session.id)
        if values["capacity"] < booked:
            raise ProgrammeError(
                _l(
                    "Seats booked already: %(count)d. The capacity cannot be lower.",
                    count=booked,
                ),
                field="capacity",
            )
        details = audit.changes(session, values)
        if details:
            audit.record(
                "session.update", obj=session, staff_user_id=staff_user_id, details=details
            )
    old_capacity, new_capacity = details.get("capacity", (0, 0))
    if new_capacity > old_capacity:
        # More seats: registration moves the waitlist up at once and mails those who got a seat.
        signals.session_enlarged.send(session_id=session_id, staff_user_id=staff_user_id)
    return _saved(session, room)


def booked_count(session_id: int) -> int:
    """Seats booked in the session (the waitlist not counted)."""
    return (
        db.session.scalar(
            select(func.count(Seat.id)).where(
                Seat.session_id == session_id, Seat.status == SeatStatus.BOOKED
            )
        )
        or 0
    )


def booked_counts(forum_id: int) -> dict[int, int]:
    """Booked seats per session of the forum (sessions without bookings left out)."""
    rows = db.session.execute(
        select(Seat.session_id, func.count(Seat.id))
        .join(Session, Session.id == Seat.session_id)
        .where(Session.forum_id == forum_id, Seat.status == SeatStatus.BOOKED)
        .group_by(Seat.session_id)
    )
    return dict(rows.all())


def delete_session(session_id: int, *, confirm_booked: bool, staff_user_id: int | None) -> int:
    """Delete a session with its roles and seats; booked seats need a confirmation. Everyone who
    had a seat or a waitlist place in it is mailed once the deletion is committed.

    Returns the number of booked seats that went with it.
    """
    with one_change():
        session = locked(Session, session_id)
        booked = booked_count(session.id)
        if booked and not confirm_booked:
            raise SessionHasBookings(booked)
        holders = tuple(
            (registration_id, status == SeatStatus.BOOKED)
            for registration_id, status in db.session.execute(
                select(Seat.registration_id, Seat.status).where(Seat.session_id == session.id)
            )
        )
        gone = DeletedSession(
            id=session.id,
            forum_id=session.forum_id,
            title_tr=session.title_tr,
            title_en=session.title_en,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            room=session.room.name if session.room else "",
            holders=holders,
        )
        audit.record(
            "session.delete",
            obj=session,
            staff_user_id=staff_user_id,
            details={
                "title_en": session.title_en,
                "starts_at": session.starts_at.isoformat(),
                "room_id": session.room_id,
                "booked": booked,
            },
        )
        db.session.delete(session)
    # Registration mails everyone who had a seat or a waitlist place in it.
    signals.session_deleted.send(session=gone, staff_user_id=staff_user_id)
    return booked


def sessions_by_day(forum: Forum) -> list[tuple[date, list[Session]]]:
    """Every session of the forum with its theme, room and people, grouped by local day."""
    sessions = db.session.scalars(
        select(Session)
        .where(Session.forum_id == forum.id)
        .options(
            selectinload(Session.theme),
            selectinload(Session.room),
            selectinload(Session.roles).selectinload(SessionRole.person),
        )
        .order_by(Session.starts_at, Session.id)
    ).all()
    days: dict[date, list[Session]] = defaultdict(list)
    for session in sessions:
        days[session.starts_at.astimezone(forum.zone).date()].append(session)
    for sessions_of_day in days.values():
        sessions_of_day.sort(key=lambda s: (s.starts_at, s.room.position if s.room else 1_000_000))
    return sorted(days.items())


def _session_values(
    forum_id: int, fields: SessionFields, *, session_id: int | None
) -> tuple[dict[str, Any], Room | None]:
    # The forum's dates may not move while we check against them (FOR SHARE lets other sessions
    # be saved at the same time).
    forum = locked(Forum, forum_id, share=True)
    if fields.starts_at.tzinfo is None or fields.ends_at.tzinfo is None:
        raise ValueError("session times must be aware datetimes (see local_to_utc)")
    try:
        kind = SessionKind(fields.kind)
    except ValueError as error:
        raise ProgrammeError(_l("Unknown kind of session."), field="kind") from error
    if fields.ends_at <= fields.starts_at:
        raise ProgrammeError(_l("The session must end after it starts."), field="ends_at")
    first, last = forum_window(forum.starts_on, forum.ends_on, forum.zone)
    if fields.starts_at < first or fields.ends_at > last:
        raise ProgrammeError(
            _l(
                "The session must take place during the forum, %(first)s to %(last)s.",
                first=forum.starts_on.isoformat(),
                last=forum.ends_on.isoformat(),
            ),
            field="starts_at",
        )
    theme = db.session.get(Theme, fields.theme_id) if fields.theme_id is not None else None
    if fields.theme_id is not None and (theme is None or theme.forum_id != forum_id):
        raise ProgrammeError(_l("Unknown theme."), field="theme_id")
    room = None
    if fields.room_id is not None:
        room = locked(Room, fields.room_id, missing=_l("Unknown room."), field="room_id")
        if room.forum_id != forum_id:
            raise ProgrammeError(_l("Unknown room."), field="room_id")
        _check_room_free(room, fields.starts_at, fields.ends_at, except_id=session_id)
    capacity = fields.capacity if fields.capacity is not None else (room.capacity if room else None)
    if capacity is None:
        raise ProgrammeError(
            _l("Give the number of seats, or choose a room whose capacity it takes."),
            field="capacity",
        )
    return {
        "kind": kind,
        "title_tr": check_text(fields.title_tr, TITLE_MAX, "title_tr", required=True),
        "title_en": check_text(fields.title_en, TITLE_MAX, "title_en", required=True),
        "description_tr": check_long_text(fields.description_tr, "description_tr"),
        "description_en": check_long_text(fields.description_en, "description_en"),
        "starts_at": fields.starts_at.astimezone(UTC),
        "ends_at": fields.ends_at.astimezone(UTC),
        "theme_id": fields.theme_id,
        "room_id": fields.room_id,
        "capacity": check_number(capacity, CAPACITY_MAX, "capacity"),
        "needs_booking": bool(fields.needs_booking),
    }, room


def _check_room_free(
    room: Room, starts_at: datetime, ends_at: datetime, *, except_id: int | None
) -> None:
    """Refuse a time at which another session has the room (the caller holds the room's lock)."""
    query = select(Session).where(
        Session.room_id == room.id, Session.starts_at < ends_at, Session.ends_at > starts_at
    )
    if except_id is not None:
        query = query.where(Session.id != except_id)
    clash = db.session.scalars(query.order_by(Session.starts_at).limit(1)).first()
    if clash is not None:
        raise ProgrammeError(
            _l(
                "%(room)s is taken at that time by “%(title)s” (%(start)s – %(end)s).",
                room=room.name,
                title=lazy_title(clash),
                start=lazy_time(clash.starts_at),
                end=lazy_time(clash.ends_at, "HH:mm"),
            ),
            field="room_id",
        )


def _saved(session: Session, room: Room | None) -> SessionSaved:
    over = room.capacity if room is not None and session.capacity > room.capacity else None
    return SessionSaved(session, speaker_overlaps(session), room_capacity=over)
