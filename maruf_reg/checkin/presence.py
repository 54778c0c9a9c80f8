"""Who is inside: the one rule, in the forms the scan path, the live counts and the reports need.

The rule. Take a registration's `admitted` and `exited` scans in a scope, in (`scanned_at`, id)
order: an admission puts the person inside, an exit outside, a repeat changes nothing. The person
is inside when the last of those scans is an admission; the admission that counts (the one an
`already_in` answer names) is the earliest admission after the latest exit. Refused scans
(`already_in`, `not_allowed` …) move nobody. An exit can only be scanned at points that count
exits, so elsewhere "inside" lasts as long as the scope.

Scopes. A scan at a point is judged among the scans of
- a session point: every point of the same session (a session is one room at one time);
- an entrance: every entrance of the forum, on the same forum day (the forum's time zone);
- any other point (the exhibition): that point alone, on the same forum day.
Counts and reports choose a set of points and a time range (one point today, all entrances on a
day, the points of a session) and apply the same rule to it.

The forms of the rule, each used by several places:
- `Presence`: the fold in Python — the scan path's "already in" (`admission_that_counts`) and the
  offline bundle's list of people inside (`inside_ids`);
- `last_moves` + `is_inside`: in SQL, per person — inside now at a point or at the entrances
  (`maruf_reg/checkin/counts.py`, the dashboard), and how many are in a session's room
  (`inside_count`, `inside_if_at_least`: the scan path's full-room rule);
- `occupancy_changes`: in SQL, over time — a session's occupancy and its peak (the reports).
- `inside_by_session`: in SQL, per session now — the room screen's seats left
  (`maruf_reg/checkin/room_screen.py`).
The offline scanner has its own copy of the fold: `static/js/checkin/presence.js`.
`tests/checkin/test_presence.py` feeds the same scans to every form and to the JavaScript copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Connection, and_, bindparam, case, func, or_, select

from maruf_reg.checkin.points import PointRules
from maruf_reg.extensions import db
from maruf_reg.forum import day_bounds_at
from maruf_reg.models import CheckInPoint, Outcome, PointKind, Scan

T = TypeVar("T")

#: the outcomes that move a person in or out; every other outcome moves nobody
MOVES = (Outcome.ADMITTED, Outcome.EXITED)

_scans = Scan.__table__
_points = CheckInPoint.__table__
#: the order in which scans happened: by the device's clock, then by arrival
ORDER = (_scans.c.scanned_at, _scans.c.id)
_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)
_FAR_PAST = datetime(1970, 1, 1, tzinfo=UTC)
_MISSING = object()


class Presence(Generic[T]):
    """Who is inside after the scans applied so far (in order), with the admission that counts."""

    def __init__(self, inside: Iterable[int] = ()) -> None:
        self._inside: dict[int, Any] = dict.fromkeys(inside)

    def apply(self, registration_id: int, outcome: Outcome | str, scan: T) -> int:
        """Apply the next scan; returns the change in the number of people inside (+1, 0, -1)."""
        if outcome == Outcome.EXITED:
            return -1 if self._inside.pop(registration_id, _MISSING) is not _MISSING else 0
        if outcome == Outcome.ADMITTED and registration_id not in self._inside:
            self._inside[registration_id] = scan
            return 1
        return 0

    def admission(self, registration_id: int) -> T | None:
        """The admission that makes the person inside, or None."""
        value: T | None = self._inside.get(registration_id)
        return value

    def __contains__(self, registration_id: object) -> bool:
        return registration_id in self._inside

    @property
    def inside(self) -> set[int]:
        return set(self._inside)


# --- scopes ------------------------------------------------------------------------------------


def _scope(kind: PointKind) -> list[ColumnElement[bool]]:
    """Conditions on scans joined to their points for the scope of a point of this kind (bound
    values: `session_id`, `forum_id`, `point_id`, `day_start`, `day_end`; see `scope_values`)."""
    if kind == PointKind.SESSION:
        return [_points.c.session_id == bindparam("session_id")]
    day = [
        _scans.c.scanned_at >= bindparam("day_start"),
        _scans.c.scanned_at < bindparam("day_end"),
    ]
    if kind == PointKind.ENTRANCE:
        return [
            *day,
            _points.c.forum_id == bindparam("forum_id"),
            _points.c.kind == PointKind.ENTRANCE,
        ]
    return [*day, _scans.c.point_id == bindparam("point_id")]


def scope_values(point: PointRules, moment: datetime) -> dict[str, Any]:
    """The bound values of `point`'s scope for a scan at `moment`."""
    day_start, day_end = day_bounds_at(moment, point.timezone)
    return {
        "session_id": point.session_id,
        "forum_id": point.forum_id,
        "point_id": point.id,
        "day_start": day_start,
        "day_end": day_end,
    }


