"""When the server cannot do what was asked: a write that cannot have the database's lock, a full
disk, an error page that cannot be drawn. Each answers at once with a page that needs nothing."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from maruf_reg.extensions import db
from maruf_reg.models import Person
from tests.conftest import csrf_from
from tests.registration.conftest import signup_fields


@contextlib.contextmanager
def holding_the_lock(app: Flask, session_id: int) -> Iterator[None]:
    """Another writer holds the lock a sign-up for `session_id` needs, until the block ends:
    SQLite's write lock (the lock file writers queue on), or the session's row on PostgreSQL."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        lock = os.open(f"{url.database}.write-lock", os.O_RDWR | os.O_CREAT)
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            os.close(lock)
        return
    engine = create_engine(url)
    with engine.connect() as connection:
        connection.execute(
            text("SELECT id FROM sessions WHERE id = :id FOR UPDATE"), {"id": session_id}
        )
        yield
        connection.rollback()
    engine.dispose()


def test_a_sign_up_that_cannot_have_the_lock_gets_503_with_retry_after_not_a_hang(
    make_app, make_forum, make_session
):
    app = make_app(WRITE_LOCK_TIMEOUT=0.3)
    forum = make_forum()
    session = make_session(forum)
    client = app.test_client()
    fields = signup_fields(sessions=[session.id])
    with holding_the_lock(app, session.id):
        page = client.get("/register").get_data(as_text=True)
        refused = client.post("/register", data={"csrf_token": csrf_from(page), **fields})
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "5"
    html = refused.get_data(as_text=True)
    assert "Şu anda çok yoğunuz" in html and "try again in a minute" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Person)) == 0
    # The lock is free again: the same sign-up goes through.
    page = client.get("/register").get_data(as_text=True)
    accepted = client.post("/register", data={"csrf_token": csrf_from(page), **fields})
    assert accepted.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Person)) == 1


def test_a_full_disk_answers_503_with_a_page_that_needs_no_template(
    app, forum, monkeypatch, client
):
    from maruf_reg.program import views

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(views, "render_template", full)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/program")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Şu anda çok yoğunuz" in response.get_data(as_text=True)


def test_sqlite_saying_the_disk_is_full_is_a_503_too(app, forum, monkeypatch, client):
    from maruf_reg.program import views

    def full(*args, **kwargs):
        import sqlite3

        raise OperationalError("INSERT …", {}, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(views, "render_template", full)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get("/program").status_code == 503


def test_an_error_page_that_cannot_be_drawn_falls_back_to_a_static_page(
    app, forum, monkeypatch, client
):
    """The error page shows the forum's name: with the database down it cannot be drawn."""
    from maruf_reg import web
    from maruf_reg.program import views

    def broken(*args, **kwargs):
        raise RuntimeError("the programme cannot be read")

    def database_down():
        raise OperationalError("SELECT …", {}, Exception("connection refused"))

    monkeypatch.setattr(views, "render_template", broken)
    monkeypatch.setattr(web, "current_forum", database_down)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/program")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)


def test_other_database_errors_still_raise(app, forum, monkeypatch, client):
    from maruf_reg.program import views

    def broken(*args, **kwargs):
        raise OperationalError("SELECT …", {}, Exception("server closed the connection"))

    monkeypatch.setattr(views, "render_template", broken)
    with pytest.raises(OperationalError):
        client.get("/program")


# --- a PostgreSQL server that went away under pooled connections ---------------------------------


def _backend_pid_route(app: Flask) -> None:
    """A page that reads the database on every request: the backend serving this worker."""
    app.add_url_rule(
        "/backend-pid",
        "backend_pid",
        lambda: {"pid": db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()},
    )


def _terminate(app: Flask, pid: int) -> None:
    """End that backend from outside (as a restarted server or a dropped connection would), and
    wait until it is gone."""
    engine = create_engine(
        app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            for _ in range(200):
                gone = not connection.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
                ).scalar_one()
                if gone:
                    return
                time.sleep(0.01)
        raise AssertionError(f"backend {pid} still there")
    finally:
        engine.dispose()


@pytest.fixture
def postgresql(databases):
    if databases.engine_name != "postgresql":
        pytest.skip("pooled connections to a server that can go away: PostgreSQL")


def test_a_connection_idle_in_the_pool_is_checked_and_a_dead_one_replaced_unseen(
    postgresql, make_app
):
    app = make_app(DATABASE_PING_AFTER=0.2)
    _backend_pid_route(app)
    client = app.test_client()
    first = client.get("/backend-pid").json["pid"]
    _terminate(app, first)
    time.sleep(0.3)  # longer than DATABASE_PING_AFTER: the next checkout checks it
    answer = client.get("/backend-pid")
    assert answer.status_code == 200
    assert answer.json["pid"] != first


def test_a_connection_in_steady_use_is_not_checked_and_its_loss_answers_503_once(
    postgresql, make_app, caplog
):
    """No round trip before each request; the one request that meets the dead connection is told
    to try again, and SQLAlchemy has renewed the pool for the next."""
    app = make_app(DATABASE_PING_AFTER=60)
    _backend_pid_route(app)
    client = app.test_client()
    first = client.get("/backend-pid").json["pid"]
    _terminate(app, first)
    lost = client.get("/backend-pid", headers={"Accept": "application/json"})
    assert lost.status_code == 503
    assert lost.headers["Retry-After"] == "5"
    assert lost.json == {"error": "busy: try again in a few seconds"}
    assert "the database connection was lost" in caplog.text
    again = client.get("/backend-pid")
    assert again.status_code == 200
    assert again.json["pid"] != first


def test_database_ping_after_0_checks_every_connection_every_time(postgresql, make_app):
    app = make_app(DATABASE_PING_AFTER=0)
    _backend_pid_route(app)
    client = app.test_client()
    first = client.get("/backend-pid").json["pid"]
    _terminate(app, first)
    answer = client.get("/backend-pid")
    assert answer.status_code == 200
    assert answer.json["pid"] != first
