"""Shared fixtures: an app on a real database (SQLite, or PostgreSQL with MARUF_TEST_DATABASE_URL),
its test client and CLI runner, a loopback SMTP server, and factories for the common rows.

Rules that keep the suite honest and fast:
- The schema is made once per run in a database of its own (a fresh PostgreSQL database per run,
  dropped at the end), and every table is emptied after each test.
- No fixture holds an app context across requests: each request gets its own, as in production.
  Tests that call services directly use `with app.app_context():` (or the `ctx` fixture).
- Factories return callables; each call commits its rows and returns them detached but loaded.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from maruf_reg import badge_tokens as tokens
from maruf_reg import create_app
from maruf_reg.auth import services as auth_services
from maruf_reg.extensions import db
from maruf_reg.models import (
    Category,
    Forum,
    Person,
    Registration,
    RegistrationStatus,
    Role,
    Room,
    Session,
    SessionKind,
    Theme,
)

TEST_SECRET = "test-secret-" + "x" * 32
ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    """Compile the translation catalogues, so that `pytest` alone tests the Turkish pages too."""
    subprocess.run([sys.executable, str(ROOT / "scripts" / "i18n.py"), "compile"], check=True)


FORUM_START = date(2030, 10, 1)


# --- databases -------------------------------------------------------------------------------


@dataclass
class TestDatabases:
    """Creates databases for this run and drops them at the end (PostgreSQL), or files (SQLite)."""

    server_url: str | None
    tmp: Any
    made: list[str] = field(default_factory=list)

    @property
    def engine_name(self) -> str:
        return "postgresql" if self.server_url else "sqlite"

    def new(self, label: str) -> str:
        """The URL of a new, empty database."""
        if not self.server_url:
            return f"sqlite:///{self.tmp / f'{label}-{secrets.token_hex(4)}.sqlite3'}"
        name = f"maruf_test_{label}_{secrets.token_hex(4)}"
        admin = create_engine(self.server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.made.append(name)
        return make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if not self.server_url:
            return
        admin = create_engine(self.server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in self.made:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabases]:
    manager = TestDatabases(
        os.environ.get("MARUF_TEST_DATABASE_URL") or None, tmp_path_factory.mktemp("db")
    )
    yield manager
    manager.drop_all()


@pytest.fixture(scope="session")
def database_url(databases: TestDatabases) -> str:
    """The run's shared test database, with the schema made from the models."""
    url = databases.new("main")
    app = create_app(_test_config(url))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return url


def _test_config(url: str, **overrides: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": url,
        "DATABASE_URL": url,
        "HUEY_IMMEDIATE": True,
        "REDIS_URL": "",
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": "",
        "BASE_URL": "http://localhost",
        "FORUM_SLUG": "",
        "SERVER_NAME": None,
        # Staff passwords: scrypt costs 0.2 s a hash; the tests log in hundreds of times.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # Tests look at seat counts right after booking; one test checks the keeping itself.
        "SIGNUP_PAGE_SECONDS": 0,
        **overrides,
    }


def _empty_all_tables(app: Flask) -> None:
    with app.app_context():
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def make_app(
    database_url: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Flask]]:
    """Build apps on the test database; `make_app(KEY=value)` overrides config. Tables are emptied after."""
    instance = tmp_path / "instance"
    instance.mkdir()
    monkeypatch.setenv("MARUF_INSTANCE_PATH", str(instance))
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        app = create_app(_test_config(database_url, **overrides))
        made.append(app)
        return app

    yield make
    if made:
        _empty_all_tables(made[0])
    for app in made:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An app context for tests that call services directly (never use it with `client`)."""
    with app.app_context():
        yield


# --- pages and forms -------------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


#: the zone of the forums `make_forum` makes
FORUM_ZONE = ZoneInfo("Europe/Istanbul")


def one_forum_day(
    lookback: timedelta = timedelta(0), lookahead: timedelta = timedelta(0)
) -> datetime:
    """A test's "now" such that every moment from `lookback` before it to `lookahead` after it falls
    on the same day of a forum in FORUM_ZONE: now, or, when local midnight is nearer than that, the
    latest moment before now that allows it (less than a day ago: a door may send a scan that late).
    Checks by day (today's admissions, who is inside, the entrances' report) pass at any hour."""
    now = datetime.now(UTC)
    local = now.astimezone(FORUM_ZONE)
    midnight = datetime.combine(local.date(), datetime.min.time(), FORUM_ZONE)
    end_of_day = midnight + timedelta(days=1)
    if local + lookahead >= end_of_day:
        return (end_of_day - lookahead - timedelta(seconds=1)).astimezone(UTC)
    if local - lookback < midnight:
        return (midnight - lookahead - timedelta(seconds=1)).astimezone(UTC)
    return now


def lock_is_free(path: str) -> bool:
    """Whether a writer could take SQLite's write lock right now (without waiting)."""
    handle = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(handle)
    return True


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


