"""Every session gets its door: made with the session, following its name, given to
sessions that have none, switched off (scans kept) when the session is deleted."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from maruf_reg.checkin import doors
from maruf_reg.checkin.counts import point_counts
from maruf_reg.extensions import db
from maruf_reg.models import (
    AuditLog,
    CheckInPoint,
    Forum,
    Outcome,
    PointKind,
    Role,
    Scan,
    Session,
)
from maruf_reg.program import editions, sessions
from maruf_reg.program.services import ForumFields
from maruf_reg.reports import services as reports
from tests.conftest import FORUM_START, TEST_SECRET, forum_time

EN = {"Accept-Language": "en"}


def session_form(room, **values):
    return {
        "kind": "workshop",
        "title_tr": "Atölye: Dirençli Mahalleler",
        "title_en": "Workshop: Resilient Neighbourhoods",
        "theme_id": "",
        "room_id": str(room.id),
        "starts_at": "2030-10-01T14:00",
        "ends_at": "2030-10-01T15:30",
        "capacity": "",
        "needs_booking": "y",
        "description_tr": "",
        "description_en": "",
        **values,
    }


def doors_of(app, session_id=None):
    with app.app_context():
        query = select(CheckInPoint).order_by(CheckInPoint.id)
        if session_id is not None:
            query = query.where(CheckInPoint.session_id == session_id)
        found = db.session.scalars(query).all()
        return [(p.name, p.kind, p.session_id, p.active) for p in found]


def fields(title_tr="Kentsel Dönüşüm", room=None, **values):
    return sessions.SessionFields(
        kind=values.pop("kind", "panel"),
        title_tr=title_tr,
        title_en=values.pop("title_en", "Urban Renewal"),
        starts_at=values.pop("starts_at", forum_time(0, 10)),
        ends_at=values.pop("ends_at", forum_time(0, 11)),
        room_id=room.id if room else None,
        capacity=values.pop("capacity", 40),
        **values,
    )


def test_a_session_made_in_the_admin_gets_its_door(app, client, forum, make_room, login, submit):
    room = make_room(forum, name="Atölye 1", capacity=30)
    login(Role.ADMIN)
    response = submit("/admin/program/sessions/new", session_form(room), headers=EN)
    assert response.status_code == 302
    with app.app_context():
        session = db.session.scalars(select(Session)).one()
        assert session.no_checkin is False
        made = db.session.scalars(
            select(AuditLog).where(AuditLog.action == "checkin_point.create")
        ).one()
        assert made.details["automatic"] is True
    assert doors_of(app) == [
        ("Atölye 1 · Atölye: Dirençli Mahalleler", PointKind.SESSION, session.id, True)
    ]


def test_no_check_in_means_no_door_until_it_is_unticked(
    app, client, forum, make_room, login, submit
):
    room = make_room(forum, name="Fuaye", capacity=300)
    login(Role.ADMIN)
    form = session_form(room, title_tr="Kahve Arası", title_en="Coffee break", no_checkin="y")
    assert submit("/admin/program/sessions/new", form, headers=EN).status_code == 302
    with app.app_context():
        session = db.session.scalars(select(Session)).one()
        assert session.no_checkin is True
    assert doors_of(app) == []
    # Not listed as missing a door either.
    page = client.get("/admin/program", headers=EN).get_data(as_text=True)
    assert 'id="doorless"' not in page
    assert "· no check-in" in page
    form.pop("no_checkin")
    response = submit(f"/admin/program/sessions/{session.id}", form, headers=EN)
    assert response.status_code == 302
    assert doors_of(app) == [("Fuaye · Kahve Arası", PointKind.SESSION, session.id, True)]


def test_a_refused_session_leaves_no_door(app, client, forum, make_room, login, submit):
    room = make_room(forum, name="Salon A", capacity=100)
    login(Role.ADMIN)
    bad = session_form(room, starts_at="2030-10-01T16:00", ends_at="2030-10-01T15:00")
    response = submit("/admin/program/sessions/new", bad, headers=EN)
    assert response.status_code == 200
    assert "must end after it starts" in response.get_data(as_text=True)
    assert doors_of(app) == []


def test_a_renamed_or_moved_session_keeps_its_door_and_a_derived_name_follows(
    app, forum, make_room
):
    salon = make_room(forum, name="Salon A", capacity=100)
    hall = make_room(forum, name="Büyük Salon", capacity=500)
    with app.test_request_context():
        saved = sessions.create_session(forum.id, fields(room=salon), staff_user_id=None)
        session_id = saved.session.id
    [(name, _kind, _sid, _active)] = doors_of(app)
    assert name == "Salon A · Kentsel Dönüşüm"
    with app.app_context():
        door_id = db.session.scalars(select(CheckInPoint.id)).one()
    with app.test_request_context():
        sessions.update_session(
            session_id, fields("Kentsel Dönüşüm ve Deprem", room=hall), staff_user_id=None
        )
    assert doors_of(app) == [
        ("Büyük Salon · Kentsel Dönüşüm ve Deprem", PointKind.SESSION, session_id, True)
    ]
    # A name the organiser chose stays.
    with app.app_context():
        door = db.session.get_one(CheckInPoint, door_id)
        door.name = "Büyük Salon — ön kapı"
        db.session.commit()
    with app.test_request_context():
        sessions.update_session(session_id, fields("Deprem", room=salon), staff_user_id=None)
    assert doors_of(app) == [("Büyük Salon — ön kapı", PointKind.SESSION, session_id, True)]
    with app.app_context():
        assert db.session.scalars(select(CheckInPoint.id)).all() == [door_id]


def test_entrances_are_left_as_they_are(app, forum, make_room, make_point):
    entrance = make_point(forum, name="Ana Giriş", kind=PointKind.ENTRANCE, counts_exit=True)
    with app.test_request_context():
        sessions.create_session(forum.id, fields(), staff_user_id=None)
    found = doors_of(app)
    assert found[0] == ("Ana Giriş", PointKind.ENTRANCE, None, True)
    assert [kind for _n, kind, _s, _a in found] == [PointKind.ENTRANCE, PointKind.SESSION]
    assert entrance.id is not None


def test_a_new_editions_copied_sessions_get_their_doors(app, forum, make_room, make_session):
    room = make_room(forum, name="Salon A", capacity=100)
    make_session(forum, room=room, title_tr="Açılış")
    make_session(forum, title_tr="Kahve", starts_at=forum_time(1, 10), no_checkin=True)
    with app.test_request_context():
        new = editions.create_edition(
            "forum-2031",
            ForumFields(
                name_tr="Forum 2031",
                name_en="Forum 2031",
                starts_on=FORUM_START.replace(year=2031),
                ends_on=FORUM_START.replace(year=2031, day=3),
                timezone="Europe/Istanbul",
            ),
            source_id=forum.id,
            parts=["rooms", "sessions"],
            freeze_source=False,
            secret_key=TEST_SECRET,
            staff_user_id=None,
        )
        copies = db.session.scalars(select(Session).where(Session.forum_id == new.id)).all()
        assert sorted(s.title_tr for s in copies) == ["Açılış", "Kahve"]
        made = db.session.scalars(select(CheckInPoint).where(CheckInPoint.forum_id == new.id)).all()
        assert [(p.name, p.kind) for p in made] == [("Salon A · Açılış", PointKind.SESSION)]


def test_the_programme_lists_sessions_without_a_door_and_gives_them_one(
    app, client, forum, make_room, make_session, make_point, login
):
    room = make_room(forum, name="Salon A", capacity=100)
    missing = make_session(forum, room=room, title_en="Old session without a door")
    make_session(
        forum, title_en="Coffee", title_tr="Kahve", starts_at=forum_time(1, 10), no_checkin=True
    )
    has_one = make_session(forum, title_en="Has one", starts_at=forum_time(2, 10))
    make_point(forum, session=has_one, name="Kapı")
    login(Role.ADMIN)
    page = client.get("/admin/program", headers=EN).get_data(as_text=True)
    listed = page.split('id="doorless"')[1].split("</div>")[0]
    assert "1 session has no check-in point" in listed
    assert "Old session without a door" in listed
    assert "Coffee" not in listed and "Has one" not in listed
    assert f"/admin/program/sessions/{missing.id}" in listed
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/checkin/doors", data={"csrf_token": csrf}, headers=EN, follow_redirects=True
    )
    assert "1 check-in point added." in response.get_data(as_text=True)
    assert 'id="doorless"' not in response.get_data(as_text=True)
    assert doors_of(app, missing.id) == [
        ("Salon A · Yerel Yönetimlerin Rolü", PointKind.SESSION, missing.id, True)
    ]
    # Idempotent: nothing more to give.
    with app.app_context():
        assert doors.give_doors(forum.id) == 0
        assert doors.doorless(forum.id) == []


def test_the_warning_and_the_button_are_in_turkish_and_arabic(
    app, client, forum, make_session, login
):
    make_session(forum)
    login(Role.ADMIN)
    turkish = client.get("/admin/program", headers={"Accept-Language": "tr"}).get_data(as_text=True)
    assert "check-in point" not in turkish.split('id="doorless"')[1].split("</div>")[0]
    arabic = client.get("/admin/program", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert "check-in point" not in arabic.split('id="doorless"')[1].split("</div>")[0]


def test_only_an_organiser_gives_doors(app, client, forum, make_session, login):
    session = make_session(forum)
    login(Role.DESK)
    page = client.get("/checkin/desk", headers=EN).get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0] if "csrf_token" in page else ""
    response = client.post("/checkin/doors", data={"csrf_token": csrf})
    assert response.status_code == 403
    assert doors_of(app, session.id) == []


def test_deleting_a_session_keeps_its_scans_and_the_figures(
    app, client, forum, make_room, make_point, make_registration, login
):
    room = make_room(forum, name="Salon A", capacity=100)
    entrance = make_point(forum, name="Ana Giriş", kind=PointKind.ENTRANCE)
    with app.test_request_context():
        saved = sessions.create_session(forum.id, fields(room=room), staff_user_id=None)
        session_id = saved.session.id
        door_id = db.session.scalars(
            select(CheckInPoint.id).where(CheckInPoint.session_id == session_id)
        ).one()
    people = [make_registration(forum) for _ in range(3)]
    # Scans as the scan path stores them (the door's window and rules are not this test's).
    with app.app_context():
        for n, registration in enumerate(people):
            for point_id, minute in ((entrance.id, 30), (door_id, 55)):
                at = forum_time(0, 9, minute) + timedelta(seconds=n)
                db.session.add(
                    Scan(
                        uuid=str(uuid.uuid4()),
                        point_id=point_id,
                        registration_id=registration.id,
                        serial=1,
                        scanned_at=at,
                        received_at=at,
                        outcome=Outcome.ADMITTED,
                    )
                )
        db.session.commit()

    def figures():
        with app.app_context():
            forum_row = db.session.get_one(Forum, forum.id)
            entrances = reports.entrance_figures(forum_row, day=FORUM_START, now=forum_time(0, 12))
            doors_counts = point_counts(
                [db.session.get_one(CheckInPoint, door_id)],
                forum_time(0, 0),
                forum_time(1, 0),
                inside_at=(),
            )
            scans = db.session.execute(
                select(Scan.point_id, Scan.registration_id, Scan.outcome).order_by(Scan.id)
            ).all()
            return (
                entrances.people,
                [(p.name, p.admissions) for p in entrances.points],
                [(p.admissions, p.people) for p in doors_counts],
                scans,
            )

    before = figures()
    assert len(before[3]) == 6
    assert before[0] == 3 and before[2] == [(3, 3)]
    login(Role.ADMIN)
    page = client.get(f"/admin/program/sessions/{session_id}/delete").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        f"/admin/program/sessions/{session_id}/delete", data={"csrf_token": csrf, "confirm": "y"}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Session, session_id) is None
        door = db.session.get_one(CheckInPoint, door_id)
        # The door stays with its scans, switched off, no longer bound to a session.
        assert (door.session_id, door.active) == (None, False)
        assert (
            db.session.scalar(
                select(Scan.id)
                .where(Scan.point_id == door_id, Scan.outcome == Outcome.ADMITTED)
                .limit(1)
            )
            is not None
        )
    assert figures() == before


def test_the_upgrade_gives_the_sessions_of_a_forum_in_use_their_doors(
    databases, tmp_path, monkeypatch
):
    from maruf_reg import create_app
    from maruf_reg.cli import upgrade

    monkeypatch.setenv("MARUF_INSTANCE_PATH", str(tmp_path))
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "s" * 32,
            "SQLALCHEMY_DATABASE_URI": databases.new("doors_upgrade"),
            "HUEY_IMMEDIATE": True,
        }
    )
    with app.app_context():
        upgrade(revision="e677115ecca5")  # before every session had its door
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO forums (slug, name_tr, name_en, venue, city, starts_on, ends_on,"
                " timezone, registration_open, approval_categories, signup_categories,"
                " badge_colours, colour, created_at) VALUES ('f', 'F', 'F', '', '',"
                " '2030-10-01', '2030-10-03', 'Europe/Istanbul', true, '[]', '[]', '{}',"
                " '#000000', '2030-01-01')"
            )
            connection.exec_driver_sql(
                "INSERT INTO rooms (forum_id, name, capacity, position)"
                " SELECT id, 'Salon A', 100, 1 FROM forums"
            )
            for title, room, hour in (("Açılış", "r.id", 9), ("Kahve", "NULL", 11)):
                connection.exec_driver_sql(
                    "INSERT INTO sessions (forum_id, room_id, kind, title_tr, title_en,"
                    " description_tr, description_en, starts_at, ends_at, capacity,"
                    f" needs_booking, created_at) SELECT f.id, {room}, 'panel', '{title}',"
                    f" '{title}', '', '', '2030-10-01 0{hour - 3}:00:00',"
                    f" '2030-10-01 0{hour - 2}:00:00', 50, true, '2030-01-01'"
                    " FROM forums f, rooms r"
                )
            connection.exec_driver_sql(
                "INSERT INTO checkin_points (forum_id, name, kind, session_id, categories,"
                " counts_exit, active, created_at) SELECT forum_id, 'Kapı', 'session', id,"
                " '[]', false, true, '2030-01-01' FROM sessions WHERE title_tr = 'Kahve'"
            )
        upgrade()
        with db.engine.connect() as connection:
            found = connection.exec_driver_sql(
                "SELECT p.name, s.title_tr FROM checkin_points p JOIN sessions s"
                " ON s.id = p.session_id ORDER BY s.title_tr"
            ).all()
            assert [tuple(row) for row in found] == [
                ("Salon A · Açılış", "Açılış"),
                ("Kapı", "Kahve"),
            ]
            assert (
                connection.exec_driver_sql(
                    "SELECT count(*) FROM sessions WHERE no_checkin"
                ).scalar()
                == 0
            )
        db.engine.dispose()
