"""Staff access: log-in, roles, API tokens, and the CLI that makes users and tokens."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from maruf_reg.auth import services
from maruf_reg.extensions import db
from maruf_reg.models import ApiToken, AuditLog, Role, StaffUser
from tests.conftest import csrf_from

STAFF_ADMIN_PAGES = ["/admin/staff", "/admin/tokens"]


def test_login_with_right_password_opens_the_staff_page(client, make_staff):
    staff = make_staff(Role.DESK)
    page = client.get("/login")
    response = client.post(
        "/login?next=/staff",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "email": staff.email.upper(),
            "password": staff.password,
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert client.get("/staff").status_code == 200


def test_login_refuses_a_wrong_password_and_an_unknown_address(client, make_staff):
    staff = make_staff()
    for email, password in [(staff.email, "wrong password!"), ("nobody@example.org", "x" * 12)]:
        page = client.get("/login", headers={"Accept-Language": "en"})
        response = client.post(
            "/login",
            data={
                "csrf_token": csrf_from(page.get_data(as_text=True)),
                "email": email,
                "password": password,
            },
            headers={"Accept-Language": "en"},
        )
        assert response.status_code == 200
        assert "Wrong e-mail or password." in response.get_data(as_text=True)
    assert client.get("/staff").status_code == 302


def test_login_ignores_an_offsite_next(client, make_staff):
    staff = make_staff()
    page = client.get("/login")
    response = client.post(
        "/login?next=https://evil.example.com/",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "email": staff.email,
            "password": staff.password,
        },
    )
    assert response.headers["Location"] == "/staff"


def test_login_without_csrf_token_is_refused(client, make_staff):
    staff = make_staff()
    response = client.post("/login", data={"email": staff.email, "password": staff.password})
    assert response.status_code == 400
    assert client.get("/staff").status_code == 302


def test_a_deactivated_user_cannot_log_in(app, client, make_staff):
    staff = make_staff()
    with app.app_context():
        db.session.get(StaffUser, staff.id).active = False
        db.session.commit()
    page = client.get("/login")
    client.post(
        "/login",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "email": staff.email,
            "password": staff.password,
        },
    )
    assert client.get("/staff").status_code == 302


def test_logout(client, login):
    login(Role.DOOR)
    page = client.get("/staff")
    client.post("/logout", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert client.get("/staff").status_code == 302


@pytest.mark.parametrize("path", STAFF_ADMIN_PAGES)
def test_admin_pages_refuse_anonymous_and_other_roles(client, login, path):
    anonymous = client.get(path)
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/login")
    login(Role.DESK)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", STAFF_ADMIN_PAGES)
def test_admin_pages_open_for_admins(client, login, path):
    login(Role.ADMIN)
    assert client.get(path).status_code == 200


def test_admin_adds_a_staff_user_with_a_generated_password(app, client, login, submit):
    login(Role.ADMIN)
    response = submit(
        "/admin/staff",
        {
            "email": "Kapı.Görevlisi@Example.org",
            "name": "Şule Işık",
            "role": "door",
            "password": "",
        },
        follow_redirects=True,
        headers={"Accept-Language": "en"},
    )
    body = response.get_data(as_text=True)
    assert "Staff user kapı.görevlisi@example.org added. Password:" in body
    assert "Şule Işık" in body
    with app.app_context():
        user = db.session.scalar(
            select(StaffUser).where(StaffUser.email == "kapı.görevlisi@example.org")
        )
        assert user is not None
        assert user.role == Role.DOOR


def test_admin_form_refuses_a_bad_address_and_a_duplicate(app, client, login, submit):
    admin = login(Role.ADMIN)
    for email in ["not an address", admin.email]:
        response = submit("/admin/staff", {"email": email, "role": "desk", "password": ""})
        assert response.status_code == 200
        assert 'class="errors"' in response.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(StaffUser)).all()) == 1


def test_control_characters_are_a_form_error_in_every_form(app, client, login, submit):
    """A NUL cannot reach PostgreSQL (it refuses it): every text field of every form says so in
    the page's language, before anything is looked up or written."""
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login",
        data={"csrf_token": csrf_from(page), "email": "\x00", "password": "x" * 12},
    )
    assert response.status_code == 200
    assert "Burada izin verilmeyen karakterler var." in response.get_data(as_text=True)
    login(Role.ADMIN)
    for name in ["\x00", "B Kapısı\x07 tableti"]:
        response = submit("/admin/tokens", {"name": name, "role": "door"})
        assert response.status_code == 200
        assert "Burada izin verilmeyen karakterler var." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(ApiToken)).all() == []


