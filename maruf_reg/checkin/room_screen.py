"""What the venue's screens show (`/screen`): per room, the session now and the next one, with
the seats left or ROOM FULL. No person is named, only sessions and numbers.

Seats left = the session's capacity − the people inside it now, by the one presence rule
(`presence.inside_by_session`: its doors' admissions and exits). A session without a door (marked
"no check-in") shows no seat count. Many TVs ask every few seconds: the answer is built with two
queries and kept `SCREEN_SECONDS` (a setting) per process; its texts are chosen per language at render
time from the kept values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, select

from maruf_reg.caching import AppCache
from maruf_reg.checkin import presence
from maruf_reg.extensions import db
from maruf_reg.forum import public_forum
from maruf_reg.models import CheckInPoint, PointKind, Room, Session
from maruf_reg.text import localized

#: how far ahead "next" looks (the rest of a long day)
NEXT_WITHIN = timedelta(hours=12)


@dataclass(frozen=True)
class ScreenSession:
    id: int
    title_tr: str
    title_en: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    #: people inside now; None when the session is not running or has no door
    inside: int | None = None

    def title(self, locale: str) -> str:
        return localized(self, "title", locale)

    @property
    def seats_left(self) -> int | None:
        return None if self.inside is None else max(self.capacity - self.inside, 0)

    @property
    def full(self) -> bool:
        return self.inside is not None and self.inside >= self.capacity


@dataclass(frozen=True)
class ScreenRoom:
    name: str
    now: ScreenSession | None
    next: ScreenSession | None


@dataclass(frozen=True)
class Screen:
    forum_name_tr: str
    forum_name_en: str
    timezone: str
    at: datetime
    rooms: tuple[ScreenRoom, ...]

    def forum_name(self, locale: str) -> str:
        return localized(self, "forum_name", locale)


_cache: AppCache[str, Screen | None] = AppCache("room-screen", maxsize=4, ttl="SCREEN_SECONDS")


def screen(now: datetime | None = None) -> Screen | None:
    """The public forum's screen now (kept a few seconds); None without a forum. With `now`, the
    screen at that moment, built afresh (tests)."""
    if now is not None:
        return _build(now)
    cached = _cache.get("public")
    if cached is None:
        cached = _build(datetime.now(UTC))
        _cache.set("public", cached)
    return cached


def _build(now: datetime) -> Screen | None:
    forum = public_forum()
    if forum is None:
        return None
    has_door = exists().where(
        CheckInPoint.session_id == Session.id,
        CheckInPoint.kind == PointKind.SESSION,
        CheckInPoint.active.is_(True),
    )
    rows = db.session.execute(
        select(Session, Room.name, Room.position, has_door.label("has_door"))
        .outerjoin(Room, Room.id == Session.room_id)
        .where(
            Session.forum_id == forum.id,
            Session.ends_at > now,
            Session.starts_at < now + NEXT_WITHIN,
        )
        .order_by(Room.position, Room.name, Session.starts_at, Session.id)
    ).all()
    running = [s.id for s, _name, _pos, door in rows if door and s.starts_at <= now]
    inside = presence.inside_by_session(running)
    rooms: dict[str, list[ScreenSession]] = {}
    for session, room_name, _position, door in rows:
        item = ScreenSession(
            id=session.id,
            title_tr=session.title_tr,
            title_en=session.title_en,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            capacity=session.capacity,
            inside=inside.get(session.id, 0) if door and session.starts_at <= now else None,
        )
        # A session without a room stands alone (an exhibition across the venue).
        rooms.setdefault(room_name or f"\x00{session.id}", []).append(item)
    return Screen(
        forum_name_tr=forum.name_tr,
        forum_name_en=forum.name_en,
        timezone=forum.timezone,
        at=now,
        rooms=tuple(_room(name, items, now) for name, items in rooms.items()),
    )


def _room(name: str, items: list[ScreenSession], now: datetime) -> ScreenRoom:
    current = next((s for s in items if s.starts_at <= now), None)
    upcoming = next((s for s in items if s.starts_at > now), None)
    return ScreenRoom(name="" if name.startswith("\x00") else name, now=current, next=upcoming)
