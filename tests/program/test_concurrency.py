"""Two organisers booking one room at the same moment: exactly one session gets it.

On PostgreSQL the room's row lock makes the second wait and then see the first; on SQLite the
writers take turns (BEGIN IMMEDIATE). Without either, both would read "free" and both insert.
"""

from __future__ import annotations

import http.cookiejar
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

from sqlalchemy import select

from maruf_reg.database import write_intent
from maruf_reg.extensions import db
from maruf_reg.models import Role, Session, SessionKind
from maruf_reg.program import sessions
from maruf_reg.program.rules import ProgrammeError
from tests.conftest import csrf_from, forum_time

ATTEMPTS = 4


def _sessions_in(app, room_id):
    with app.app_context():
        return db.session.scalars(select(Session).where(Session.room_id == room_id)).all()


def test_concurrent_services_let_one_session_into_a_room(app, programme):
    barrier = threading.Barrier(ATTEMPTS)
    outcomes: list[str] = []

    def attempt(n: int) -> None:
        start = forum_time(1, 14) + timedelta(minutes=5 * n)
        wanted = sessions.SessionFields(
            kind=SessionKind.WORKSHOP,
            title_tr=f"Atölye {n}",
            title_en=f"Workshop {n}",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            room_id=programme.workshop_room.id,
        )
        with app.app_context(), write_intent():
            barrier.wait()
            try:
                sessions.create_session(programme.forum.id, wanted, staff_user_id=None)
                outcomes.append("saved")
            except ProgrammeError:
                outcomes.append("refused")

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refused"] * (ATTEMPTS - 1) + ["saved"]
    assert len(_sessions_in(app, programme.workshop_room.id)) == 1


class Browser:
    """An organiser's browser on the live server: cookies, log-in, forms with their CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.opener.addheaders = [("Accept-Language", "en")]

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def log_in(self, email: str, password: str) -> None:
        token = csrf_from(self.get("/login"))
        status, _page = self.post(
            "/login", {"csrf_token": token, "email": email, "password": password}
        )
        assert status == 200  # redirected to the staff page, which urllib follows


def test_concurrent_requests_let_one_session_into_a_room(app, live_server, programme, make_staff):
    staff = make_staff(Role.ADMIN)
    browsers = [Browser(live_server) for _ in range(ATTEMPTS)]
    tokens = []
    for browser in browsers:
        browser.log_in(staff.email, staff.password)
        tokens.append(csrf_from(browser.get("/admin/program/sessions/new")))
    barrier = threading.Barrier(ATTEMPTS)
    pages: list[str] = []

    def post(n: int) -> None:
        start = 14 * 60 + 5 * n
        barrier.wait()
        status, page = browsers[n].post(
            "/admin/program/sessions/new",
            {
                "csrf_token": tokens[n],
                "kind": "workshop",
                "title_tr": f"Atölye {n}",
                "title_en": f"Workshop {n}",
                "theme_id": "",
                "room_id": str(programme.workshop_room.id),
                "starts_at": f"2030-10-02T{start // 60:02d}:{start % 60:02d}",
                "ends_at": f"2030-10-02T{start // 60 + 1:02d}:{start % 60:02d}",
                "needs_booking": "y",
            },
        )
        assert status == 200
        pages.append(page)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert len(pages) == ATTEMPTS
    refused = [p for p in pages if "Atölye 1 is taken at that time" in p]
    assert len(refused) == ATTEMPTS - 1
    assert len(_sessions_in(app, programme.workshop_room.id)) == 1
