"""Check-in points: the doors where badges are scanned, their rules, and the errors of check-in.

Every scan needs its point's rules; they change rarely, so each process keeps them a few seconds
(`POINT_CACHE_SECONDS`). Saving a point, a session or a forum forgets them in this process at once;
other processes see the change within that time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import bindparam, event, select

from maruf_reg import audit
from maruf_reg.caching import AppCache
from maruf_reg.checkin.door_rules import RoomRule, Window
from maruf_reg.errors import N_, RuleError
from maruf_reg.extensions import db
from maruf_reg.models import Category, CheckInPoint, Forum, FullPolicy, PointKind, Session


class CheckinError(RuleError):
    """A check-in request cannot be processed; the message says why."""


class PointNotFound(CheckinError):
    """No check-in point with this id."""


class PointFormError(CheckinError):
    """A check-in point's settings contradict each other."""


@dataclass(frozen=True)
class PointRules:
    """What the scan path needs to know of a point (kept a few seconds per process)."""

    id: int
    forum_id: int
    name: str
    kind: PointKind
    session_id: int | None
    categories: tuple[str, ...]
    counts_exit: bool
    needs_booking: bool
    public_key: bytes
    timezone: str
    active: bool = True
    #: a session door's window and room rule (`maruf_reg/checkin/door_rules.py`)
    window: Window | None = None
    room: RoomRule | None = None
    #: the points of the same session (a room's occupancy is counted over all its doors)
    session_points: tuple[int, ...] = ()


_points = CheckInPoint.__table__
_forums = Forum.__table__
_sessions = Session.__table__
_POINT = (
    select(
        _points.c.id,
        _points.c.forum_id,
        _points.c.name,
        _points.c.kind,
        _points.c.session_id,
        _points.c.categories,
        _points.c.counts_exit,
        _points.c.active,
        _points.c.opens_minutes,
        _points.c.closes_minutes,
        _points.c.full_policy,
        _sessions.c.needs_booking,
        _sessions.c.starts_at,
        _sessions.c.ends_at,
        _sessions.c.capacity,
        _forums.c.public_key,
        _forums.c.timezone,
    )
    .select_from(
        _points.join(_forums, _forums.c.id == _points.c.forum_id).outerjoin(
            _sessions, _sessions.c.id == _points.c.session_id
        )
    )
    .where(_points.c.id == bindparam("point_id"))
)

POINT_CACHE_SECONDS = 5
_cache: AppCache[int, PointRules] = AppCache("points", maxsize=1024, ttl=POINT_CACHE_SECONDS)


def rules(point_id: int) -> PointRules:
    """The point's rules, from this process's cache when fresh. Raises PointNotFound."""
    cached = _cache.get(point_id)
    if cached is not None:
        return cached
    point = _load(point_id)
    _cache.set(point_id, point)
    return point


def forget_points() -> None:
    """Drop this process's remembered point rules (after a point, session or forum changed)."""
    _cache.clear()


def _forget_on_change(mapper: Any, connection: Any, target: Any) -> None:
    if has_app_context():
        forget_points()


for _model in (CheckInPoint, Session, Forum):
    for _event in ("after_insert", "after_update", "after_delete"):
        event.listen(_model, _event, _forget_on_change)


def _load(point_id: int) -> PointRules:
    row = db.session.connection().execute(_POINT, {"point_id": point_id}).first()
    if row is None:
        raise PointNotFound(N_("No check-in point %(id)s."), id=point_id)
    kind = PointKind(row.kind)
    session_id = row.session_id if kind == PointKind.SESSION else None
    window = _window(row) if session_id is not None else None
    room = _room(row) if session_id is not None and row.counts_exit else None
    return PointRules(
        id=row.id,
        forum_id=row.forum_id,
        name=row.name,
        # A session point whose session was deleted judges like any other point.
        kind=kind if session_id is not None or kind != PointKind.SESSION else PointKind.OTHER,
        session_id=session_id,
        categories=tuple(row.categories or ()),
        counts_exit=bool(row.counts_exit),
        needs_booking=bool(row.needs_booking) if session_id is not None else False,
        public_key=bytes(row.public_key or b""),
        timezone=row.timezone,
        active=bool(row.active),
        window=window,
        room=room,
        session_points=_session_points(session_id) if room is not None else (),
    )


def door_settings(point: Any) -> tuple[int, int, FullPolicy]:
    """A point's window minutes (before the start, after the end) and full-room policy, the
    settings filling what the point leaves empty."""
    config = current_app.config
    opens = point.opens_minutes
    closes = point.closes_minutes
    return (
        int(config["SESSION_DOOR_OPENS_MINUTES"] if opens is None else opens),
        int(config["SESSION_DOOR_CLOSES_MINUTES"] if closes is None else closes),
        FullPolicy(point.full_policy or config["SESSION_DOOR_FULL_POLICY"]),
    )


