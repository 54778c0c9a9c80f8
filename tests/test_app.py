"""The app factory, configuration, database engine settings and what every page shares."""

from __future__ import annotations

import pytest
from flask import Response
from sqlalchemy import text

from maruf_reg import create_app
from maruf_reg.extensions import db
from maruf_reg.web import HSTS, SECURITY_HEADERS


def test_a_missing_secret_key_is_a_startup_error(monkeypatch, tmp_path):
    monkeypatch.setenv("MARUF_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("MARUF_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="MARUF_SECRET_KEY"):
        create_app({"TESTING": True})


def test_config_layers_defaults_then_instance_file_then_environment(monkeypatch, tmp_path):
    (tmp_path / "config.py").write_text(
        'SECRET_KEY = "from-instance-file"\nBASE_URL = "https://instance.example.org"\n'
        'MAIL_SERVER = "smtp.instance.example.org"\n'
    )
    monkeypatch.setenv("MARUF_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("MARUF_BASE_URL", "https://env.example.org")
    monkeypatch.setenv("MARUF_MAIL_PORT", "2525")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-instance-file"
    assert app.config["MAIL_SERVER"] == "smtp.instance.example.org"
    assert app.config["BASE_URL"] == "https://env.example.org"
    assert app.config["MAIL_PORT"] == 2525  # parsed as JSON by from_prefixed_env
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/maruf.sqlite3"


def test_database_url_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MARUF_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("MARUF_SECRET_KEY", "k" * 32)
    monkeypatch.setenv("MARUF_DATABASE_URL", "postgresql+psycopg://maruf@db.example.org/maruf")
    app = create_app()
    assert (
        app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://maruf@db.example.org/maruf"
    )


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite pragmas: this run uses PostgreSQL")
        assert db.session.scalar(text("PRAGMA journal_mode")) == "wal"
        assert db.session.scalar(text("PRAGMA foreign_keys")) == 1


def test_pages_carry_security_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers


def test_a_views_own_headers_are_kept_and_every_header_comes_once(make_app):
    """The hook adds what a view did not set (case aside) and merges its Vary with the view's."""
    app = make_app()

    @app.get("/own-headers")
    def own_headers() -> Response:
        response = Response("x")
        response.headers["content-security-policy"] = "default-src 'none'; sandbox"
        response.headers["Vary"] = "Origin"
        return response

    response = app.test_client().get("/own-headers", base_url="https://localhost")
    headers = response.headers
    assert headers.getlist("Content-Security-Policy") == ["default-src 'none'; sandbox"]
    assert response.vary.as_set() == {"origin", "accept-language", "cookie"}
    assert len(headers.getlist("Vary")) == 1
    for name, value in (*SECURITY_HEADERS[1:], HSTS):
        assert headers.getlist(name) == [value], name
    plain = app.test_client().get("/")
    assert plain.headers.getlist("Vary") == ["Accept-Language, Cookie"]
    assert plain.headers.getlist("X-Frame-Options") == ["DENY"]


def test_https_gets_hsts(client):
    response = client.get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_unknown_page_is_a_404_page_in_the_browsers_language(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert "This page does not exist." in response.get_data(as_text=True)
    turkish = client.get("/no-such-page", headers={"Accept-Language": "tr"})
    assert "Bu sayfa yok." in turkish.get_data(as_text=True)


def test_unknown_api_route_answers_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.is_json and "error" in response.get_json()


def test_language_switch_is_remembered(client, forum):
    english = client.get("/?lang=en")
    assert '<html lang="en" dir="ltr">' in english.get_data(as_text=True)
    assert "lang=en" in english.headers["Set-Cookie"]
    again = client.get("/", headers={"Accept-Language": "tr"})
    assert '<html lang="en" dir="ltr">' in again.get_data(as_text=True)
    back = client.get("/?lang=tr")
    assert '<html lang="tr" dir="ltr">' in back.get_data(as_text=True)


def test_front_page_shows_the_forum(client, forum):
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Marmara Urban Forum" in page
    page = client.get("/", headers={"Accept-Language": "tr"}).get_data(as_text=True)
    assert "Marmara Kentsel Forumu" in page


def test_cookies_are_secure_when_the_site_is_https(make_app, make_staff):
    app = make_app(BASE_URL="https://register.example.org")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost")
    from tests.conftest import csrf_from

    with app.app_context():
        from maruf_reg.auth import services
        from maruf_reg.models import Role

        services.create_user("a@example.org", role=Role.ADMIN, password="correct horse battery")
    response = client.post(
        "/login",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "email": "a@example.org",
            "password": "correct horse battery",
        },
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},  # Flask-WTF checks it over https
    )
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_session_cookie_s_signer_follows_the_secret_keys(app, client, login):
    """The signer is made once for the app's keys (web.SessionCookies) and again when they
    change: a new key alone refuses the old cookie, the old key as a fallback accepts it."""
    login("desk")
    assert client.get("/staff").status_code == 200
    old = app.config["SECRET_KEY"]
    try:
        app.config["SECRET_KEY"] = "another secret key for this test only"
        assert client.get("/staff").status_code == 302  # logged out: the cookie is not ours
        login("desk")  # a cookie signed with the new key
        assert client.get("/staff").status_code == 200
        app.config["SECRET_KEY"] = "a third key"
        app.config["SECRET_KEY_FALLBACKS"] = ["another secret key for this test only"]
        assert client.get("/staff").status_code == 200
    finally:
        app.config["SECRET_KEY"] = old
        app.config["SECRET_KEY_FALLBACKS"] = []


def test_login_is_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute")
    client = app.test_client()
    statuses = []
    for _ in range(5):
        page = client.get("/login")
        from tests.conftest import csrf_from

        statuses.append(
            client.post(
                "/login",
                data={
                    "csrf_token": csrf_from(page.get_data(as_text=True)),
                    "email": "x@example.org",
                    "password": "wrong password",
                },
            ).status_code
        )
    assert statuses == [200, 200, 200, 429, 429]
