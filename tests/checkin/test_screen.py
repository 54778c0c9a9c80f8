"""The room screen `/screen`: sessions now and next per room, seats left or ROOM FULL
by the presence rule, no names, tr/en/ar, cheap for many TVs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from maruf_reg.checkin import room_screen
from maruf_reg.extensions import db
from maruf_reg.models import CheckInPoint, Outcome, PointKind, Role, Scan

EN = {"Accept-Language": "en"}


@pytest.fixture
def venue(app, forum, make_room, make_session, make_point):
    """Salon A: a panel now (40 seats, its door counts exits) and a talk next; Atölye 1: a coffee
    break now without check-in; Fuaye: only something in 30 minutes."""
    now = datetime.now(UTC).replace(microsecond=0)
    salon = make_room(forum, name="Salon A", capacity=40, position=1)
    workshop = make_room(forum, name="Atölye 1", capacity=20, position=2)
    foyer = make_room(forum, name="Fuaye", capacity=200, position=3)
    panel = make_session(
        forum,
        room=salon,
        title_tr="Deprem ve Kent",
        title_en="Earthquakes and the City",
        starts_at=now - timedelta(minutes=30),
        ends_at=now + timedelta(minutes=60),
    )
    talk = make_session(
        forum,
        room=salon,
        title_tr="Sıfır Atık",
        title_en="Zero Waste",
        starts_at=now + timedelta(minutes=90),
        ends_at=now + timedelta(minutes=150),
    )
    coffee = make_session(
        forum,
        room=workshop,
        title_tr="Kahve Arası",
        title_en="Coffee Break",
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(minutes=20),
        no_checkin=True,
    )
    later = make_session(
        forum,
        room=foyer,
        title_tr="Sergi Açılışı",
        title_en="Exhibition Opening",
        starts_at=now + timedelta(minutes=30),
        ends_at=now + timedelta(minutes=90),
    )
    # Yesterday's session in the same room is not on the screen.
    make_session(
        forum,
        room=salon,
        title_tr="Dünkü Oturum",
        title_en="Yesterday's session",
        starts_at=now - timedelta(days=1),
        ends_at=now - timedelta(days=1) + timedelta(hours=1),
    )
    door = make_point(forum, session=panel, name="Salon A · Deprem ve Kent", counts_exit=True)
    talk_door = make_point(forum, session=talk, name="Salon A · Sıfır Atık")
    return {
        "now": now,
        "panel": panel,
        "talk": talk,
        "coffee": coffee,
        "later": later,
        "door": door,
        "talk_door": talk_door,
    }


def add_scans(app, point, registrations, outcome=Outcome.ADMITTED, minutes_ago=5):
    with app.app_context():
        for n, registration in enumerate(registrations):
            at = datetime.now(UTC) - timedelta(minutes=minutes_ago) + timedelta(seconds=n)
            db.session.add(
                Scan(
                    uuid=str(uuid.uuid4()),
                    point_id=point.id,
                    registration_id=registration.id,
                    serial=1,
                    scanned_at=at,
                    received_at=at,
                    outcome=outcome,
                )
            )
        db.session.commit()


def fresh(app):
    with app.test_request_context():
        found = room_screen.screen(datetime.now(UTC))
        assert found is not None
        return {room.name: room for room in found.rooms}


def test_the_screen_shows_now_and_next_per_room(app, client, venue):
    page = client.get("/screen", headers=EN)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<meta http-equiv="refresh"' in html and "<noscript>" in html
    assert "Salon A" in html and "Atölye 1" in html and "Fuaye" in html
    assert "Earthquakes and the City" in html and "Zero Waste" in html
    assert "Coffee Break" in html and "Exhibition Opening" in html
    assert "Yesterday" not in html
    # Nobody scanned yet: the panel has all its seats; the coffee break has no door, no count.
    assert "40 seats free" in html
    assert html.count("seats free") == 1
    assert "No session now" in html  # Fuaye
    data = client.get("/screen.json?lang=en").get_json()
    rooms = {room["name"]: room for room in data["rooms"]}
    assert list(rooms) == ["Salon A", "Atölye 1", "Fuaye"]
    assert rooms["Salon A"]["now"]["title"] == "Earthquakes and the City"
    assert rooms["Salon A"]["now"]["seats_left"] == 40
    assert rooms["Salon A"]["next"]["title"] == "Zero Waste"
    assert rooms["Atölye 1"]["now"]["seats_left"] is None
    assert rooms["Atölye 1"]["next"] is None
    assert rooms["Fuaye"]["now"] is None
    assert rooms["Fuaye"]["next"]["title"] == "Exhibition Opening"
    # The forum's local time (Istanbul, UTC+3 all year).
    local = (venue["now"] + timedelta(hours=3)).strftime("%H:%M")
    assert data["clock"] in {
        local,
        (venue["now"] + timedelta(hours=3, minutes=1)).strftime("%H:%M"),
    }


def test_seats_left_follow_the_presence_rule(app, venue, make_registration, forum):
    people = [make_registration(forum) for _ in range(5)]
    add_scans(app, venue["door"], people)
    # A repeat admission moves nobody; an exit frees a seat; a refusal counts nothing.
    add_scans(app, venue["door"], people[:1], minutes_ago=4)
    add_scans(app, venue["door"], people[1:2], Outcome.EXITED, minutes_ago=3)
    add_scans(app, venue["door"], people[2:3], Outcome.NOT_ALLOWED, minutes_ago=2)
    # Scans at the next session's door are not this session's.
    add_scans(app, venue["talk_door"], people)
    rooms = fresh(app)
    assert rooms["Salon A"].now.inside == 4
    assert rooms["Salon A"].now.seats_left == 36
    assert rooms["Salon A"].next.inside is None
    assert not rooms["Salon A"].now.full


def test_room_full_in_three_languages(app, client, venue, make_registration, forum):
    people = [make_registration(forum) for _ in range(41)]
    add_scans(app, venue["door"], people)
    rooms = fresh(app)
    assert rooms["Salon A"].now.full and rooms["Salon A"].now.seats_left == 0
    english = client.get("/screen?lang=en").get_data(as_text=True)
    assert "Room full" in english and "is-full" in english
    turkish = client.get("/screen?lang=tr").get_data(as_text=True)
    assert '<html lang="tr" dir="ltr">' in turkish
    assert "Salon dolu" in turkish and "Deprem ve Kent" in turkish and "Şimdi" in turkish
    arabic = client.get("/screen?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in arabic
    assert "القاعة ممتلئة" in arabic and "الآن" in arabic
    # An Arabic page shows the English title, marked as English, left to right.
    assert 'lang="en" dir="ltr">Earthquakes and the City<' in arabic
    data = client.get("/screen.json?lang=ar").get_json()
    assert data["dir"] == "rtl"
    assert data["rooms"][0]["now"]["status"] == "القاعة ممتلئة"


def test_the_screen_names_nobody(app, client, venue, make_registration, make_person, forum):
    person = make_person(
        given_name="Zeynep",
        family_name="Karaosmanoğlu",
        email="zeynep.k@example.org",
        organisation="Gizli Vakıf",
        phone="+90 555 000 11 22",
    )
    registration = make_registration(forum, person=person)
    add_scans(app, venue["door"], [registration])
    for url in ("/screen?lang=tr", "/screen?lang=en", "/screen?lang=ar", "/screen.json"):
        body = client.get(url).get_data(as_text=True)
        for secret in (
            "Zeynep",
            "Karaosmano",
            "zeynep.k",
            "Gizli",
            "555",
            registration.manage_token,
        ):
            assert secret not in body, (url, secret)
    data = client.get("/screen.json").get_json()
    session_keys = {
        key
        for room in data["rooms"]
        for part in ("now", "next")
        if room[part]
        for key in room[part]
    }
    assert session_keys == {
        "title",
        "title_lang",
        "title_dir",
        "time",
        "starts",
        "seats_left",
        "full",
        "status",
    }


def test_many_screens_cost_no_queries_within_the_cache(app, client, venue):
    assert client.get("/screen.json").status_code == 200
    statements = []

    def count(*args, **kwargs):
        statements.append(args[2] if len(args) > 2 else "")

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(20):
            assert client.get("/screen.json").status_code == 200
            assert client.get("/screen").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # At most the app's own look-up of the public forum per request; nothing of the screen's.
    assert not [s for s in statements if "sessions" in s or "scans" in s]
    assert len([s for s in statements if s.startswith("SELECT")]) <= 40
    response = client.get("/screen.json")
    assert response.headers["Cache-Control"] in {"public, max-age=10", "max-age=10, public"}


def test_a_fresh_screen_takes_three_queries_at_most(app, venue):
    statements = []

    def count(*args, **kwargs):
        statements.append(args[2])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        fresh(app)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # The public forum, the sessions with their rooms and doors, the people inside.
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 3


def test_without_a_forum_the_screen_is_not_found(client):
    assert client.get("/screen").status_code == 404
    assert client.get("/screen.json").status_code == 404


def test_a_deactivated_door_shows_no_count(app, venue):
    with app.app_context():
        db.session.get_one(CheckInPoint, venue["door"].id).active = False
        db.session.commit()
    rooms = fresh(app)
    assert rooms["Salon A"].now.inside is None
    assert venue["door"].kind == PointKind.SESSION


def test_staff_find_the_screen_on_the_points_page(client, login, venue):
    login(Role.DOOR)
    page = client.get("/checkin/", headers=EN).get_data(as_text=True)
    assert 'href="/screen"' in page and "Room screen for the TVs" in page


def test_a_next_session_on_another_day_says_its_day(app, client, forum, make_room, make_session):
    room = make_room(forum, name="Salon A", capacity=40)
    # 23:00 in Istanbul; the next session is at 08:00 the next morning.
    evening = datetime(2030, 10, 1, 20, 0, tzinfo=UTC)
    make_session(
        forum,
        room=room,
        title_en="Breakfast Talk",
        starts_at=evening + timedelta(hours=9),
        ends_at=evening + timedelta(hours=10),
    )
    with app.test_request_context("/screen.json?lang=en"):
        from maruf_reg.checkin.screen import _layout

        layout = _layout(room_screen.screen(evening))
    assert layout["clock"] == "23:00"
    assert layout["rooms"][0]["next"]["starts"] == "Wed 08:00"
    assert layout["rooms"][0]["now"] is None
