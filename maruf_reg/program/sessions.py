"""The programme's sessions: create, change and delete them, with the room and capacity rules.

A session deleted or given more seats is announced with a signal (`maruf_reg/signals.py`), so that
registration, a floor above, moves its waitlist or tells the people who had a place.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from maruf_reg import audit, signals
from maruf_reg.extensions import db
from maruf_reg.forum import forum_window
from maruf_reg.models import (
    Forum,
    Room,
    Seat,
    SeatStatus,
    Session,
    SessionKind,
    SessionRole,
    Theme,
)
from maruf_reg.program.rules import (
    CAPACITY_MAX,
    TITLE_MAX,
    ProgrammeError,
    SessionHasBookings,
    check_long_text,
    check_number,
    check_text,
    lazy_time,
    lazy_title,
    locked,
    one_change,
)
from maruf_reg.program.speakers import Overlap, speaker_overlaps
from maruf_reg.signals import DeletedSession, SessionNames


@dataclass(frozen=True)
class SessionFields:
    """A session as the organiser describes it; times are aware datetimes (see `local_to_utc`)."""

    kind: SessionKind
    title_tr: str
    title_en: str
    starts_at: datetime
    ends_at: datetime
    theme_id: int | None = None
    room_id: int | None = None
    #: None: the room's capacity
    capacity: int | None = None
    needs_booking: bool = True
    #: the organiser's "no check-in": no door is made for the session
    no_checkin: bool = False
    description_tr: str = ""
    description_en: str = ""


@dataclass(frozen=True)
class SessionSaved:
    session: Session
    overlaps: list[Overlap]
    #: the room's capacity when the session's is larger (standing room: a warning, not a refusal)
    room_capacity: int | None = None


def create_session(
    forum_id: int, fields: SessionFields, *, staff_user_id: int | None
) -> SessionSaved:
    """Add a session to the programme."""
    with one_change():
        session = Session(forum_id=forum_id)
        values, room = _session_values(forum_id, fields, session_id=None)
        details = audit.changes(session, values)
        db.session.add(session)
        db.session.flush()
        audit.record("session.create", obj=session, staff_user_id=staff_user_id, details=details)
        # Check-in gives it its door in this transaction (unless it is marked "no check-in").
        signals.sessions_created.send(session_ids=(session.id,), staff_user_id=staff_user_id)
    return _saved(session, room)


def update_session(
    session_id: int, fields: SessionFields, *, staff_user_id: int | None
) -> SessionSaved:
    """Change a session; its capacity may not drop below the seats already booked."""
    with one_change():
        session = locked(Session, session_id)
        before = names_of(session)
        values, room = _session_values(session.forum_id, fields, session_id=session.id)
        booked = booked_count(session.id)
        if values["capacity"] < booked:
            raise ProgrammeError(
                _l(
                    "Seats booked already: %(count)d. The capacity cannot be lower.",
                    count=booked,
                ),
                field="capacity",
            )
        details = audit.changes(session, values)
        if details:
            audit.record(
                "session.update", obj=session, staff_user_id=staff_user_id, details=details
            )
        db.session.flush()
        # Its door follows a new title or room (and a session no longer "no check-in" gets one).
        signals.session_changed.send(
            session_id=session.id, before=before, staff_user_id=staff_user_id
        )
    moved = sorted(set(details) & {"room_id", "starts_at", "ends_at"})
    if moved:
        # The people of the session should hear of it: the messages capability prepares a draft.
        signals.session_moved.send(
            session_id=session_id, staff_user_id=staff_user_id, changed=moved
        )
    old_capacity, new_capacity = details.get("capacity", (0, 0))
    if new_capacity > old_capacity:
        # More seats: registration moves the waitlist up at once and mails those who got a seat.
        signals.session_enlarged.send(session_id=session_id, staff_user_id=staff_user_id)
    return _saved(session, room)


def booked_count(session_id: int) -> int:
    """Seats booked in the session (the waitlist not counted)."""
    return (
        db.session.scalar(
            select(func.count(Seat.id)).where(
                Seat.session_id == session_id, Seat.status == SeatStatus.BOOKED
            )
        )
        or 0
    )


def booked_counts(forum_id: int) -> dict[int, int]:
    """Booked seats per session of the forum (sessions without bookings left out)."""
    rows = db.session.execute(
        select(Seat.session_id, func.count(Seat.id))
        .join(Session, Session.id == Seat.session_id)
        .where(Session.forum_id == forum_id, Seat.status == SeatStatus.BOOKED)
        .group_by(Seat.session_id)
    )
    return dict(rows.all())


def delete_session(session_id: int, *, confirm_booked: bool, staff_user_id: int | None) -> int:
    """Delete a session with its roles and seats; booked seats need a confirmation. Everyone who
    had a seat or a waitlist place in it is mailed once the deletion is committed.

    Returns the number of booked seats that went with it.
    """
    with one_change():
        session = locked(Session, session_id)
        booked = booked_count(session.id)
        if booked and not confirm_booked:
            raise SessionHasBookings(booked)
        holders = tuple(
            (registration_id, status == SeatStatus.BOOKED)
            for registration_id, status in db.session.execute(
                select(Seat.registration_id, Seat.status).where(Seat.session_id == session.id)
            )
        )
        gone = DeletedSession(
            id=session.id,
            forum_id=session.forum_id,
            title_tr=session.title_tr,
            title_en=session.title_en,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            room=session.room.name if session.room else "",
            holders=holders,
        )
        audit.record(
            "session.delete",
            obj=session,
            staff_user_id=staff_user_id,
            details={
                "title_en": session.title_en,
                "starts_at": session.starts_at.isoformat(),
                "room_id": session.room_id,
                "booked": booked,
            },
        )
        # Check-in switches its door off; the door and its scans stay for the reports.
        signals.session_deleting.send(session_id=session.id, staff_user_id=staff_user_id)
        db.session.delete(session)
    # Registration mails everyone who had a seat or a waitlist place in it.
    signals.session_deleted.send(session=gone, staff_user_id=staff_user_id)
    return booked


def names_of(session: Session) -> SessionNames:
    """What the session's door is named after (kept before a change)."""
    return SessionNames(
        title_tr=session.title_tr,
        title_en=session.title_en,
        room=session.room.name if session.room else "",
    )


