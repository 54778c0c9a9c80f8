"""The programme's rules: the forum's settings, its themes, rooms and sessions.

Who speaks in a session is in `speakers`; the checks and locks every change shares, and the error
a refused change raises, are in `rules` (read its docstring for how concurrent changes are kept
apart).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from maruf_reg import audit, badge_tokens
from maruf_reg.extensions import db
from maruf_reg.forum import forum_window
from maruf_reg.models import (
    Forum,
    Room,
    Session,
    Theme,
)
from maruf_reg.program.rules import (
    CAPACITY_MAX,
    CITY_MAX,
    FORUM_NAME_MAX,
    POSITION_MAX,
    ROOM_NAME_MAX,
    THEME_NAME_MAX,
    VENUE_MAX,
    ProgrammeError,
    ThemeInUse,
    check_colour,
    check_long_text,
    check_number,
    check_slug,
    check_text,
    locked,
    one_change,
)


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
    description_tr: str = ""
    description_en: str = ""


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
    "description_tr",
    "description_en",
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
        details = audit.changes(forum, forum_values(fields))
        badge_tokens.ensure_keys(forum, secret_key=secret_key)
        db.session.add(forum)
        db.session.flush()
        audit.record("forum.create", obj=forum, staff_user_id=staff_user_id, details=details)
    return forum


def update_forum(forum_id: int, fields: ForumFields, *, staff_user_id: int | None) -> Forum:
    """Change the forum's settings; its dates and time zone must still hold every session."""
    with one_change():
        forum = locked(Forum, forum_id)
        values = forum_values(fields)
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


def forum_values(fields: ForumFields) -> dict[str, Any]:
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
        "description_tr": check_long_text(fields.description_tr, "description_tr"),
        "description_en": check_long_text(fields.description_en, "description_en"),
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
