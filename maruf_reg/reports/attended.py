"""Who attended a session: the one rule the session figures, the themes, the exports and the
certificates read (README, "Reports", definitions).

A registration attended a session when it has an `admitted` scan at one of the session's points
inside that point's window — from the session's start less the door's opening minutes to its end
plus the closing minutes, the scan path's window (`maruf_reg/checkin/door_rules.py`) — or a forced
`admitted` scan there at any time (staff "admit anyway", an offline device's double admission:
people who were let in; the session report counts them apart). An admission a month early, stored
before doors had windows, is not attendance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select

from maruf_reg.checkin.points import door_settings
from maruf_reg.extensions import db
from maruf_reg.models import CheckInPoint, Outcome, Registration, Scan, Session


def session_points(forum_id: int, session_ids: Iterable[int] | None = None) -> list[int]:
    """Ids of the check-in points that admit to the forum's sessions (or to the given ones)."""
    query = select(CheckInPoint.id).where(
        CheckInPoint.forum_id == forum_id, CheckInPoint.session_id.is_not(None)
    )
    if session_ids is not None:
        query = query.where(CheckInPoint.session_id.in_(list(session_ids)))
    return list(db.session.scalars(query).all())


def counted_admission(
    forum_id: int, session_ids: Iterable[int] | None = None
) -> ColumnElement[bool]:
    """On `Scan`: an admission that counts as attendance at the forum's (or the given) sessions."""
    query = (
        select(
            CheckInPoint.id,
            CheckInPoint.opens_minutes,
            CheckInPoint.closes_minutes,
            CheckInPoint.full_policy,
            Session.starts_at,
            Session.ends_at,
        )
        .join(Session, Session.id == CheckInPoint.session_id)
        .where(CheckInPoint.forum_id == forum_id)
    )
    if session_ids is not None:
        query = query.where(CheckInPoint.session_id.in_(list(session_ids)))
    points = db.session.execute(query).all()
    if not points:
        return false()
    windows = []
    for point in points:
        opens, closes, _policy = door_settings(point)
        windows.append(
            and_(
                Scan.point_id == point.id,
                Scan.scanned_at >= point.starts_at - timedelta(minutes=opens),
                Scan.scanned_at < point.ends_at + timedelta(minutes=closes),
            )
        )
    # Naming the points lets the database read their scans from the (point, time, outcome …) index.
    return and_(
        Scan.point_id.in_([point.id for point in points]),
        Scan.outcome == Outcome.ADMITTED,
        Scan.registration_id.is_not(None),
        or_(Scan.forced.is_(True), *windows),
    )


def attendance(
    session_ids: Iterable[int] | None,
    forum_id: int,
    registration_ids: Sequence[int] | None = None,
) -> Any:
    """(session_id, rid) of everyone who attended the sessions (or the forum's): a subquery;
    `registration_ids` reads only their scans (an export's batch)."""
    query = (
        select(CheckInPoint.session_id.label("session_id"), Scan.registration_id.label("rid"))
        .join(CheckInPoint, CheckInPoint.id == Scan.point_id)
        .where(counted_admission(forum_id, session_ids))
        .group_by(CheckInPoint.session_id, Scan.registration_id)
    )
    if registration_ids is not None:
        query = query.where(Scan.registration_id.in_(list(registration_ids)))
    return query.subquery("attendance")


def attended_by(forum_id: int, registration_ids: Sequence[int]) -> dict[int, set[int]]:
    """The sessions each of these registrations attended (reads only their scans)."""
    found: dict[int, set[int]] = defaultdict(set)
    if not registration_ids:
        return found
    came = attendance(None, forum_id, registration_ids)
    for session_id, rid in db.session.execute(select(came.c.session_id, came.c.rid)):
        found[int(rid)].add(int(session_id))
    return found


def attended_session_ids(registration_id: int) -> list[int]:
    """The sessions one registration attended (its certificate's)."""
    forum_id = db.session.scalar(
        select(Registration.forum_id).where(Registration.id == registration_id)
    )
    if forum_id is None:
        return []
    return sorted(attended_by(forum_id, [registration_id]).get(registration_id, set()))


def registrations_that_attended(forum_id: int) -> list[int]:
    """Ids of the forum's registrations that attended at least one session, in id order."""
    came = attendance(None, forum_id)
    return [
        int(rid) for rid in db.session.scalars(select(came.c.rid).distinct().order_by(came.c.rid))
    ]


def forced_attendance(forum_id: int, session_id: int) -> int:
    """How many of a session's attendees were let in by a forced admission (and no other)."""
    came = attendance([session_id], forum_id)
    regular = (
        select(Scan.registration_id)
        .join(CheckInPoint, CheckInPoint.id == Scan.point_id)
        .where(counted_admission(forum_id, [session_id]), Scan.forced.is_(False))
    )
    return len(db.session.scalars(select(came.c.rid).where(came.c.rid.not_in(regular))).all())
