"""What registration does when the programme changes a session (see `maruf_reg/signals.py`)."""

from __future__ import annotations

from typing import Any

from maruf_reg import signals
from maruf_reg.registration.lifecycle import fill_from_waitlist
from maruf_reg.registration.mails import send_session_cancelled


@signals.session_enlarged.connect
def _waitlist_moves_up(sender: Any, *, session_id: int, staff_user_id: int | None) -> None:
    fill_from_waitlist(session_id, staff_user_id=staff_user_id)


@signals.session_deleted.connect
def _tell_the_people_in_it(
    sender: Any, *, session: signals.DeletedSession, staff_user_id: int | None
) -> None:
    send_session_cancelled(session)
