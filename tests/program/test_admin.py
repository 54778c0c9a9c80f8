"""The organisers' programme pages, used through the browser's forms (with their CSRF tokens)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from maruf_reg.extensions import db
from maruf_reg.models import (
    AuditLog,
    Category,
    Forum,
    Person,
    Registration,
    RegistrationStatus,
    Role,
    RoleKind,
    Room,
    Seat,
    SeatStatus,
    Session,
    SessionRole,
    Theme,
)
from tests.conftest import csrf_from, forum_time

EN = {"Accept-Language": "en"}

# Every organisers' route of the programme, with the methods it answers. A new route must be added
# here, or test_every_admin_route_is_listed fails: the role checks below then cover it.
ADMIN_ROUTES = [
    ("program.admin_sessions", "GET", "/admin/program"),
    ("program.forum_settings", "GET", "/admin/forum"),
    ("program.forum_settings", "POST", "/admin/forum"),
    ("program.new_session", "GET", "/admin/program/sessions/new"),
    ("program.new_session", "POST", "/admin/program/sessions/new"),
    ("program.edit_session", "GET", "/admin/program/sessions/{session}"),
    ("program.edit_session", "POST", "/admin/program/sessions/{session}"),
    ("program.delete_session", "GET", "/admin/program/sessions/{session}/delete"),
    ("program.delete_session", "POST", "/admin/program/sessions/{session}/delete"),
    ("program.add_role", "POST", "/admin/program/sessions/{session}/people"),
    ("program.edit_role", "POST", "/admin/program/sessions/{session}/people/{role}"),
    ("program.remove_role", "POST", "/admin/program/sessions/{session}/people/{role}/remove"),
    ("program.admin_themes", "GET", "/admin/program/themes"),
    ("program.admin_themes", "POST", "/admin/program/themes"),
    ("program.edit_theme", "GET", "/admin/program/themes/{theme}"),
    ("program.edit_theme", "POST", "/admin/program/themes/{theme}"),
    ("program.delete_theme", "GET", "/admin/program/themes/{theme}/delete"),
    ("program.delete_theme", "POST", "/admin/program/themes/{theme}/delete"),
    ("program.admin_rooms", "GET", "/admin/program/rooms"),
    ("program.admin_rooms", "POST", "/admin/program/rooms"),
    ("program.edit_room", "GET", "/admin/program/rooms/{room}"),
    ("program.edit_room", "POST", "/admin/program/rooms/{room}"),
    ("program.delete_room", "GET", "/admin/program/rooms/{room}/delete"),
    ("program.delete_room", "POST", "/admin/program/rooms/{room}/delete"),
    ("program.admin_booklet", "GET", "/admin/program/booklet.pdf"),
    ("program.new_edition", "GET", "/admin/forums/new"),
    ("program.new_edition", "POST", "/admin/forums/new"),
    ("program.freeze_edition", "POST", "/admin/forums/{forum}/frozen"),
]


@pytest.fixture
def speaker_role(app, programme, make_registration):
    """A confirmed speaker with a part in the panel; returns the SessionRole's id."""
    registration = make_registration(programme.forum, category=Category.SPEAKER)
    with app.app_context():
        role = SessionRole(
            session_id=programme.panel.id, person_id=registration.person_id, role=RoleKind.SPEAKER
        )
        db.session.add(role)
        db.session.commit()
        return role.id


def url(path, programme, role_id=0):
    return path.format(
        session=programme.panel.id,
        theme=programme.theme.id,
        room=programme.salon.id,
        role=role_id,
        forum=programme.forum.id,
    )


def session_form(programme, **values):
    return {
        "kind": "workshop",
        "title_tr": "Atölye: Dirençli Mahalleler",
        "title_en": "Workshop: Resilient Neighbourhoods",
        "theme_id": str(programme.theme.id),
        "room_id": str(programme.workshop_room.id),
        "starts_at": "2030-10-01T14:00",
        "ends_at": "2030-10-01T15:30",
        "capacity": "",
        "needs_booking": "y",
        "description_tr": "",
        "description_en": "",
        **values,
    }