def sessions_by_day(forum: Forum) -> list[tuple[date, list[Session]]]:
    """Every session of the forum with its theme, room and people, grouped by local day."""
    sessions = db.session.scalars(
        select(Session)
        .where(Session.forum_id == forum.id)
        .options(
            selectinload(Session.theme),
            selectinload(Session.room),
            selectinload(Session.roles).selectinload(SessionRole.person),
        )
        .order_by(Session.starts_at, Session.id)
    ).all()
    days: dict[date, list[Session]] = defaultdict(list)
    for session in sessions:
        days[session.starts_at.astimezone(forum.zone).date()].append(session)
    for sessions_of_day in days.values():
        sessions_of_day.sort(key=lambda s: (s.starts_at, s.room.position if s.room else 1_000_000))
    return sorted(days.items())


def _session_values(
    forum_id: int, fields: SessionFields, *, session_id: int | None
) -> tuple[dict[str, Any], Room | None]:
    # The forum's dates may not move while we check against them (FOR SHARE lets other sessions
    # be saved at the same time).
    forum = locked(Forum, forum_id, share=True)
    if fields.starts_at.tzinfo is None or fields.ends_at.tzinfo is None:
        raise ValueError("session times must be aware datetimes (see local_to_utc)")
    try:
        kind = SessionKind(fields.kind)
    except ValueError as error:
        raise ProgrammeError(_l("Unknown kind of session."), field="kind") from error
    if fields.ends_at <= fields.starts_at:
        raise ProgrammeError(_l("The session must end after it starts."), field="ends_at")
    first, last = forum_window(forum.starts_on, forum.ends_on, forum.zone)
    if fields.starts_at < first or fields.ends_at > last:
        raise ProgrammeError(
            _l(
                "The session must take place during the forum, %(first)s to %(last)s.",
                first=forum.starts_on.isoformat(),
                last=forum.ends_on.isoformat(),
            ),
            field="starts_at",
        )
    theme = db.session.get(Theme, fields.theme_id) if fields.theme_id is not None else None
    if fields.theme_id is not None and (theme is None or theme.forum_id != forum_id):
        raise ProgrammeError(_l("Unknown theme."), field="theme_id")
    room = None
    if fields.room_id is not None:
        room = locked(Room, fields.room_id, missing=_l("Unknown room."), field="room_id")
        if room.forum_id != forum_id:
            raise ProgrammeError(_l("Unknown room."), field="room_id")
        _check_room_free(room, fields.starts_at, fields.ends_at, except_id=session_id)
    capacity = fields.capacity if fields.capacity is not None else (room.capacity if room else None)
    if capacity is None:
        raise ProgrammeError(
            _l("Give the number of seats, or choose a room whose capacity it takes."),
            field="capacity",
        )
    return {
        "kind": kind,
        "title_tr": check_text(fields.title_tr, TITLE_MAX, "title_tr", required=True),
        "title_en": check_text(fields.title_en, TITLE_MAX, "title_en", required=True),
        "description_tr": check_long_text(fields.description_tr, "description_tr"),
        "description_en": check_long_text(fields.description_en, "description_en"),
        "starts_at": fields.starts_at.astimezone(UTC),
        "ends_at": fields.ends_at.astimezone(UTC),
        "theme_id": fields.theme_id,
        "room_id": fields.room_id,
        "capacity": check_number(capacity, CAPACITY_MAX, "capacity"),
        "needs_booking": bool(fields.needs_booking),
        "no_checkin": bool(fields.no_checkin),
    }, room


def _check_room_free(
    room: Room, starts_at: datetime, ends_at: datetime, *, except_id: int | None
) -> None:
    """Refuse a time at which another session has the room (the caller holds the room's lock)."""
    query = select(Session).where(
        Session.room_id == room.id, Session.starts_at < ends_at, Session.ends_at > starts_at
    )
    if except_id is not None:
        query = query.where(Session.id != except_id)
    clash = db.session.scalars(query.order_by(Session.starts_at).limit(1)).first()
    if clash is not None:
        raise ProgrammeError(
            _l(
                "%(room)s is taken at that time by “%(title)s” (%(start)s – %(end)s).",
                room=room.name,
                title=lazy_title(clash),
                start=lazy_time(clash.starts_at, "day_time"),
                end=lazy_time(clash.ends_at, "time"),
            ),
            field="room_id",
        )


def _saved(session: Session, room: Room | None) -> SessionSaved:
    over = room.capacity if room is not None and session.capacity > room.capacity else None
    return SessionSaved(session, speaker_overlaps(session), room_capacity=over)