_JOINED = _scans.join(_points, _points.c.id == _scans.c.point_id)
# A move, for the statements built once: `outcome = … OR outcome = …` with its values bound when
# the statement is built. An IN list of values would be an "expanding" parameter, whose SQL is
# rendered again at every execution (2 % of a first scan's instructions).
_IS_MOVE = or_(*(_scans.c.outcome == outcome for outcome in MOVES))
# One registration's moves in a scope up to a time (the scan path), built once per kind of point.
_HISTORY = (
    select(
        _scans.c.scanned_at,
        _scans.c.outcome,
        _scans.c.point_id,
        _scans.c.device,
        _points.c.name.label("point_name"),
    )
    .select_from(_JOINED)
    .where(
        _scans.c.registration_id == bindparam("registration_id"),
        _IS_MOVE,
        _scans.c.scanned_at <= bindparam("as_of"),
    )
    .order_by(*ORDER)
)
_HISTORY_BY_KIND = {kind: _HISTORY.where(*_scope(kind)) for kind in PointKind}
# Everybody's moves in a scope up to a time (the offline bundle).
_EVERYONE = (
    select(_scans.c.registration_id, _scans.c.outcome)
    .select_from(_JOINED)
    .where(
        _IS_MOVE,
        _scans.c.registration_id.is_not(None),
        _scans.c.scanned_at <= bindparam("as_of"),
    )
    .order_by(*ORDER)
)
_EVERYONE_BY_KIND = {kind: _EVERYONE.where(*_scope(kind)) for kind in PointKind}


def _on(connection: Connection | None) -> Connection:
    """The connection given (a scan's decision has its own), else the ORM session's."""
    return connection if connection is not None else db.session.connection()


def admission_that_counts(
    point: PointRules,
    registration_id: int,
    scanned_at: datetime,
    *,
    as_of: datetime | None,
    connection: Connection | None = None,
) -> Any | None:
    """The admission that makes the person inside in the point's scope (a row with `scanned_at`,
    `point_id`, `point_name`, `device`), or None. `as_of`: only scans up to then (late sync)."""
    rows = _on(connection).execute(
        _HISTORY_BY_KIND[point.kind],
        {
            "registration_id": registration_id,
            "as_of": as_of or _FAR_FUTURE,
            **scope_values(point, scanned_at),
        },
    )
    presence: Presence[Any] = Presence()
    for row in rows:
        presence.apply(registration_id, row.outcome, row)
    return presence.admission(registration_id)


def inside_ids(point: PointRules, moment: datetime, *, as_of: datetime | None = None) -> set[int]:
    """Registrations inside in the point's scope of `moment` (what an offline device starts from);
    `as_of`: only scans up to then."""
    rows = db.session.connection().execute(
        _EVERYONE_BY_KIND[point.kind],
        {"as_of": as_of or _FAR_FUTURE, **scope_values(point, moment)},
    )
    presence: Presence[None] = Presence()
    for row in rows:
        presence.apply(row.registration_id, row.outcome, None)
    return presence.inside


# --- in SQL: per person --------------------------------------------------------------------------


def last_moves(point_ids: Sequence[int], start: datetime, end: datetime, *, per_point: bool) -> Any:
    """Each person's latest admission and exit in [start, end) at each point (`per_point`) or at
    any of them: a subquery of (registration_id, [point_id,] came, left, came_id, left_id)."""
    admitted, exited = Scan.outcome == Outcome.ADMITTED, Scan.outcome == Outcome.EXITED
    keys: list[Any] = [Scan.registration_id, *([Scan.point_id] if per_point else [])]
    return (
        select(
            *keys,
            func.max(case((admitted, Scan.scanned_at))).label("came"),
            func.max(case((exited, Scan.scanned_at))).label("left"),
            func.max(case((admitted, Scan.id))).label("came_id"),
            func.max(case((exited, Scan.id))).label("left_id"),
        )
        .where(
            Scan.point_id.in_(point_ids),
            Scan.scanned_at >= start,
            Scan.scanned_at < end,
            Scan.outcome.in_(MOVES),
            Scan.registration_id.is_not(None),
        )
        .group_by(*keys)
        .subquery()
    )


def is_inside(last: Any) -> ColumnElement[bool]:
    """Over `last_moves`: the person's last move was an admission (ties in time go by id)."""
    # Grouping beats a window function here (one pass over the covering index).
    return and_(
        last.c.came.is_not(None),
        or_(
            last.c.left.is_(None),
            last.c.came > last.c.left,
            and_(last.c.came == last.c.left, last.c.came_id > last.c.left_id),
        ),
    )


def inside_by_point(point_ids: Sequence[int], start: datetime, end: datetime) -> dict[int, int]:
    """People inside at each point by its scans in [start, end)."""
    if not point_ids:
        return {}
    last = last_moves(point_ids, start, end, per_point=True)
    rows = db.session.execute(
        select(last.c.point_id, func.count()).where(is_inside(last)).group_by(last.c.point_id)
    ).all()
    return {int(point_id): int(count) for point_id, count in rows}