def test_api_token_is_shown_once_stored_hashed_and_revocable(app, client, login, submit):
    login(Role.ADMIN)
    response = submit("/admin/tokens", {"name": "B Kapısı tableti", "role": "door"})
    token = response.get_data(as_text=True).split('<code class="token">')[1].split("</code>")[0]
    assert len(token) >= 43
    with app.app_context():
        row = db.session.scalars(select(ApiToken)).one()
        assert row.token_hash == services.hash_token(token)
        assert token not in row.token_hash
        assert services.principal_for_token(token).role == Role.DOOR
        token_id = row.id
    page = client.get("/admin/tokens")
    client.post(
        f"/admin/tokens/{token_id}/revoke",
        data={"csrf_token": csrf_from(page.get_data(as_text=True))},
    )
    with app.app_context():
        assert services.principal_for_token(token) is None
        trail = db.session.execute(
            select(AuditLog.action, AuditLog.staff_user_id, AuditLog.object_id).order_by(
                AuditLog.id
            )
        ).all()
    # Who made the token and who revoked it are audited (the token itself never).
    assert [(action, object_id) for action, _who, object_id in trail] == [
        ("api_token.create", token_id),
        ("api_token.revoke", token_id),
    ]
    assert all(who is not None for _action, who, _id in trail)


def test_bearer_token_is_a_login_for_its_role(app, client, make_api_token):
    door = make_api_token(Role.DOOR)
    admin = make_api_token(Role.ADMIN)
    assert (
        client.get("/admin/tokens", headers={"Authorization": f"Bearer {door}"}).status_code == 403
    )
    assert (
        client.get("/admin/tokens", headers={"Authorization": f"Bearer {admin}"}).status_code == 200
    )
    wrong = client.get("/admin/tokens", headers={"Authorization": "Bearer not-a-token"})
    assert wrong.status_code == 401
    assert wrong.is_json


def test_a_bearer_token_beside_a_staff_log_in_is_who_flask_login_says(
    app, client, login, make_api_token
):
    """A token request without cookies is its token's principal, made before the view (Flask-Login's
    request loader is not asked); with a staff session it is the staff user, as Flask-Login
    (session first) makes it."""
    admin = make_api_token(Role.ADMIN)
    headers = {"Authorization": f"Bearer {admin}"}
    asked: list[object] = []
    loader = app.login_manager._request_callback
    app.login_manager._request_callback = lambda request: asked.append(request) or loader(request)
    try:
        assert client.get("/admin/tokens", headers=headers).status_code == 200
        assert asked == []
        login(Role.DOOR)
        # The session's door user, not the admin token: the admin page is refused.
        assert client.get("/admin/tokens", headers=headers).status_code == 403
        # and a write through the API needs the session's CSRF header, as for the session alone
        refused = client.post("/api/v1/scans", json={}, headers=headers)
        assert refused.status_code == 400 and "CSRF" in refused.get_json()["error"]
    finally:
        app.login_manager._request_callback = loader


def test_cli_create_user_and_token(app, runner):
    result = runner.invoke(args=["create-user", "organiser@example.org", "--role", "admin"])
    assert result.exit_code == 0, result.output
    password = result.output.strip().splitlines()[-1].removeprefix("Password: ")
    with app.app_context():
        assert services.authenticate("organiser@example.org", password) is not None
    result = runner.invoke(args=["create-token", "--role", "door", "--name", "Door A"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    with app.app_context():
        principal = services.principal_for_token(token)
        assert principal is not None
        assert principal.role == Role.DOOR


def test_cli_create_user_refuses_duplicates_and_bad_roles(runner):
    assert runner.invoke(args=["create-user", "a@example.org", "--role", "desk"]).exit_code == 0
    again = runner.invoke(args=["create-user", "A@example.org", "--role", "desk"])
    assert again.exit_code != 0
    assert "exists already" in again.output
    bad_role = runner.invoke(args=["create-user", "b@example.org", "--role", "king"])
    assert bad_role.exit_code == 2
    short = runner.invoke(
        args=["create-user", "c@example.org", "--role", "door", "--password", "short"]
    )
    assert short.exit_code != 0
    assert "at least 10" in short.output