def _window(row: Any) -> Window:
    opens, closes, _policy = door_settings(row)
    starts_at: datetime = row.starts_at
    ends_at: datetime = row.ends_at
    return Window(
        opens_at=starts_at - timedelta(minutes=opens),
        closes_at=ends_at + timedelta(minutes=closes),
        starts_at=starts_at,
        ends_at=ends_at,
    )


def _room(row: Any) -> RoomRule | None:
    """The session's capacity at a door that counts exits (0: no limit)."""
    if not row.capacity:
        return None
    return RoomRule(capacity=int(row.capacity), policy=door_settings(row)[2])


def _session_points(session_id: int | None) -> tuple[int, ...]:
    found = db.session.connection().execute(
        select(_points.c.id).where(_points.c.session_id == session_id).order_by(_points.c.id)
    )
    return tuple(found.scalars())


def point_json(point: CheckInPoint) -> dict[str, Any]:
    return {
        "id": point.id,
        "name": point.name,
        "kind": point.kind.value,
        "session": point.session_id,
        "categories": list(point.categories or []),
        "counts_exit": point.counts_exit,
    }


def points(forum_id: int, *, include_inactive: bool = False) -> list[CheckInPoint]:
    """The forum's check-in points: entrances first, then sessions by start, then the others."""
    query = (
        select(CheckInPoint)
        .outerjoin(Session, Session.id == CheckInPoint.session_id)
        .where(CheckInPoint.forum_id == forum_id)
        .order_by(CheckInPoint.kind, Session.starts_at, CheckInPoint.name, CheckInPoint.id)
    )
    if not include_inactive:
        query = query.where(CheckInPoint.active.is_(True))
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class PointFields:
    """A check-in point as the organiser describes it."""

    name: str
    kind: PointKind
    session_id: int | None
    categories: Sequence[str]
    counts_exit: bool
    active: bool = True
    #: a session door's window minutes and full-room policy (None: the settings)
    opens_minutes: int | None = None
    closes_minutes: int | None = None
    full_policy: FullPolicy | None = None


MAX_WINDOW_MINUTES = 24 * 60


def _door_values(fields: PointFields) -> dict[str, Any]:
    """A session door's window and full-room policy (other points keep none)."""
    for name in ("opens_minutes", "closes_minutes"):
        minutes = getattr(fields, name)
        if minutes is not None and not 0 <= minutes <= MAX_WINDOW_MINUTES:
            raise PointFormError(
                N_("Minutes from 0 to %(most)s."), field=name, most=MAX_WINDOW_MINUTES
            )
    session = fields.kind == PointKind.SESSION
    return {
        "opens_minutes": fields.opens_minutes if session else None,
        "closes_minutes": fields.closes_minutes if session else None,
        "full_policy": fields.full_policy if session else None,
    }


def _check(forum_id: int, fields: PointFields) -> dict[str, Any]:
    name = fields.name.strip()
    if not name:
        raise PointFormError(N_("A point needs a name."), field="name")
    unknown = set(fields.categories) - {c.value for c in Category}
    if unknown:
        raise PointFormError(
            N_("Unknown categories: %(names)s."), field="categories", names=", ".join(unknown)
        )
    if fields.kind == PointKind.SESSION and fields.session_id is None:
        raise PointFormError(N_("A session point needs its session."), field="session")
    if fields.kind != PointKind.SESSION and fields.session_id is not None:
        raise PointFormError(N_("Only a session point has a session."), field="session")
    if fields.session_id is not None:
        session_forum = db.session.scalar(
            select(Session.forum_id).where(Session.id == fields.session_id)
        )
        if session_forum != forum_id:
            raise PointFormError(N_("The session is not in this forum."), field="session")
    return {
        "name": name,
        "kind": fields.kind,
        "session_id": fields.session_id,
        "categories": [c.value for c in Category if c.value in set(fields.categories)],
        "counts_exit": bool(fields.counts_exit),
        "active": bool(fields.active),
        **_door_values(fields),
    }


def save_point(
    point_id: int | None, fields: PointFields, *, forum_id: int, staff_user_id: int | None
) -> CheckInPoint:
    """Create or change a check-in point (audited); a session point needs a session of the forum."""
    values = _check(forum_id, fields)
    if point_id is None:
        point = CheckInPoint(forum_id=forum_id)
        db.session.add(point)
    else:
        found = db.session.get(CheckInPoint, point_id)
        if found is None or found.forum_id != forum_id:
            raise PointNotFound(N_("No check-in point %(id)s."), id=point_id)
        point = found
    details = audit.changes(point, values)
    db.session.flush()
    if details or point_id is None:
        action = "checkin_point.create" if point_id is None else "checkin_point.update"
        audit.record(action, obj=point, staff_user_id=staff_user_id, details=details)
    db.session.commit()
    return point
