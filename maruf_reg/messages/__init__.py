"""Messages from organisers to the people of a forum: compose with merge fields, choose recipients,
send through the mail queue at a rate, follow and stop; the personal page lists what a person got."""

from __future__ import annotations

from typing import Any

from flask import Flask


def _recover(sender: Any, *, starting: bool) -> list[int]:
    """The worker's upkeep (signals.worker_upkeep): pick up what a lost worker was sending."""
    from maruf_reg.messages import recovery

    return recovery.recover()


def _draft_for_moved_session(
    sender: Any, *, session_id: int, staff_user_id: int | None, changed: list[str]
) -> int | None:
    """A session's room or time changed: a service message to everyone it concerns, prefilled
    and kept as a draft for the organisers to read and send (signals.session_moved)."""
    from maruf_reg.messages import services

    return services.draft_for_moved_session(session_id, staff_user_id=staff_user_id)


def init_app(app: Flask) -> None:
    # The worker's upkeep reaches the sending through a signal (workers.py is below).
    from maruf_reg import signals
    from maruf_reg.messages import services
    from maruf_reg.messages.views import bp

    app.register_blueprint(bp)
    signals.worker_upkeep.connect(_recover)
    signals.session_moved.connect(_draft_for_moved_session)

    @app.context_processor
    def _messages_received() -> dict[str, Any]:
        # The personal page (registration, below) lists the messages a person received.
        return {"messages_received": services.received}
