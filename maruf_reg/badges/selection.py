"""Which confirmed registrations a batch of badges prints, and in which order.

Names are sorted folded (Ö with O, İ with I); filters that name nothing are a SelectionError.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, func, or_, select

from maruf_reg.badges.content import HOLDER_COLUMNS, BadgeHolder
from maruf_reg.badges.errors import N_, SelectionError
from maruf_reg.extensions import db
from maruf_reg.models import (
    BadgePrint,
    Category,
    Person,
    Registration,
    RegistrationStatus,
    Seat,
    SeatStatus,
    Session,
    SessionRole,
    Theme,
)
from maruf_reg.text import search_key

ORDERS = ("family_name", "given_name", "organisation", "id")


@dataclass(frozen=True)
class Selection:
    """Which confirmed registrations a batch prints, and in which order."""

    category: str | None = None
    #: a theme's slug: people with a part in, or a booked seat at, one of its sessions
    theme: str | None = None
    #: a session: people with a part in it or a booked seat at it
    session_id: int | None = None
    #: only registrations whose current serial was never printed
    unprinted: bool = False
    order: str = "family_name"

    def as_params(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "theme": self.theme,
            "session_id": self.session_id,
            "unprinted": self.unprinted,
            "order": self.order,
        }

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Selection:
        return cls(
            category=params.get("category") or None,
            theme=params.get("theme") or None,
            session_id=params.get("session_id") or None,
            unprinted=bool(params.get("unprinted")),
            order=params.get("order") or "family_name",
        )


def _sort_key(order: str) -> Callable[[BadgeHolder], tuple[Any, ...]]:
    def key(holder: BadgeHolder) -> tuple[Any, ...]:
        family = search_key(holder.family_name or holder.given_name)
        given = search_key(holder.given_name)
        if order == "given_name":
            return (given, family, holder.registration_id)
        if order == "organisation":
            return (search_key(holder.organisation), family, given, holder.registration_id)
        if order == "id":
            return (holder.registration_id,)
        return (family, given, holder.registration_id)

    return key


def _selection_filter(forum_id: int, selection: Selection) -> list[Any]:
    """The WHERE clauses of a selection; SelectionError for a filter that names nothing."""
    if selection.order not in ORDERS:
        raise SelectionError(
            N_("Unknown order %(order)s: choose one of %(choices)s."),
            order=selection.order,
            choices=", ".join(ORDERS),
        )
    clauses: list[Any] = [
        Registration.forum_id == forum_id,
        Registration.status == RegistrationStatus.CONFIRMED,
    ]
    if selection.category:
        if selection.category not in {c.value for c in Category}:
            raise SelectionError(
                N_("Unknown category %(category)s: choose one of %(choices)s."),
                category=selection.category,
                choices=", ".join(c.value for c in Category),
            )
        clauses.append(Registration.category == Category(selection.category))
    sessions = None
    if selection.theme:
        theme_id = db.session.scalar(
            select(Theme.id).where(Theme.forum_id == forum_id, Theme.slug == selection.theme)
        )
        if theme_id is None:
            raise SelectionError(N_("There is no theme %(theme)s."), theme=selection.theme)
        sessions = select(Session.id).where(Session.theme_id == theme_id)
    if selection.session_id is not None:
        found = db.session.scalar(
            select(Session.id).where(
                Session.forum_id == forum_id, Session.id == selection.session_id
            )
        )
        if found is None:
            raise SelectionError(N_("There is no session %(id)s."), id=selection.session_id)
        only = select(Session.id).where(Session.id == selection.session_id)
        sessions = only if sessions is None else only.where(Session.id.in_(sessions))
    if sessions is not None:
        clauses.append(
            or_(
                Registration.person_id.in_(
                    select(SessionRole.person_id).where(SessionRole.session_id.in_(sessions))
                ),
                Registration.id.in_(
                    select(Seat.registration_id).where(
                        Seat.session_id.in_(sessions), Seat.status == SeatStatus.BOOKED
                    )
                ),
            )
        )
    if selection.unprinted:
        clauses.append(
            ~exists().where(
                and_(
                    BadgePrint.registration_id == Registration.id,
                    BadgePrint.serial == Registration.badge_serial,
                )
            )
        )
    return clauses


def select_holders(forum_id: int, selection: Selection) -> list[BadgeHolder]:
    """The confirmed registrations a batch prints, in its order (names folded: Ö with O)."""
    rows = db.session.execute(
        select(*HOLDER_COLUMNS)
        .join(Person, Registration.person_id == Person.id)
        .where(*_selection_filter(forum_id, selection))
    )
    holders = [BadgeHolder(*row) for row in rows]
    if not holders:
        raise SelectionError(N_("No confirmed registration matches this selection."))
    holders.sort(key=_sort_key(selection.order))
    return holders


def count_selection(forum_id: int, selection: Selection) -> int:
    """How many registrations the batch would print now."""
    return int(
        db.session.scalar(
            select(func.count(Registration.id)).where(*_selection_filter(forum_id, selection))
        )
        or 0
    )
