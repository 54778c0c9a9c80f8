"""The doors keep scanning while the office works: an import of 20,000 people, a log-in, a write
that holds the lock. On SQLite every write waits for the one write lock; these tests show what
no longer holds it and what a scan gets when it cannot have it."""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from maruf_reg.extensions import db
from maruf_reg.models import Registration, Scan
from maruf_reg.registration import importer
from tests.checkin.conftest import now_iso
from tests.conftest import lock_is_free

ROWS = 20_000


def sqlite_lock_file(app: Flask) -> str:
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's one write lock: PostgreSQL writers lock rows, not the database")
    return f"{url.database}.write-lock"


def people_csv(rows: int) -> bytes:
    lines = ["given_name;family_name;email;organisation;country"]
    lines += [f"Ayşe {n};Öztürk;kisi{n}@example.org;Belediye {n % 40};TR" for n in range(rows)]
    return "\n".join(lines).encode()


@contextlib.contextmanager
def importing(app: Flask, forum_id: int, data: bytes) -> Iterator[dict[str, object]]:
    """Run the import in a thread of its own (as another request would)."""
    outcome: dict[str, object] = {}

    def run() -> None:
        with app.app_context():
            try:
                outcome["result"] = importer.import_people(forum_id, data)
            except BaseException as error:  # reported by the test
                outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    try:
        yield outcome
    finally:
        thread.join(timeout=300)
    assert "error" not in outcome, outcome.get("error")


def test_a_door_scans_while_20000_people_are_read_from_a_file(
    app, forum, make_registration, make_point, badge, scan, monkeypatch
):
    lock_file = sqlite_lock_file(app)
    point = make_point(forum)
    guest = make_registration(forum)
    reading, scanned = threading.Event(), threading.Event()
    real_parse = importer.parse

    def parse_while_the_door_scans(data: bytes, *args):
        reading.set()
        assert scanned.wait(timeout=60), "the scan waited for the import's file to be read"
        return real_parse(data, *args)

    monkeypatch.setattr(importer, "parse", parse_while_the_door_scans)
    with importing(app, forum.id, people_csv(ROWS)) as outcome:
        assert reading.wait(timeout=60)
        assert lock_is_free(lock_file)
        answer = scan(badge(forum, guest), point)
        scanned.set()
    assert answer.status_code == 200
    assert answer.get_json()["outcome"] == "admitted"
    assert outcome["result"].created == ROWS
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == ROWS + 1


def test_scans_go_through_between_the_transactions_of_a_large_import(
    app, forum, make_registration, make_point, badge, scan, monkeypatch
):
    """New people are written a thousand at a time: the lock is free in between."""
    lock_file = sqlite_lock_file(app)
    point = make_point(forum)
    guests = [make_registration(forum) for _ in range(3)]
    answers = []
    real_write_intent = importer.write_intent
    entered = []

    @contextlib.contextmanager
    def write_intent_after_a_scan():
        entered.append(1)
        if 1 < len(entered) <= 1 + len(guests):
            # Between two of the import's transactions a door scans.
            assert lock_is_free(lock_file)
            answers.append(scan(badge(forum, guests[len(answers)]), point))
        with real_write_intent():
            yield

    monkeypatch.setattr(importer, "write_intent", write_intent_after_a_scan)
    with app.app_context():
        result = importer.import_people(forum.id, people_csv(5_000))
    assert result.created == 5_000
    assert len(entered) == 6  # five transactions of new people, then the registrations
    assert [a.get_json()["outcome"] for a in answers] == ["admitted"] * 3
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Scan)) == 3


def test_an_import_that_fails_at_the_end_leaves_nobody_behind(app, forum, monkeypatch):
    def broken(plan, person_ids):
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(importer, "_last_transaction", broken)
    with app.app_context(), pytest.raises(RuntimeError):
        importer.import_people(forum.id, people_csv(2_500))
    with app.app_context():
        from maruf_reg.models import Person

        assert db.session.scalar(select(func.count()).select_from(Person)) == 0


def test_a_password_is_checked_without_the_write_lock(app, client, make_staff, monkeypatch):
    lock_file = sqlite_lock_file(app)
    staff = make_staff("desk")
    from maruf_reg.auth import services

    free_while_hashing = []
    real_check = services.check_password_hash

    def check(stored: str, password: str) -> bool:
        free_while_hashing.append(lock_is_free(lock_file))
        return real_check(stored, password)

    monkeypatch.setattr(services, "check_password_hash", check)
    from tests.conftest import csrf_from

    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login",
        data={"csrf_token": csrf_from(page), "email": staff.email, "password": staff.password},
    )
    assert response.status_code == 302
    assert free_while_hashing == [True]


@contextlib.contextmanager
def holding_the_registration(app: Flask, registration_id: int) -> Iterator[None]:
    """Another writer holds what a scan of this registration needs: SQLite's write lock, or the
    registration's row on PostgreSQL."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        handle = os.open(f"{url.database}.write-lock", os.O_RDWR | os.O_CREAT)
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            os.close(handle)
        return
    engine = create_engine(url)
    with engine.connect() as connection:
        connection.execute(
            text("SELECT id FROM registrations WHERE id = :id FOR UPDATE"), {"id": registration_id}
        )
        yield
        connection.rollback()
    engine.dispose()


def test_a_scan_that_cannot_have_the_lock_gets_a_json_503_then_goes_through(
    make_app, forum, make_registration, make_point, badge, make_api_token
):
    app = make_app(WRITE_LOCK_TIMEOUT=0.3)
    point = make_point(forum)
    guest = make_registration(forum)
    client = app.test_client()
    token = make_api_token("door")

    def post_scan(uuid: str):
        return client.post(
            "/api/v1/scans",
            json={
                "token": badge(forum, guest),
                "point": point.id,
                "uuid": uuid,
                "scanned_at": now_iso(),
                "device": "Door B",
            },
            headers={"Authorization": f"Bearer {token}"},
        )

    with holding_the_registration(app, guest.id):
        refused = post_scan("6f1c1a40-0b7e-4c55-9d3a-000000000001")
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "5"
    assert refused.get_json() == {"error": "busy: try again in a few seconds"}
    again = post_scan("6f1c1a40-0b7e-4c55-9d3a-000000000001")
    assert again.status_code == 200
    assert again.get_json()["outcome"] == "admitted"  # the refused scan was not kept
