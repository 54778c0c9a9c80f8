"""What happened at check-in points over a time: admissions, people, exits, refusals, inside.

One `PointCounts` for the door's live counts (the scanner page, `/api/v1/points/<id>/counts`) and
for the organisers' day counts (the dashboard's entrances). "Inside" is the rule of
`maruf_reg/checkin/presence.py`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, distinct, func, select

from maruf_reg.checkin import presence
from maruf_reg.checkin.scans import iso_utc
from maruf_reg.extensions import db
from maruf_reg.forum import day_bounds_at
from maruf_reg.models import (
    CheckInPoint,
    Forum,
    Outcome,
    Person,
    PointKind,
    Registration,
    Scan,
    utcnow,
)
from maruf_reg.names import display_name

#: scans that let nobody in or out
REFUSED = tuple(outcome for outcome in Outcome if outcome not in presence.MOVES)
LAST_SCANS = 10


@dataclass(frozen=True)
class PointCounts:
    """What happened at one point during a time (a forum day)."""

    point_id: int
    name: str = ""
    kind: PointKind = PointKind.OTHER
    counts_exit: bool = False
    #: admitted scans (a person who comes back twice counts twice)
    admissions: int = 0
    #: distinct people admitted
    people: int = 0
    exits: int = 0
    #: scans that let nobody in or out (already in, not allowed, revoked …)
    refused: int = 0
    #: people inside (see presence); None where it was not asked for
    inside: int | None = None
    #: the latest scans, newest first (live counts only)
    last_scans: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The live counts as the API gives them."""
        return {
            "point": self.point_id,
            "admitted_today": self.people,
            "inside_now": self.inside if self.inside is not None else self.people,
            "last_scans": self.last_scans,
        }


def tallies(
    point_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, tuple[int, int, int, int]]:
    """(admissions, people, exits, refused) per point in [start, end); points without scans left out."""
    if not point_ids:
        return {}
    admitted = Scan.outcome == Outcome.ADMITTED
    rows = db.session.execute(
        select(
            Scan.point_id,
            func.count(case((admitted, 1))),
            func.count(distinct(case((admitted, Scan.registration_id)))),
            func.count(case((Scan.outcome == Outcome.EXITED, 1))),
            func.count(case((Scan.outcome.in_(REFUSED), 1))),
        )
        .where(Scan.point_id.in_(point_ids), Scan.scanned_at >= start, Scan.scanned_at < end)
        .group_by(Scan.point_id)
    ).all()
    return {int(row[0]): (int(row[1]), int(row[2]), int(row[3]), int(row[4])) for row in rows}


def point_counts(
    points: Sequence[CheckInPoint], start: datetime, end: datetime, *, inside_at: Collection[int]
) -> list[PointCounts]:
    """Counts of each point in [start, end); `inside` for the points in `inside_at`, else None."""
    found = tallies([point.id for point in points], start, end)
    inside = presence.inside_by_point([p.id for p in points if p.id in inside_at], start, end)
    return [
        PointCounts(
            point.id,
            point.name,
            point.kind,
            point.counts_exit,
            *found.get(point.id, (0, 0, 0, 0)),
            inside=inside.get(point.id, 0) if point.id in inside_at else None,
        )
        for point in points
    ]


def live_counts(
    forum: Forum, point_ids: Iterable[int], *, now: datetime | None = None, last: int = LAST_SCANS
) -> dict[int, PointCounts]:
    """Per point, today (the forum's day): people admitted, people inside, and the last scans."""
    ids = list(point_ids)
    start, end = day_bounds_at(now or utcnow(), forum.timezone)
    found = tallies(ids, start, end)
    inside = presence.inside_by_point(ids, start, end)
    return {
        point_id: PointCounts(
            point_id,
            *("", PointKind.OTHER, False),
            *found.get(point_id, (0, 0, 0, 0)),
            inside=inside.get(point_id, 0),
            last_scans=last_scans(point_id, limit=last) if last else [],
        )
        for point_id in ids
    }


def last_scans(point_id: int, *, limit: int = LAST_SCANS) -> list[dict[str, Any]]:
    """The latest scans at a point (by the time they happened), newest first."""
    rows = db.session.execute(
        select(
            Scan.scanned_at,
            Scan.outcome,
            Scan.device,
            Scan.manual,
            Scan.offline,
            Scan.forced,
            Person.given_name,
            Person.family_name,
        )
        .outerjoin(Registration, Registration.id == Scan.registration_id)
        .outerjoin(Person, Person.id == Registration.person_id)
        .where(Scan.point_id == point_id)
        .order_by(Scan.scanned_at.desc(), Scan.id.desc())
        .limit(limit)
    )
    return [
        {
            "scanned_at": iso_utc(row.scanned_at),
            "outcome": Outcome(row.outcome).value,
            "name": display_name(row.given_name or "", row.family_name or ""),
            "device": row.device,
            "manual": row.manual,
            "offline": row.offline,
            "forced": row.forced,
        }
        for row in rows
    ]
