"""Seats and waitlists: never more booked seats than the capacity, waitlists served in order."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from maruf_reg.extensions import db
from maruf_reg.models import (
    Person,
    Registration,
    RegistrationStatus,
    Seat,
    SeatStatus,
    Session,
)
from maruf_reg.personal_links import new_token
from maruf_reg.registration import lifecycle, services
from maruf_reg.registration.seats import SessionNotBookable, SessionsOverlap, check_overlaps
from tests.conftest import forum_time
from tests.registration.conftest import Browser, rows, signup_fields


def seats_of(app, session_id):
    return rows(
        app,
        select(Seat).where(Seat.session_id == session_id).order_by(Seat.requested_at, Seat.id),
    )


def booked(app, session_id):
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(Seat)
            .where(Seat.session_id == session_id, Seat.status == SeatStatus.BOOKED)
        )


def test_fifty_concurrent_sign_ups_for_the_last_ten_seats_book_exactly_ten(
    app, live_server, make_session, make_registration, programme
):
    """Run on SQLite and, with MARUF_TEST_DATABASE_URL, on PostgreSQL: real server, real threads."""
    session = make_session(programme.forum, starts_at=forum_time(1, 10), capacity=40)
    with app.app_context():
        for n in range(30):  # 30 of 40 seats are gone
            person = Person(given_name=f"Early {n}", email=f"early{n}@example.org")
            registration = Registration(
                forum_id=programme.forum.id,
                person=person,
                category="participant",
                status=RegistrationStatus.CONFIRMED,
                manage_token=new_token(),
            )
            registration.seats.append(Seat(session_id=session.id, status=SeatStatus.BOOKED))
            db.session.add(registration)
        db.session.commit()

    browsers = [Browser(live_server) for _ in range(50)]
    tokens = [b.open_form("/register") for b in browsers]
    start = threading.Barrier(len(browsers))
    codes: list[int] = []

    def book(n: int) -> None:
        start.wait()
        fields = signup_fields(email=f"rush{n}@example.org", sessions=[session.id])
        codes.append(browsers[n].post("/register", fields, tokens[n]))

    threads = [threading.Thread(target=book, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert codes == [302] * 50
    assert booked(app, session.id) == 40
    seats = seats_of(app, session.id)
    assert len(seats) == 80
    assert sum(s.status == SeatStatus.WAITLISTED for s in seats) == 40
    assert len(rows(app, select(Registration))) == 80


def test_the_waitlist_is_served_first_come_first_served(app, make_registration, programme):
    session = programme.afternoon  # capacity 2
    ids = [make_registration(programme.forum).id for _ in range(5)]
    with app.app_context():
        for registration_id in ids:
            lifecycle.change_sessions(registration_id, [session.id])
    seats = seats_of(app, session.id)
    assert [s.registration_id for s in seats] == ids
    assert [s.status for s in seats] == [SeatStatus.BOOKED] * 2 + [SeatStatus.WAITLISTED] * 3

    with app.app_context():
        changes = lifecycle.change_sessions(ids[0], [])
    assert changes.promoted == [(ids[2], session.id)]
    with app.app_context():
        lifecycle.cancel(ids[1])
    statuses = {s.registration_id: s.status for s in seats_of(app, session.id)}
    assert statuses == {
        ids[2]: SeatStatus.BOOKED,
        ids[3]: SeatStatus.BOOKED,
        ids[4]: SeatStatus.WAITLISTED,
    }
    assert booked(app, session.id) == 2


def test_keeping_a_session_keeps_the_place_on_its_waitlist(app, make_registration, programme):
    session = programme.afternoon
    ids = [make_registration(programme.forum).id for _ in range(4)]
    with app.app_context():
        for registration_id in ids:
            lifecycle.change_sessions(registration_id, [session.id])
        # The third adds a morning session but keeps the afternoon: still first in line.
        lifecycle.change_sessions(ids[2], [session.id, programme.morning.id])
        lifecycle.change_sessions(ids[0], [])
    statuses = {s.registration_id: s.status for s in seats_of(app, session.id)}
    assert statuses[ids[2]] == SeatStatus.BOOKED
    assert statuses[ids[3]] == SeatStatus.WAITLISTED


def test_a_rejected_registration_frees_its_seats(app, make_registration, make_staff, programme):
    staff = make_staff()
    first = make_registration(programme.forum, status=RegistrationStatus.PENDING)
    second = make_registration(programme.forum)
    third = make_registration(programme.forum)
    with app.app_context():
        for registration in (first, second, third):
            lifecycle.change_sessions(registration.id, [programme.afternoon.id])
        lifecycle.reject(first.id, staff_user_id=staff.id)
    statuses = {s.registration_id: s.status for s in seats_of(app, programme.afternoon.id)}
    assert statuses == {second.id: SeatStatus.BOOKED, third.id: SeatStatus.BOOKED}


def test_overlaps_count_waitlisted_seats_too(app, make_registration, programme):
    registration = make_registration(programme.forum)
    with app.app_context():
        lifecycle.change_sessions(registration.id, [programme.morning.id])
        with pytest.raises(SessionsOverlap):
            lifecycle.change_sessions(
                registration.id, [programme.morning.id, programme.morning_clash.id]
            )
    assert [s.session_id for s in rows(app, select(Seat))] == [programme.morning.id]


def test_a_long_session_overlaps_a_later_short_one(make_session, forum, app):
    with app.app_context():
        long = make_session(forum, starts_at=forum_time(1, 9), ends_at=forum_time(1, 18))
        short = make_session(forum, starts_at=forum_time(1, 10), ends_at=forum_time(1, 11))
        later = make_session(forum, starts_at=forum_time(1, 16), ends_at=forum_time(1, 17))
        with pytest.raises(SessionsOverlap):
            check_overlaps([short, later, long])
        check_overlaps([short, later])  # back to back is fine


def test_sessions_without_booking_or_over_cannot_be_booked(
    app, make_registration, make_session, programme
):
    registration = make_registration(programme.forum)
    past = make_session(
        programme.forum,
        starts_at=datetime.now(UTC) - timedelta(days=2),
        ends_at=datetime.now(UTC) - timedelta(days=2) + timedelta(hours=1),
    )
    with app.app_context():
        for session_id in (programme.open_plenary.id, past.id, 999_999):
            with pytest.raises(SessionNotBookable):
                lifecycle.change_sessions(registration.id, [session_id])
    assert rows(app, select(Seat)) == []


def test_another_forums_session_cannot_be_booked(
    app, make_forum, make_session, make_registration, programme
):
    other = make_session(make_forum())
    registration = make_registration(programme.forum)
    with app.app_context(), pytest.raises(SessionNotBookable):
        lifecycle.change_sessions(registration.id, [other.id])


def test_a_cancelled_registration_books_nothing(app, make_registration, programme):
    registration = make_registration(programme.forum, status=RegistrationStatus.CANCELLED)
    with app.app_context(), pytest.raises(services.WrongStatus):
        lifecycle.change_sessions(registration.id, [programme.morning.id])


def test_a_bigger_room_gives_seats_to_the_waitlist(app, make_registration, make_staff, programme):
    """The organiser raises the session's capacity in the programme: the waitlist moves up."""
    from maruf_reg.program import sessions as programme_sessions

    session = programme.afternoon  # capacity 2
    ids = [make_registration(programme.forum).id for _ in range(5)]
    organiser = make_staff()
    with app.app_context():
        for registration_id in ids:
            lifecycle.change_sessions(registration_id, [session.id])
        row = db.session.get(Session, session.id)
        wider = programme_sessions.SessionFields(
            kind=row.kind,
            title_tr=row.title_tr,
            title_en=row.title_en,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            theme_id=row.theme_id,
            room_id=row.room_id,
            capacity=4,
            needs_booking=True,
        )
        programme_sessions.update_session(session.id, wider, staff_user_id=organiser.id)
    promoted = [
        (seat.registration_id, seat.session_id)
        for seat in seats_of(app, session.id)
        if seat.status == SeatStatus.BOOKED and seat.registration_id not in ids[:2]
    ]
    assert promoted == [(ids[2], session.id), (ids[3], session.id)]
    assert booked(app, session.id) == 4
    import os

    mails = os.listdir(os.path.join(app.instance_path, "outbox"))
    assert len(mails) == 2  # one for each person who moved up
