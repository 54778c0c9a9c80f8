"""Every page is valid HTML: the Nu HTML Checker (vnu.jar) finds no error in the public, personal
and staff pages, in Turkish, English and Arabic.

`make test` installs the checker (`scripts/vnu install`, from the npm registry into .tools/); the
test is skipped, and says why, where npm or Java is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from maruf_reg.extensions import db
from maruf_reg.models import Category, Role, RoleKind, SessionRole
from tests.conftest import ROOT, csrf_from, forum_time

VNU = ROOT / ".tools" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

pytestmark = [
    pytest.mark.skipif(shutil.which("java") is None, reason="Java is missing: vnu.jar cannot run"),
    pytest.mark.skipif(
        not VNU.exists(), reason=f"{VNU} is missing: run scripts/vnu install (needs npm)"
    ),
]

PUBLIC = ["/", "/program", "/program?q=local", "/speakers", "/speakers?q=zz", "/speakers/{speaker}",
          "/sessions/{session}", "/themes/migration", "/register", "/register/link", "/login",
          "/no-such-page"]  # fmt: skip
PERSONAL = ["/r/{token}", "/r/{token}/edit", "/r/{token}/sessions", "/r/{token}/cancel"]
STAFF = ["/staff", "/admin/program", "/admin/program/sessions/{session}",
         "/admin/program/sessions/{session}?who=ayse", "/admin/program/sessions/new",
         "/admin/program/themes", "/admin/program/rooms", "/admin/forum", "/admin/forums",
         "/admin/forums/new", "/admin/registrations", "/admin/registrations/{registration}",
         "/reports", "/reports/sessions", "/reports/themes", "/admin/messages",
         "/admin/messages/new"]  # fmt: skip


@pytest.fixture
def pages(app, client, login, forum, make_forum, make_theme, make_room, make_session, make_person,
          make_registration):  # fmt: skip
    """Every page above, as HTML, in each language: {name: html}."""
    make_forum(
        starts_on=date(2029, 10, 1), ends_on=date(2029, 10, 3), frozen=True
    )  # an earlier one
    theme = make_theme(forum, slug="migration")
    room = make_room(forum, name="Salon A")
    session = make_session(forum, room=room, theme=theme, starts_at=forum_time(0, 11))
    make_session(forum, room=room, title_en="Local climate", starts_at=forum_time(1, 9))
    speaker = make_person(given_name="Ayşe", family_name="Öztürk", bio_en="Urban planner.")
    make_registration(forum, speaker, category=Category.SPEAKER)
    person = make_person(given_name="محمد", family_name="الحلبي", language="ar")
    registration = make_registration(forum, person)
    with app.app_context():
        db.session.add(
            SessionRole(session_id=session.id, person_id=speaker.id, role=RoleKind.SPEAKER)
        )
        db.session.commit()
    values = {"session": session.id, "speaker": speaker.id, "token": registration.manage_token,
              "registration": registration.id}  # fmt: skip
    found: dict[str, str] = {}

    def fetch(paths: list[str]) -> None:
        for lang in ("tr", "en", "ar"):
            for path in paths:
                url = path.format(**values)
                joiner = "&" if "?" in url else "?"
                response = client.get(f"{url}{joiner}lang={lang}")
                assert response.status_code in (200, 404), url
                found[f"{lang} {url}"] = response.get_data(as_text=True)

    fetch(PUBLIC + PERSONAL)
    # The sign-up form as it comes back with errors.
    form = client.get("/register?lang=en").get_data(as_text=True)
    found["en /register (errors)"] = client.post(
        "/register?lang=en", data={"csrf_token": csrf_from(form), "email": "x"}
    ).get_data(as_text=True)
    login(Role.ADMIN)
    fetch(STAFF)
    return found


def test_every_page_passes_the_nu_html_checker(pages, tmp_path):
    files: dict[str, str] = {}
    for number, (name, html) in enumerate(pages.items()):
        path = tmp_path / f"page-{number}.html"
        path.write_text(html, encoding="utf-8")
        files[path.name] = name
    result = subprocess.run(
        ["java", "-Xss8m", "-jar", str(VNU), "--format", "json", "--exit-zero-always",
         *(str(tmp_path / name) for name in files)],
        capture_output=True, text=True, check=True, timeout=600,
    )  # fmt: skip
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [
        f"{files.get(Path(m.get('url', '')).name, m.get('url'))}: line {m.get('lastLine')}: "
        f"{m['message']}"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]
    assert not errors, "\n".join(errors)
    assert len(files) == len(pages) >= 3 * (len(PUBLIC) + len(PERSONAL) + len(STAFF))