def all_sessions(app):
    with app.app_context():
        return [
            (s.id, s.title_en, s.room_id, s.starts_at, s.ends_at)
            for s in db.session.scalars(select(Session).order_by(Session.id))
        ]


# --- who may open what -------------------------------------------------------------------------


#: every staff user chooses which edition they work on (tests/test_authorization.py)
EVERY_STAFF_ROUTE = {"program.editions", "program.choose_edition"}


def test_every_admin_route_is_listed(app):
    found = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("program.")
        and rule.rule.startswith("/admin")
        and rule.endpoint not in EVERY_STAFF_ROUTE
        for method in rule.methods & {"GET", "POST"}
    }
    assert found == {(endpoint, method) for endpoint, method, _path in ADMIN_ROUTES}
    for endpoint, _method, _path in ADMIN_ROUTES:
        assert app.view_functions[endpoint].allowed_roles == {Role.ADMIN}


@pytest.mark.parametrize("role", [None, Role.DESK, Role.DOOR])
def test_admin_routes_refuse_anonymous_users_and_other_roles(
    app, client, login, programme, speaker_role, count, role
):
    if role is not None:
        login(role)
        token = csrf_from(client.get("/").get_data(as_text=True))
    else:
        token = csrf_from(client.get("/login").get_data(as_text=True))
    for _endpoint, method, path in ADMIN_ROUTES:
        target = url(path, programme, speaker_role)
        if method == "GET":
            response = client.get(target)
        else:
            response = client.post(
                target, data={"csrf_token": token, "confirm": "y", "name": "Salon Z"}
            )
        if role is None:
            assert response.status_code == 302, (method, target)
            assert response.headers["Location"].startswith("/login"), (method, target)
        else:
            assert response.status_code == 403, (method, target)
    # Nothing was changed by any of them.
    assert (count(Session), count(SessionRole), count(Theme), count(Room)) == (1, 1, 1, 2)


def test_organisers_open_every_admin_page(client, login, programme, speaker_role):
    login(Role.ADMIN)
    for _endpoint, method, path in ADMIN_ROUTES:
        if method == "GET":
            response = client.get(url(path, programme, speaker_role), headers=EN)
            assert response.status_code == 200, path


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    app, client, login, programme
):
    login(Role.ADMIN)
    before = all_sessions(app)
    response = client.post("/admin/program/sessions/new", data=session_form(programme))
    assert response.status_code == 400
    assert all_sessions(app) == before
    response = client.post(
        f"/admin/program/sessions/{programme.panel.id}/delete", data={"confirm": "y"}
    )
    assert response.status_code == 400
    assert all_sessions(app) == before


# --- sessions ----------------------------------------------------------------------------------


