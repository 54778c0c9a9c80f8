"""The audit log: who changed what, and when. Services call `record` inside their transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from maruf_reg.database import mark_written
from maruf_reg.extensions import db
from maruf_reg.models import AuditLog, Forum


def record(
    action: str,
    *,
    obj: Any = None,
    forum_id: int | None = None,
    staff_user_id: int | None = None,
    actor: str = "staff",
    details: dict[str, Any] | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
) -> AuditLog:
    """Add an audit entry to the session; it is committed with the change it describes.

    `actor` is ``staff`` (give `staff_user_id`), ``self`` (the person, through the personal link)
    or ``system`` (worker, CLI, demo). A row written without an ORM object is named by
    `object_type` (its model's name, lower case) and `object_id`.
    """
    if forum_id is None:
        forum_id = obj.id if isinstance(obj, Forum) else getattr(obj, "forum_id", None)
    entry = AuditLog(
        action=action,
        object_type=object_type or (type(obj).__name__.lower() if obj is not None else ""),
        object_id=object_id if object_id is not None else getattr(obj, "id", None),
        forum_id=forum_id,
        staff_user_id=staff_user_id,
        actor=actor,
        details=details or {},
    )
    db.session.add(entry)
    return entry


_NEW_ENTRY = insert(AuditLog)


def write(
    action: str,
    *,
    forum_id: int | None,
    object_type: str,
    object_id: int,
    actor: str,
    details: dict[str, Any],
    staff_user_id: int | None = None,
) -> None:
    """Write an audit entry at once, with a Core statement on the session's connection, for a
    change written the same way (a sign-up): no ORM object, no unit of work at the commit.
    Still inside the caller's transaction: it is committed, or rolled back, with the change."""
    db.session.connection().execute(
        _NEW_ENTRY,
        {
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "forum_id": forum_id,
            "staff_user_id": staff_user_id,
            "actor": actor,
            "details": details,
        },
    )
    mark_written()


def changes(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set attributes on `obj` from `values`; return {field: [old, new]} for those that changed."""
    changed: dict[str, list[Any]] = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changed[name] = [_plain(old), _plain(new)]
            setattr(obj, name, new)
    return changed


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
