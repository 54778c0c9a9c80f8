"""The reports read what the check-in API writes: scans posted as a door device would post them."""

from __future__ import annotations

import uuid
from datetime import timedelta

from maruf_reg import badge_tokens as tokens
from maruf_reg.extensions import db
from maruf_reg.models import Forum, SeatStatus
from maruf_reg.reports import attendance, services
from tests.conftest import TEST_SECRET, one_forum_day


def test_scans_from_the_api_make_the_session_report(
    app,
    client,
    make_forum,
    make_room,
    make_session,
    make_registration,
    make_person,
    make_point,
    make_seat,
    make_api_token,
):
    # The entrance scans, 40 minutes before "now", and the entrances' report are of one day.
    now = one_forum_day(lookback=timedelta(minutes=41))
    forum = make_forum(
        slug="today",
        starts_on=now.date() - timedelta(days=1),
        ends_on=now.date() + timedelta(days=1),
    )
    room = make_room(forum, capacity=10)
    session = make_session(
        forum,
        room=room,
        capacity=5,
        starts_at=now - timedelta(minutes=30),
        ends_at=now + timedelta(hours=1),
    )
    booked = make_registration(forum, make_person(given_name="Ayşe", family_name="Öztürk"))
    no_show = make_registration(forum, make_person(given_name="Hakan", family_name="Çelik"))
    without_seat = make_registration(forum, make_person(given_name="محمد", family_name="الحلبي"))
    make_seat(booked, session)
    make_seat(no_show, session)
    make_seat(without_seat, session, SeatStatus.WAITLISTED)
    open_session = make_session(
        forum,
        needs_booking=False,
        title_en="Open talk",
        starts_at=now - timedelta(minutes=15),
        ends_at=now + timedelta(hours=1),
    )
    door = make_point(forum, name="Salon kapısı", session=session)
    open_door = make_point(forum, name="Açık salon", session=open_session)
    entrance = make_point(forum, name="Ana Giriş", counts_exit=True)
    bearer = {"Authorization": f"Bearer {make_api_token('door')}"}

    def post(registration, point, minutes_ago):
        with app.app_context():
            badge = tokens.issue(
                db.session.get_one(Forum, forum.id),
                registration_id=registration.id,
                serial=registration.badge_serial,
                category=registration.category,
                secret_key=TEST_SECRET,
            )
        at = (now - timedelta(minutes=minutes_ago)).isoformat(timespec="milliseconds")
        response = client.post(
            "/api/v1/scans",
            json={
                "token": badge,
                "point": point.id,
                "uuid": str(uuid.uuid4()),
                "scanned_at": at.replace("+00:00", "Z"),
                "device": "Kapı tableti",
            },
            headers=bearer,
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["outcome"]

    assert post(booked, entrance, 40) == "admitted"
    assert post(without_seat, entrance, 39) == "admitted"
    assert post(booked, door, 20) == "admitted"
    assert post(booked, door, 19) == "already_in"
    # Waitlisted only: the door refuses, and a refusal is no attendance.
    assert post(without_seat, door, 18) == "not_allowed"
    # A session open to every badge: whoever comes is a walk-in.
    assert post(without_seat, open_door, 10) == "admitted"
    assert post(booked, open_door, 5) == "admitted"

    with app.app_context():
        rows = {s.id: s for s in attendance.session_figures(forum)}
        entrances = services.entrance_figures(forum, now=now)
    panel, talk = rows[session.id], rows[open_session.id]
    assert (panel.booked, panel.waitlisted, panel.attended) == (2, 1, 1)
    assert (panel.no_shows, panel.walk_ins, panel.peak) == (1, 0, 1)
    assert (talk.booked, talk.attended, talk.no_shows, talk.walk_ins, talk.peak) == (0, 2, 0, 2, 2)
    assert (entrances.people, entrances.inside) == (2, 2)