def test_an_organiser_builds_a_session_with_speakers(app, client, login, submit, programme):
    staff = login(Role.ADMIN)
    response = submit(
        "/admin/program/sessions/new",
        session_form(programme),
        headers=EN,
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "The session is saved." in page
    with app.app_context():
        session = db.session.scalars(
            select(Session).where(Session.title_tr.startswith("Atölye"))
        ).one()
        assert session.capacity == 30 and session.starts_at == forum_time(0, 14)
        session_id = session.id
    edit = f"/admin/program/sessions/{session_id}"
    response = submit(
        edit,
        {
            "person_id": "",
            "email": "leyla@example.org",
            "given_name": "ليلى",
            "family_name": "<b>حداد</b>",
            "organisation": "UCLG-MEWA",
            "country": "LB",
            "role": "moderator",
            "position": "",
        },
        action=f"{edit}/people",
        headers=EN,
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "<bdi>ليلى &lt;b&gt;حداد&lt;/b&gt;</bdi> added as Moderator." in page
    assert "is now registered in the forum (confirmed)" in page
    with app.app_context():
        registration = db.session.scalars(select(Registration)).one()
        assert registration.category == Category.MODERATOR
        assert registration.status == RegistrationStatus.CONFIRMED
        entries = db.session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
        # The session's door (checkin/doors.py) is made with it.
        assert [e.action for e in entries] == [
            "session.create",
            "checkin_point.create",
            "session.role_add",
        ]
        assert {e.staff_user_id for e in entries} == {staff.id}
    # The visitor sees the session and its moderator in both languages.
    public = client.get(f"/sessions/{session_id}", headers=EN).get_data(as_text=True)
    assert "Workshop: Resilient Neighbourhoods" in public and "&lt;b&gt;حداد&lt;/b&gt;" in public
    turkish = client.get(f"/sessions/{session_id}", headers={"Accept-Language": "tr"})
    assert "Atölye: Dirençli Mahalleler" in turkish.get_data(as_text=True)


def test_an_organiser_edits_and_deletes_a_session(app, client, login, submit, programme):
    login(Role.ADMIN)
    edit = f"/admin/program/sessions/{programme.panel.id}"
    response = submit(
        edit,
        session_form(
            programme,
            title_en="Cities of Refuge",
            room_id=str(programme.salon.id),
            starts_at="2030-10-01T11:00",
            ends_at="2030-10-01T12:00",
            capacity="150",
        ),
        headers=EN,
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "The session is saved." in page
    assert "more places (150) than the room has seats (100)" in page
    with app.app_context():
        session = db.session.get(Session, programme.panel.id)
        assert (session.title_en, session.capacity, session.ends_at) == (
            "Cities of Refuge",
            150,
            forum_time(0, 12),
        )
    response = submit(f"{edit}/delete", {}, headers=EN, follow_redirects=True)
    assert "The session is deleted." in response.get_data(as_text=True)
    assert all_sessions(app) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"room_id": "SALON", "starts_at": "2030-10-01T12:00", "ends_at": "2030-10-01T13:00"},
            "Salon A is taken at that time",
        ),
        ({"ends_at": "2030-10-01T13:00"}, "The session must end after it starts."),
        (
            {"starts_at": "2030-09-30T14:00", "ends_at": "2030-09-30T15:00"},
            "The session must take place during the forum",
        ),
        (
            {"starts_at": "2030-10-04T10:00", "ends_at": "2030-10-04T11:00"},
            "The session must take place during the forum",
        ),
        ({"theme_id": "999999"}, "Not a valid choice"),
        ({"room_id": "999999"}, "Not a valid choice"),
        ({"kind": "party"}, "Not a valid choice"),
        ({"title_en": "x" * 301}, "Field cannot be longer than 300 characters."),
        ({"description_tr": "ğ" * 5001}, "Field cannot be longer than 5000 characters."),
        ({"title_tr": ""}, "This field is required."),
        ({"starts_at": "tomorrow"}, "Not a valid datetime value."),
        ({"capacity": "-5"}, "Number must be between 0 and 100000."),
        ({"room_id": "", "capacity": ""}, "Give the number of seats"),
    ],
)
def test_bad_sessions_get_a_form_error_and_change_nothing(
    app, login, submit, programme, change, message
):
    login(Role.ADMIN)
    before = all_sessions(app)
    if change.get("room_id") == "SALON":
        change = {**change, "room_id": str(programme.salon.id)}
    response = submit("/admin/program/sessions/new", session_form(programme, **change), headers=EN)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert "Please correct the marked fields." in page
    assert all_sessions(app) == before
    with app.app_context():
        assert db.session.scalars(select(AuditLog)).all() == []


def test_a_refused_edit_leaves_the_session_as_it_was(app, login, submit, programme, make_session):
    login(Role.ADMIN)
    other = make_session(programme.forum, room=programme.workshop_room, starts_at=forum_time(0, 14))
    before = all_sessions(app)
    response = submit(
        f"/admin/program/sessions/{other.id}",
        session_form(
            programme,
            room_id=str(programme.salon.id),
            starts_at="2030-10-01T11:30",
            ends_at="2030-10-01T12:00",
        ),
        headers=EN,
    )
    assert "Salon A is taken at that time" in response.get_data(as_text=True)
    assert all_sessions(app) == before


