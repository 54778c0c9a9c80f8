"""How pages and mail load a registration: with its person, forum, seats, sessions and rooms."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from maruf_reg.models import Registration, Seat, Session


def registration_details() -> tuple[Any, ...]:
    """Loader options for what a registration's pages and mail show, in three queries."""
    return (
        joinedload(Registration.person),
        joinedload(Registration.forum),
        selectinload(Registration.seats).joinedload(Seat.session).joinedload(Session.room),
    )


def registration_with_details() -> Select[Registration]:
    """A query for registrations that loads what their pages and mail show."""
    return select(Registration).options(*registration_details())
