"""What one capability tells the ones above it, without importing them.

The programme sits below registration (registration books seats in the programme's sessions), so
the programme may not call registration. When an organiser changes a session in a way that matters
to the people booked in it, the programme sends one of these signals after its commit, and
registration (its receivers are in `maruf_reg/registration/programme_changes.py`) moves the
waitlist up or mails the people concerned. Receivers of `session_enlarged` and
`session_deleted` run in the sender's request, after the sender's transaction has ended, and open
their own.

Check-in gives every session its door (`maruf_reg/checkin/doors.py`). Those signals are sent
INSIDE the programme's transaction, after its flush: their receivers add or change rows in the same
transaction and never commit or roll back, so a session and its door are committed together (or
neither is).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from blinker import Namespace

_signals = Namespace()


@dataclass(frozen=True)
class DeletedSession:
    """A deleted session as the people who had a place in it are told of it (the row is gone)."""

    id: int
    forum_id: int
    title_tr: str
    title_en: str
    starts_at: datetime
    ends_at: datetime
    room: str
    #: (registration id, True for a booked seat / False for a waitlist place) of everyone in it
    holders: tuple[tuple[int, bool], ...] = ()


#: A session has more seats than before. Keyword arguments: `session_id`, `staff_user_id`.
session_enlarged = _signals.signal("session-enlarged")

#: A session's room or time changed. Keyword arguments: `session_id`, `staff_user_id`,
#: `changed` (the names of the fields that changed: `room_id`, `starts_at`, `ends_at`).
session_moved = _signals.signal("session-moved")

#: A worker's upkeep round (at its start, then every WORKER_UPKEEP_SECONDS): capabilities above
#: recover their own work a lost worker left (messages/sending.py). Keyword argument: `starting`.
worker_upkeep = _signals.signal("worker-upkeep")

#: A session was deleted. Keyword arguments: `session` (a `DeletedSession`), `staff_user_id`.
session_deleted = _signals.signal("session-deleted")


@dataclass(frozen=True)
class SessionNames:
    """What a session's door is named after, as it was before a change."""

    title_tr: str
    title_en: str
    room: str


#: Sessions were created (in the transaction, after its flush). Keyword arguments: `session_ids`
#: (a tuple), `staff_user_id`.
sessions_created = _signals.signal("sessions-created")

#: A session was changed (in the transaction, after its flush). Keyword arguments: `session_id`,
#: `before` (a `SessionNames`), `staff_user_id`.
session_changed = _signals.signal("session-changed")

#: A session is about to be deleted (in the transaction, before the row goes). Keyword arguments:
#: `session_id`, `staff_user_id`.
session_deleting = _signals.signal("session-deleting")