def inside_count(
    point_ids: Sequence[int],
    *,
    until: datetime | None = None,
    connection: Connection | None = None,
) -> int:
    """People inside by the scans of all the points together (a session's room: the scan path's
    full-room rule), counting scans before `until` (late sync: as the scan happened)."""
    if not point_ids:
        return 0
    last = last_moves(point_ids, _FAR_PAST, until or _FAR_FUTURE, per_point=False)
    counted = _on(connection).execute(select(func.count()).where(is_inside(last)))
    return int(counted.scalar_one())


# Admissions at some points before a time (the full-room rule's first look), built once.
_ADMISSIONS = (
    select(func.count())
    .select_from(_scans)
    .where(
        _scans.c.point_id.in_(bindparam("point_ids", expanding=True)),
        _scans.c.outcome == Outcome.ADMITTED,
        _scans.c.scanned_at < bindparam("until"),
    )
)


def inside_if_at_least(
    point_ids: Sequence[int],
    least: int,
    *,
    until: datetime | None = None,
    connection: Connection | None = None,
) -> int | None:
    """`inside_count` when it is at least `least`, else None. Nobody is inside without an
    admission, so while the admissions are fewer than `least` one cheap count of the index says
    so; only a room that may be full pays for the count of who is inside."""
    if not point_ids:
        return None
    admissions = (
        _on(connection)
        .execute(_ADMISSIONS, {"point_ids": list(point_ids), "until": until or _FAR_FUTURE})
        .scalar_one()
    )
    if admissions < least:
        return None
    inside = inside_count(point_ids, until=until, connection=connection)
    return inside if inside >= least else None


def people_and_inside(point_ids: Sequence[int], start: datetime, end: datetime) -> tuple[int, int]:
    """Distinct people admitted at any of the points in [start, end), and how many of them are
    inside by the scans of all of them together (in at A, out at B: outside)."""
    if not point_ids:
        return 0, 0
    last = last_moves(point_ids, start, end, per_point=False)
    people, inside = db.session.execute(
        select(func.count(last.c.came), func.count(case((is_inside(last), 1))))
    ).one()
    return int(people), int(inside)


# --- in SQL: over time ---------------------------------------------------------------------------


def occupancy_changes(point_ids: Sequence[int]) -> Any:
    """Every admitted/exited scan at the points with the change it makes (+1, -1, 0) and the
    occupancy of its session after it, in scan order: a subquery of (session_id, id, at, delta,
    occupancy). The points' scans are one scope per session (see the module doc)."""
    direction = case((Scan.outcome == Outcome.ADMITTED, 1), else_=-1)
    events = (
        select(
            CheckInPoint.session_id.label("session_id"),
            Scan.id.label("id"),
            Scan.scanned_at.label("at"),
            direction.label("direction"),
            # Where the person was before this scan: -1 outside (nothing yet, or left), 1 inside.
            func.coalesce(
                func.lag(direction).over(
                    partition_by=(CheckInPoint.session_id, Scan.registration_id),
                    order_by=(Scan.scanned_at, Scan.id),
                ),
                -1,
            ).label("before"),
        )
        .join(CheckInPoint, CheckInPoint.id == Scan.point_id)
        .where(
            Scan.point_id.in_(point_ids),
            Scan.outcome.in_(MOVES),
            Scan.registration_id.is_not(None),
        )
    )
    steps = events.subquery("events")
    delta = case((steps.c.direction != steps.c.before, steps.c.direction), else_=0)
    changes = select(steps.c.session_id, steps.c.id, steps.c.at, delta.label("delta")).subquery(
        "changes"
    )
    return select(
        changes.c.session_id,
        changes.c.id,
        changes.c.at,
        changes.c.delta,
        func.sum(changes.c.delta)
        .over(
            partition_by=changes.c.session_id,
            order_by=(changes.c.at, changes.c.id),
            rows=(None, 0),
        )
        .label("occupancy"),
    ).subquery("moves")


def inside_by_session(session_ids: Sequence[int]) -> dict[int, int]:
    """People inside each session now, by the scans at all its points (one scope per session, no
    time bound: a session is one room at one time). Sessions with nobody inside are left out."""
    if not session_ids:
        return {}
    admitted, exited = Scan.outcome == Outcome.ADMITTED, Scan.outcome == Outcome.EXITED
    last = (
        select(
            CheckInPoint.session_id.label("session_id"),
            Scan.registration_id,
            func.max(case((admitted, Scan.scanned_at))).label("came"),
            func.max(case((exited, Scan.scanned_at))).label("left"),
            func.max(case((admitted, Scan.id))).label("came_id"),
            func.max(case((exited, Scan.id))).label("left_id"),
        )
        .join(CheckInPoint, CheckInPoint.id == Scan.point_id)
        .where(
            CheckInPoint.session_id.in_(session_ids),
            CheckInPoint.kind == PointKind.SESSION,
            Scan.outcome.in_(MOVES),
            Scan.registration_id.is_not(None),
        )
        .group_by(CheckInPoint.session_id, Scan.registration_id)
        .subquery()
    )
    rows = db.session.execute(
        select(last.c.session_id, func.count()).where(is_inside(last)).group_by(last.c.session_id)
    ).all()
    return {int(session_id): int(count) for session_id, count in rows}