def test_deleting_a_session_with_booked_seats_needs_a_confirmation(
    app, login, submit, programme, make_registration, count
):
    login(Role.ADMIN)
    with app.app_context():
        for _ in range(2):
            registration = make_registration(programme.forum)
            db.session.add(
                Seat(
                    registration_id=registration.id,
                    session_id=programme.panel.id,
                    status=SeatStatus.BOOKED,
                )
            )
        db.session.commit()
    page_url = f"/admin/program/sessions/{programme.panel.id}/delete"
    response = submit(page_url, {}, headers=EN)
    page = response.get_data(as_text=True)
    assert "Seats booked in this session: 2." in page
    assert count(Session) == 1 and count(Seat) == 2
    response = submit(page_url, {"confirm": "y"}, headers=EN, follow_redirects=True)
    assert "The session is deleted." in response.get_data(as_text=True)
    assert count(Session) == 0 and count(Seat) == 0


# --- people in sessions ------------------------------------------------------------------------


def test_a_speaker_in_two_overlapping_sessions_gets_a_visible_warning(
    app, client, login, submit, programme, make_session, make_person, make_registration
):
    login(Role.ADMIN)
    other = make_session(
        programme.forum,
        room=programme.workshop_room,
        starts_at=forum_time(0, 12),
        title_en="Overlapping workshop",
        title_tr="Çakışan atölye",
    )
    speaker = make_registration(
        programme.forum,
        make_person(given_name="İlkay", family_name="Işık"),
        category=Category.SPEAKER,
    )
    for session_id in (programme.panel.id, other.id):
        edit = f"/admin/program/sessions/{session_id}"
        response = submit(
            edit,
            {"person_id": str(speaker.person_id), "role": "speaker"},
            action=f"{edit}/people",
            headers=EN,
            follow_redirects=True,
        )
        assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Warning: somebody here is in another session at the same time." in page
    assert "<bdi>İlkay Işık</bdi> is also in “The Role of Local Governments”" in page
    overview = client.get("/admin/program", headers=EN).get_data(as_text=True)
    assert "<bdi>İlkay Işık</bdi> is also in “Overlapping workshop” at the same time." in overview
    with app.app_context():
        assert len(db.session.scalars(select(SessionRole)).all()) == 2  # a warning, not a refusal


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-address"}, "This is not a valid e-mail address."),
        ({"email": "new@example.org", "given_name": ""}, "This field is required."),
        (
            {"email": "new@example.org", "given_name": "Ş" * 101},
            "Field cannot be longer than 100 characters.",
        ),
        ({"email": "", "person_id": ""}, "Choose a person or give an e-mail address."),
        ({"person_id": "999999"}, "Unknown person."),
        ({"email": "new@example.org", "given_name": "Ada", "country": "XX"}, "Not a valid choice"),
        (
            {"email": "new@example.org", "given_name": "Ada", "role": "keynote"},
            "Not a valid choice",
        ),
    ],
)
def test_bad_people_get_a_form_error_and_change_nothing(
    app, login, submit, programme, count, data, message
):
    login(Role.ADMIN)
    edit = f"/admin/program/sessions/{programme.panel.id}"
    form = {
        "person_id": "",
        "email": "",
        "given_name": "",
        "family_name": "",
        "organisation": "",
        "country": "",
        "role": "speaker",
        "position": "",
        **data,
    }
    response = submit(edit, form, action=f"{edit}/people", headers=EN)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert (count(Person), count(SessionRole), count(Registration)) == (0, 0, 0)


def test_refusals_show_names_escaped(app, login, submit, programme, make_person, count):
    login(Role.ADMIN)
    make_person(given_name="<script>alert(1)</script>", family_name="Öztürk", email="x@example.org")
    edit = f"/admin/program/sessions/{programme.panel.id}"
    form = {"person_id": "", "email": "x@example.org", "role": "speaker"}
    submit(edit, form, action=f"{edit}/people", headers=EN)
    page = submit(edit, form, action=f"{edit}/people", headers=EN).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Öztürk is in this session already" in page
    assert "<script>alert(1)" not in page
    assert count(SessionRole) == 1


