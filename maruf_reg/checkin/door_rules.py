"""A session door's two rules of time and room, without the database: the scan path
(`maruf_reg/checkin/scans.py`) and the offline scanner's copy (`static/js/checkin/door_rules.js`)
decide the same way; `tests/checkin/test_door_rules.py` feeds both the same cases.

- The window: a door bound to a session admits from `opens_at` (the session's start less the
  point's minutes) until `closes_at` (its end plus the point's minutes); outside, `not_now`.
- The room: at a door that counts exits, with the session's capacity, when the people inside
  (`maruf_reg/checkin/presence.py` says who) are at least the capacity the point's policy decides:
  `refuse` answers `room_full`, `warn` admits with the reason `room_full`.
Entrances and other points have neither rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from maruf_reg.models import FullPolicy, Outcome

REASON_ROOM_FULL = "room_full"


@dataclass(frozen=True)
class Window:
    """When a session's door admits, and the session's own times (the answer shows them)."""

    opens_at: datetime
    closes_at: datetime
    starts_at: datetime
    ends_at: datetime

    def open_at(self, moment: datetime) -> bool:
        return self.opens_at <= moment < self.closes_at


@dataclass(frozen=True)
class RoomRule:
    """A full room's rule at a door that counts exits."""

    capacity: int
    policy: FullPolicy


def window_outcome(window: Window | None, moment: datetime) -> Outcome | None:
    """`not_now` outside the door's window; None when the time is right (or the door has none)."""
    if window is None or window.open_at(moment):
        return None
    return Outcome.NOT_NOW


def room_outcome(room: RoomRule | None, inside: int) -> tuple[Outcome, str | None] | None:
    """What a full room answers (`room_full`, or admitted with a warning); None when not full."""
    if room is None or inside < room.capacity:
        return None
    if room.policy == FullPolicy.WARN:
        return Outcome.ADMITTED, REASON_ROOM_FULL
    return Outcome.ROOM_FULL, REASON_ROOM_FULL