@pytest.fixture
def submit(client: FlaskClient) -> Callable[..., Any]:
    """Open a form page as a person would, then post the form with its CSRF token.

    `submit(url, {fields}, action=None, **kwargs)`: posts to `action` (default: the same URL).
    """

    def post(url: str, data: dict[str, Any], action: str | None = None, **kwargs: Any) -> Any:
        page = client.get(url, **{k: v for k, v in kwargs.items() if k == "headers"})
        assert page.status_code == 200, f"GET {url} answered {page.status_code}"
        payload = {"csrf_token": csrf_from(page.get_data(as_text=True)), **data}
        return client.post(action or url, data=payload, **kwargs)

    return post


# --- factories ---------------------------------------------------------------------------------


def _save(app: Flask, *rows: Any) -> None:
    with app.app_context():
        db.session.add_all(rows)
        db.session.commit()
        for row in rows:
            db.session.refresh(row)
        db.session.expunge_all()


@pytest.fixture
def make_forum(app: Flask) -> Callable[..., Forum]:
    def make(**values: Any) -> Forum:
        forum = Forum(
            **{
                "slug": f"forum{secrets.token_hex(3)}",
                "name_tr": "Marmara Kentsel Forumu",
                "name_en": "Marmara Urban Forum",
                "venue": "Haliç Kongre Merkezi",
                "city": "İstanbul",
                "starts_on": FORUM_START,
                "ends_on": FORUM_START + timedelta(days=2),
                "timezone": "Europe/Istanbul",
                **values,
            }
        )
        tokens.ensure_keys(forum, secret_key=TEST_SECRET)
        _save(app, forum)
        return forum

    return make


@pytest.fixture
def forum(make_forum: Callable[..., Forum]) -> Forum:
    return make_forum(slug="maruf")


@pytest.fixture
def make_theme(app: Flask) -> Callable[..., Theme]:
    def make(forum: Forum, **values: Any) -> Theme:
        slug = values.pop("slug", f"theme-{secrets.token_hex(2)}")
        theme = Theme(
            forum_id=forum.id,
            slug=slug,
            name_tr=values.pop("name_tr", "Göç ve Sosyal Uyum"),
            name_en=values.pop("name_en", "Migration and Social Cohesion"),
            **values,
        )
        _save(app, theme)
        return theme

    return make


@pytest.fixture
def make_room(app: Flask) -> Callable[..., Room]:
    def make(forum: Forum, **values: Any) -> Room:
        room = Room(
            forum_id=forum.id,
            name=values.pop("name", f"Salon {secrets.token_hex(2)}"),
            capacity=values.pop("capacity", 100),
            **values,
        )
        _save(app, room)
        return room

    return make


def forum_time(day: int, hour: int, minute: int = 0) -> datetime:
    """A time on day `day` (0-based) of the test forum, Istanbul time (UTC+3), as UTC."""
    local = datetime.combine(FORUM_START + timedelta(days=day), datetime.min.time())
    return (local + timedelta(hours=hour - 3, minutes=minute)).replace(tzinfo=UTC)


