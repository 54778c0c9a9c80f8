"""The offline bundle: what a scanner needs to judge badges at a point without the network.

The API documents each key (`maruf_reg/checkin/api.py`); the scanner's copy of the rules is in
`static/js/checkin/` (`presence.js` for who is inside, `scanner.js` for the rest).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from maruf_reg.checkin import points, presence
from maruf_reg.checkin.answers import iso_utc, window_json
from maruf_reg.checkin.points import PointNotFound
from maruf_reg.errors import N_
from maruf_reg.extensions import db
from maruf_reg.forum import day_bounds_at
from maruf_reg.models import (
    Category,
    CheckInPoint,
    Forum,
    Person,
    Registration,
    RegistrationStatus,
    Seat,
    SeatStatus,
    SessionRole,
    utcnow,
)
from maruf_reg.names import display_name


def bundle(point_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """What an offline scanner needs for a point (the API documents each key)."""
    point = db.session.get(CheckInPoint, point_id)
    if point is None:
        raise PointNotFound(N_("No check-in point %(id)s."), id=point_id)
    forum = db.session.get_one(Forum, point.forum_id)
    people = db.session.execute(
        select(
            Registration.id,
            Registration.category,
            Person.given_name,
            Person.family_name,
            Person.organisation,
        )
        .join(Person, Person.id == Registration.person_id)
        .where(
            Registration.forum_id == forum.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .order_by(Registration.id)
    )
    # Badges that no longer admit: every serial but `serial` (null: all of them). A registration
    # not listed here admits with serial 1 only — a new one, made after the bundle, included.
    revoked = db.session.execute(
        select(Registration.id, Registration.status, Registration.badge_serial)
        .where(
            Registration.forum_id == forum.id,
            or_(
                Registration.status != RegistrationStatus.CONFIRMED,
                Registration.badge_serial != 1,
            ),
        )
        .order_by(Registration.id)
    )
    allowed: list[int] | None = None
    session = point.session
    if session is not None and session.needs_booking:
        seated = select(Seat.registration_id).where(
            Seat.session_id == session.id, Seat.status == SeatStatus.BOOKED
        )
        speaking = (
            select(Registration.id)
            .join(SessionRole, SessionRole.person_id == Registration.person_id)
            .where(SessionRole.session_id == session.id, Registration.forum_id == forum.id)
        )
        allowed = sorted(db.session.scalars(seated.union(speaking)))
    moment = now or utcnow()
    day_start, _day_end = day_bounds_at(moment, forum.timezone)
    rules = points.rules(point.id)
    inside = presence.inside_ids(rules, moment)
    return {
        "point": points.point_json(point),
        "forum": {"id": forum.id, "timezone": forum.timezone},
        "generated_at": iso_utc(moment),
        "day": day_start.astimezone(ZoneInfo(forum.timezone)).date().isoformat(),
        "public_key": (forum.public_key or b"").hex(),
        "revoked": [
            {
                "id": row.id,
                "serial": row.badge_serial if row.status == RegistrationStatus.CONFIRMED else None,
            }
            for row in revoked
        ],
        "allowed": allowed,
        "inside": sorted(inside),
        # A session door's window and full-room rule (static/js/checkin/door_rules.js).
        "window": window_json(rules.window) if rules.window else None,
        "room": (
            {"capacity": rules.room.capacity, "policy": rules.room.policy.value}
            if rules.room
            else None
        ),
        "people": [
            {
                "id": row.id,
                "name": display_name(row.given_name, row.family_name),
                "category": Category(row.category).value,
                "organisation": row.organisation,
            }
            for row in people
        ],
    }
