"""Every session gets its door: a check-in point bound to it, unless the organiser marks the
session "no check-in".

The programme may not import check-in; it sends `sessions_created`, `session_changed` and
`session_deleting` (`maruf_reg/signals.py`) inside its transaction, and the receivers here add or
change the doors in that same transaction (they never commit): a session and its door are saved
together. Entrances and other points are never touched.

- A new session (admin form, a new edition's copied programme) gets a session point named
  "room · title" (`door_name`), active, admitting every category, not counting exits.
- A renamed or moved session keeps its door; the door's name follows when it is still the name
  made from the session's old title and room (a name the organiser chose stays).
- A session that is no longer "no check-in" gets its door then; marking it "no check-in" later
  leaves an existing door alone (switch it off on the points page).
- A deleted session's door is switched off; it keeps its scans (its `session_id` is set to null by
  the database), so the entrance and scan figures of the reports do not change.
- `give_doors(forum_id)` gives a door to every session that needs one and has none (the
  organisers' button on the programme page); the migration that brought doors did the same for
  the sessions that existed then.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import exists, select

from maruf_reg import audit, signals
from maruf_reg.extensions import db
from maruf_reg.models import CheckInPoint, PointKind, Room, Session

#: the longest point name the column holds
NAME_MAX = 100


def door_name(title_tr: str, room: str) -> str:
    """The name a session's door is given: "room · title" (the title alone without a room)."""
    return (f"{room} · {title_tr}" if room else title_tr)[:NAME_MAX]


def _has_door() -> Any:
    return exists().where(
        CheckInPoint.session_id == Session.id, CheckInPoint.kind == PointKind.SESSION
    )


def doorless(forum_id: int) -> list[Session]:
    """The forum's sessions without a door that are not marked "no check-in", by start."""
    return list(
        db.session.scalars(
            select(Session)
            .where(Session.forum_id == forum_id, Session.no_checkin.is_(False), ~_has_door())
            .order_by(Session.starts_at, Session.id)
        )
    )


def _add_doors(session_ids: Iterable[int], *, staff_user_id: int | None) -> int:
    """Doors for those of the sessions that need one and have none (no commit)."""
    ids = list(session_ids)
    if not ids:
        return 0
    rows = db.session.execute(
        select(Session.id, Session.forum_id, Session.title_tr, Room.name)
        .outerjoin(Room, Room.id == Session.room_id)
        .where(Session.id.in_(ids), Session.no_checkin.is_(False), ~_has_door())
    ).all()
    for session_id, forum_id, title_tr, room in rows:
        point = CheckInPoint(
            forum_id=forum_id,
            name=door_name(title_tr, room or ""),
            kind=PointKind.SESSION,
            session_id=session_id,
            categories=[],
            counts_exit=False,
            active=True,
        )
        db.session.add(point)
        db.session.flush()
        audit.record(
            "checkin_point.create",
            obj=point,
            staff_user_id=staff_user_id,
            actor="staff" if staff_user_id else "system",
            details={"session_id": session_id, "name": point.name, "automatic": True},
        )
    return len(rows)


def give_doors(forum_id: int | None = None, *, staff_user_id: int | None = None) -> int:
    """Give every session without a door its door (one forum, or all); commits. Returns how many."""
    query = select(Session.id).where(Session.no_checkin.is_(False), ~_has_door())
    if forum_id is not None:
        query = query.where(Session.forum_id == forum_id)
    made = _add_doors(db.session.scalars(query).all(), staff_user_id=staff_user_id)
    db.session.commit()
    return made


@signals.sessions_created.connect
def _doors_for_new_sessions(
    sender: Any, *, session_ids: tuple[int, ...], staff_user_id: int | None
) -> None:
    _add_doors(session_ids, staff_user_id=staff_user_id)


@signals.session_changed.connect
def _door_follows(
    sender: Any, *, session_id: int, before: signals.SessionNames, staff_user_id: int | None
) -> None:
    row = db.session.execute(
        select(Session.title_tr, Room.name)
        .outerjoin(Room, Room.id == Session.room_id)
        .where(Session.id == session_id)
    ).first()
    if row is None:
        return
    old_name = door_name(before.title_tr, before.room)
    new_name = door_name(row[0], row[1] or "")
    doors = db.session.scalars(
        select(CheckInPoint).where(
            CheckInPoint.session_id == session_id, CheckInPoint.kind == PointKind.SESSION
        )
    ).all()
    for door in doors:
        if door.name == old_name and new_name != old_name:
            audit.record(
                "checkin_point.update",
                obj=door,
                staff_user_id=staff_user_id,
                actor="staff" if staff_user_id else "system",
                details={"name": [door.name, new_name]},
            )
            door.name = new_name
    _add_doors([session_id], staff_user_id=staff_user_id)


@signals.session_deleting.connect
def _door_closes(sender: Any, *, session_id: int, staff_user_id: int | None) -> None:
    doors = db.session.scalars(
        select(CheckInPoint).where(
            CheckInPoint.session_id == session_id, CheckInPoint.active.is_(True)
        )
    ).all()
    for door in doors:
        door.active = False
        audit.record(
            "checkin_point.update",
            obj=door,
            staff_user_id=staff_user_id,
            actor="staff" if staff_user_id else "system",
            details={"active": [True, False], "session_deleted": session_id},
        )