@pytest.fixture
def make_session(app: Flask) -> Callable[..., Session]:
    def make(forum: Forum, **values: Any) -> Session:
        room = values.pop("room", None)
        theme = values.pop("theme", None)
        starts_at = values.pop("starts_at", forum_time(0, 11))
        session = Session(
            forum_id=forum.id,
            room_id=room.id if room else None,
            theme_id=theme.id if theme else None,
            kind=values.pop("kind", SessionKind.PANEL),
            title_tr=values.pop("title_tr", "Yerel Yönetimlerin Rolü"),
            title_en=values.pop("title_en", "The Role of Local Governments"),
            starts_at=starts_at,
            ends_at=values.pop("ends_at", starts_at + timedelta(minutes=90)),
            capacity=values.pop("capacity", room.capacity if room else 50),
            **values,
        )
        _save(app, session)
        return session

    return make


@pytest.fixture
def make_person(app: Flask) -> Callable[..., Person]:
    def make(**values: Any) -> Person:
        person = Person(
            **{
                "given_name": "Ayşe",
                "family_name": "Öztürk",
                "email": f"person{secrets.token_hex(4)}@example.org",
                "organisation": "Marmara Belediyeler Birliği",
                "country": "TR",
                "language": "tr",
                **values,
            }
        )
        person.refresh_search_key()
        _save(app, person)
        return person

    return make


@pytest.fixture
def make_registration(
    app: Flask, make_person: Callable[..., Person]
) -> Callable[..., Registration]:
    def make(forum: Forum, person: Person | None = None, **values: Any) -> Registration:
        person = person or make_person(**values.pop("person", {}))
        now = datetime.now(UTC)
        status = values.pop("status", RegistrationStatus.CONFIRMED)
        registration = Registration(
            forum_id=forum.id,
            person_id=person.id,
            category=values.pop("category", Category.PARTICIPANT),
            status=status,
            manage_token=secrets.token_urlsafe(24),
            consent_data_at=now,
            confirmed_at=now if status == RegistrationStatus.CONFIRMED else None,
            **values,
        )
        _save(app, registration)
        return registration

    return make


@dataclass(frozen=True)
class StaffLogin:
    id: int
    email: str
    password: str
    role: Role


@pytest.fixture
def make_staff(app: Flask) -> Callable[..., StaffLogin]:
    def make(role: Role | str = Role.ADMIN, email: str | None = None) -> StaffLogin:
        role = Role(role)
        with app.app_context():
            user, password = auth_services.create_user(
                email or f"{role.value}-{secrets.token_hex(3)}@example.org",
                role=role,
                password="correct horse battery",
            )
            return StaffLogin(user.id, user.email, password, role)

    return make


@pytest.fixture
def login(client: FlaskClient, make_staff: Callable[..., StaffLogin]) -> Callable[..., StaffLogin]:
    """Log the test client in as a new staff user of the given role, through the log-in form."""

    def log_in(role: Role | str = Role.ADMIN) -> StaffLogin:
        staff = make_staff(role)
        page = client.get("/login")
        response = client.post(
            "/login",
            data={
                "csrf_token": csrf_from(page.get_data(as_text=True)),
                "email": staff.email,
                "password": staff.password,
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return staff

    return log_in


@pytest.fixture
def make_api_token(app: Flask) -> Callable[..., str]:
    def make(role: Role | str = Role.DOOR, name: str = "test device") -> str:
        with app.app_context():
            _row, token = auth_services.create_token(role=Role(role), name=name)
        return token

    return make


# --- mail --------------------------------------------------------------------------------------


class Mailbox:
    """What a real SMTP server on loopback received."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} messages, got {len(self.messages)}")


@pytest.fixture
def smtp_server() -> Iterator[tuple[str, int, Mailbox]]:
    """A real SMTP server (aiosmtpd) on a free loopback port: (host, port, mailbox)."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield "127.0.0.1", port, mailbox
    finally:
        controller.stop()


@pytest.fixture
def mail_app(make_app: Callable[..., Flask], smtp_server: tuple[str, int, Mailbox]) -> Flask:
    """An app that sends its mail to the loopback SMTP server."""
    host, port, _mailbox = smtp_server
    return make_app(MAIL_SERVER=host, MAIL_PORT=port)


@pytest.fixture
def mailbox(smtp_server: tuple[str, int, Mailbox]) -> Mailbox:
    return smtp_server[2]


# --- a real server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served by a threaded WSGI server on loopback; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
