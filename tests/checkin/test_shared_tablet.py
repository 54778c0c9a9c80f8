"""A shared tablet keeps nothing: log-out ends the session on the server (a replayed cookie is
logged out), staff and personal pages are never stored, bearer tokens stay off the forms."""

from __future__ import annotations

from sqlalchemy import select

from maruf_reg.extensions import db
from maruf_reg.models import ApiToken, Role, StaffUser
from tests.conftest import csrf_from


def _session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _log_out(client) -> None:
    page = client.get("/staff")
    response = client.post("/logout", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302


def test_a_replayed_session_cookie_is_logged_out(app, client, login):
    staff = login(Role.DESK)
    assert client.get("/staff").status_code == 200
    stolen = _session_cookie(client)
    _log_out(client)
    assert client.get("/staff").status_code == 302
    # The copy of the cookie taken before the log-out (a shared tablet, a replay) is dead too.
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/staff")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    with app.app_context():
        assert db.session.get(StaffUser, staff.id).session_version == 2


def test_log_out_ends_the_other_sessions_of_the_user_too(app, client, make_staff):
    staff = make_staff(Role.DOOR)
    tablet, phone = app.test_client(), app.test_client()
    for device in (tablet, phone):
        page = device.get("/login")
        device.post(
            "/login",
            data={
                "csrf_token": csrf_from(page.get_data(as_text=True)),
                "email": staff.email,
                "password": staff.password,
            },
        )
        assert device.get("/staff").status_code == 200
    _log_out(tablet)
    assert phone.get("/staff").status_code == 302
    # Logging in again makes a session that works.
    page = phone.get("/login")
    phone.post(
        "/login",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "email": staff.email,
            "password": staff.password,
        },
    )
    assert phone.get("/staff").status_code == 200


def test_a_deactivated_user_is_logged_out_at_once(app, client, login):
    staff = login(Role.DESK)
    with app.app_context():
        db.session.get(StaffUser, staff.id).active = False
        db.session.commit()
    assert client.get("/staff").status_code == 302


def test_staff_and_personal_pages_are_never_stored(
    app, client, login, forum, make_registration, make_point
):
    registration = make_registration(forum)
    point = make_point(forum)
    anonymous = app.test_client()
    token = registration.manage_token
    for url in [f"/r/{token}", f"/r/{token}/edit", f"/r/{token}/cancel", "/login"]:
        response = anonymous.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response.headers["Cache-Control"], url
    login(Role.ADMIN)
    staff_pages = [
        "/staff",
        "/admin/registrations",
        f"/admin/registrations/{registration.id}",
        "/admin/staff",
        "/checkin/",
        f"/checkin/{point.id}",
        "/checkin/desk?q=a",
        "/checkin/counts",
        f"/api/v1/points/{point.id}/bundle",
        "/api/v1/people?q=a",
    ]
    for url in staff_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response.headers["Cache-Control"], url
    # A redirect to the log-in from a staff page is not kept either.
    assert "no-store" in anonymous.get("/admin/registrations").headers["Cache-Control"]
    # Static files are kept (versioned URLs), the public programme may be.
    assert "no-store" not in anonymous.get("/static/css/app.css").headers.get("Cache-Control", "")
    assert "no-store" not in anonymous.get("/").headers.get("Cache-Control", "")


def test_a_bearer_token_on_a_form_route_is_refused_not_a_crash(
    app, client, make_api_token, make_staff
):
    admin = make_api_token(Role.ADMIN)
    headers = {"Authorization": f"Bearer {admin}"}
    # Forms act as a staff user; a token is no staff user: 403, and nothing is written.
    response = client.post(
        "/admin/tokens", data={"role": "door", "name": "made by a token"}, headers=headers
    )
    assert response.status_code == 403
    response = client.post(
        "/admin/staff", data={"email": "x@example.org", "role": "desk"}, headers=headers
    )
    assert response.status_code == 403
    with app.app_context():
        assert (
            db.session.scalar(select(ApiToken.id).where(ApiToken.name == "made by a token")) is None
        )
        assert db.session.scalar(select(StaffUser.id)) is None
    make_staff(Role.DESK)  # the staff page compares each user with the one looking
    # Pages a token may read still open; a page that needs a staff user refuses it, never a 500.
    assert client.get("/admin/tokens", headers=headers).status_code == 200
    assert client.get("/admin/staff", headers=headers).status_code == 403