def test_an_organiser_changes_and_removes_a_speaker(
    app, client, login, submit, programme, speaker_role
):
    login(Role.ADMIN)
    edit = f"/admin/program/sessions/{programme.panel.id}"
    prefix = f"role{speaker_role}"
    response = submit(
        edit,
        {
            f"{prefix}-role": "chair",
            f"{prefix}-position": "3",
            f"{prefix}-csrf_token": csrf_from(client.get(edit).get_data(as_text=True)),
        },
        action=f"{edit}/people/{speaker_role}",
        headers=EN,
        follow_redirects=True,
    )
    assert "Saved." in response.get_data(as_text=True)
    with app.app_context():
        role = db.session.get(SessionRole, speaker_role)
        assert (role.role, role.position) == (RoleKind.CHAIR, 3)
    response = submit(
        edit, {}, action=f"{edit}/people/{speaker_role}/remove", headers=EN, follow_redirects=True
    )
    assert "is no longer in this session." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(SessionRole, speaker_role) is None


# --- themes, rooms, forum ----------------------------------------------------------------------


def test_an_organiser_manages_themes(app, login, submit, programme, count):
    login(Role.ADMIN)
    theme = {
        "slug": "resilience",
        "name_tr": "Dirençlilik",
        "name_en": "Resilience",
        "description_tr": "",
        "description_en": "",
        "colour": "#d35400",
        "position": "2",
    }
    response = submit("/admin/program/themes", theme, headers=EN, follow_redirects=True)
    assert "The theme is added." in response.get_data(as_text=True)
    for bad, message in [
        ({"slug": "Dirençlilik"}, "Lower-case letters"),
        ({"slug": "migration"}, "Another theme has this short name."),
        ({"name_en": "x" * 151}, "Field cannot be longer than 150 characters."),
    ]:
        response = submit("/admin/program/themes", {**theme, **bad}, headers=EN)
        assert message in response.get_data(as_text=True)
    assert count(Theme) == 2
    # A theme in use: the page asks, and only a confirmation deletes it.
    delete = f"/admin/program/themes/{programme.theme.id}/delete"
    response = submit(delete, {}, headers=EN)
    assert "Sessions with this theme: 1." in response.get_data(as_text=True)
    assert count(Theme) == 2
    submit(delete, {"confirm": "y"}, headers=EN)
    assert count(Theme) == 1
    with app.app_context():
        assert db.session.get(Session, programme.panel.id).theme_id is None


def test_an_organiser_manages_rooms(app, login, submit, programme, count):
    login(Role.ADMIN)
    response = submit(
        "/admin/program/rooms",
        {"name": "Sinema Salonu", "capacity": "250", "position": "3"},
        headers=EN,
        follow_redirects=True,
    )
    assert "The room is added." in response.get_data(as_text=True)
    response = submit(
        "/admin/program/rooms", {"name": "Salon A", "capacity": "5", "position": "0"}, headers=EN
    )
    assert "Another room has this name." in response.get_data(as_text=True)
    response = submit(
        "/admin/program/rooms", {"name": "Balkon", "capacity": "lots", "position": "0"}, headers=EN
    )
    assert "Not a valid integer value." in response.get_data(as_text=True)
    assert count(Room) == 3
    response = submit(
        f"/admin/program/rooms/{programme.salon.id}",
        {"name": "Salon A", "capacity": "120", "position": "1"},
        headers=EN,
        follow_redirects=True,
    )
    assert "The room is saved." in response.get_data(as_text=True)
    # A room with a session in it is not deleted: the page says why and offers no button.
    delete = f"/admin/program/rooms/{programme.salon.id}/delete"
    response = submit(delete, {}, headers=EN)
    assert "Sessions in this room: 1. Move or delete them first." in response.get_data(as_text=True)
    assert count(Room) == 3
    submit(f"/admin/program/rooms/{programme.workshop_room.id}/delete", {}, headers=EN)
    assert count(Room) == 2


