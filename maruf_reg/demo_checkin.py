"""The demo forum's check-in points and, when asked for (`--scans N`), its scans."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from maruf_reg.checkin.doors import door_name
from maruf_reg.demo_programme import local
from maruf_reg.extensions import db
from maruf_reg.models import (
    CheckInPoint,
    Direction,
    Forum,
    Outcome,
    PointKind,
    Session,
)


def demo_points(forum: Forum, sessions: list[Session]) -> dict[str, Any]:
    entrance = CheckInPoint(
        forum=forum, name="Ana Giriş", kind=PointKind.ENTRANCE, counts_exit=True
    )
    door_b = CheckInPoint(forum=forum, name="B Kapısı", kind=PointKind.ENTRANCE, counts_exit=True)
    by_session = {
        s.id: CheckInPoint(
            forum=forum,
            name=door_name(s.title_tr, s.room.name if s.room else ""),
            kind=PointKind.SESSION,
            session=s,
        )
        for s in sessions
    }
    db.session.add_all([entrance, door_b, *by_session.values()])
    db.session.flush()
    return {"entrances": [entrance, door_b], "sessions": by_session}


def demo_scans(
    forum: Forum,
    points: dict[str, Any],
    booked: dict[int, list[Session]],
    wanted: int,
    rng: random.Random,
) -> list[dict[str, Any]]:
    """Plausible scans for report benchmarks: entrance in and out each day, session doors, repeats."""
    rows: list[dict[str, Any]] = []
    if wanted == 0 or not booked:
        return rows
    days = [forum.starts_on + timedelta(days=n) for n in range(3)]
    people = list(booked)

    def scan(
        reg_id: int,
        point: CheckInPoint,
        at: datetime,
        outcome: Outcome,
        direction: Direction = Direction.IN,
    ) -> None:
        rows.append(
            {
                "uuid": str(uuid.UUID(int=rng.getrandbits(128))),
                "point_id": point.id,
                "registration_id": reg_id,
                "serial": 1,
                "device": "demo",
                "scanned_at": at,
                "received_at": at + timedelta(seconds=1),
                "direction": direction,
                "outcome": outcome,
                "offline": False,
                "manual": False,
                "forced": False,
                "response": "",
            }
        )

    while len(rows) < wanted:
        reg_id = rng.choice(people)
        day = rng.choice(days)
        door = rng.choice(points["entrances"])
        arrival = local(forum, day, 8, 30) + timedelta(minutes=rng.randrange(150))
        scan(reg_id, door, arrival, Outcome.ADMITTED)
        if rng.random() < 0.05:
            scan(reg_id, door, arrival + timedelta(seconds=20), Outcome.ALREADY_IN)
        for session in booked[reg_id]:
            if session.starts_at.astimezone(forum.zone).date() == day and rng.random() < 0.8:
                at = session.starts_at - timedelta(minutes=rng.randrange(15))
                scan(reg_id, points["sessions"][session.id], at, Outcome.ADMITTED)
        if rng.random() < 0.6:
            scan(
                reg_id,
                door,
                local(forum, day, 17, 0) + timedelta(minutes=rng.randrange(120)),
                Outcome.EXITED,
                Direction.OUT,
            )
    return rows[:wanted]