def test_an_organiser_changes_the_forum_settings(app, login, submit, programme):
    login(Role.ADMIN)
    settings = {
        "name_tr": "Marmara Kentsel Forumu 2030",
        "name_en": "Marmara Urban Forum 2030",
        "starts_on": "2030-10-01",
        "ends_on": "2030-10-03",
        "timezone": "Europe/Istanbul",
        "venue": "Haliç Kongre Merkezi",
        "city": "İstanbul",
        "colour": "#0b5394",
    }
    response = submit("/admin/forum", settings, headers=EN, follow_redirects=True)
    assert "The forum&#39;s settings are saved." in response.get_data(as_text=True)
    with app.app_context():
        forum = db.session.get(Forum, programme.forum.id)
        assert forum.name_en == "Marmara Urban Forum 2030" and forum.registration_open is False
    response = submit("/admin/forum", {**settings, "starts_on": "2030-10-02"}, headers=EN)
    assert "Sessions that would fall outside the forum&#39;s days: 1." in response.get_data(
        as_text=True
    )
    response = submit("/admin/forum", {**settings, "timezone": "Mars/Olympus"}, headers=EN)
    assert "Not a valid choice" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Forum, programme.forum.id).starts_on.isoformat() == "2030-10-01"


def test_the_first_forum_is_made_on_the_settings_page(app, client, login, submit, count):
    login(Role.ADMIN)
    response = client.get("/admin/program")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/forum")
    response = submit(
        "/admin/forum",
        {
            "slug": "maruf2030",
            "name_tr": "MARUF 2030",
            "name_en": "MARUF 2030",
            "starts_on": "2030-10-01",
            "ends_on": "2030-10-03",
            "timezone": "Europe/Istanbul",
            "colour": "#0b5394",
            "registration_open": "y",
        },
        headers=EN,
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert count(Forum) == 1
    with app.app_context():
        assert db.session.scalars(select(Forum)).one().public_key


def test_the_time_pickers_open_on_the_forums_days(client, login, programme):
    login(Role.ADMIN)
    page = client.get("/admin/program/sessions/new").get_data(as_text=True)
    assert 'min="2030-10-01T00:00"' in page and 'max="2030-10-04T00:00"' in page
    edit = client.get(f"/admin/program/sessions/{programme.panel.id}").get_data(as_text=True)
    assert 'value="2030-10-01T11:00"' in edit  # the stored UTC time, shown in Istanbul time


def test_rows_of_another_forum_are_not_found(
    client, login, programme, make_forum, make_theme, make_room, make_session
):
    login(Role.ADMIN)
    older = make_forum(
        starts_on=programme.forum.starts_on.replace(year=2029),
        ends_on=programme.forum.ends_on.replace(year=2029),
    )
    room = make_room(older)
    old_session = make_session(older, room=room, starts_at=forum_time(-365, 11))
    for path in (
        f"/admin/program/sessions/{old_session.id}",
        f"/admin/program/themes/{make_theme(older).id}",
        f"/admin/program/rooms/{room.id}/delete",
    ):
        assert client.get(path).status_code == 404, path
    token = csrf_from(client.get("/").get_data(as_text=True))
    missing = f"/admin/program/sessions/{programme.panel.id}/people/999999/remove"
    assert client.post(missing, data={"csrf_token": token}).status_code == 404


def test_the_speaker_picker_searches_people_on_the_server(
    app, client, login, programme, make_person, make_registration
):
    for n in range(40):
        make_registration(
            programme.forum,
            make_person(given_name=f"Speaker{n:02d}", family_name="Yılmaz"),
            category=Category.SPEAKER,
        )
    make_registration(
        programme.forum,
        make_person(given_name="Ağah", family_name="Öztürk", organisation="İBB"),
        category=Category.SPEAKER,
    )
    make_person(given_name="Outsider", family_name="Öztürk")  # speaks nowhere in the forum
    login(Role.ADMIN)
    edit = f"/admin/program/sessions/{programme.panel.id}"
    plain = client.get(edit, headers=EN).get_data(as_text=True)
    assert "Speaker00" not in plain  # no dropdown of every name: a search box instead
    found = client.get(f"{edit}?who=ozturk", headers=EN).get_data(as_text=True)
    assert "Ağah Öztürk" in found and "Outsider" not in found and "Speaker00" not in found
    many = client.get(f"{edit}?who=yilmaz", headers=EN).get_data(as_text=True)
    assert many.count('name="person_id"') == 25  # at most 25, sorted by name
    assert many.index("Speaker00 Yılmaz") < many.index("Speaker01 Yılmaz")
