"""The whole forum in a real browser (Playwright driving Debian's Chromium), on a real server.

An organiser creates a session and its door; a participant signs up in Turkish with an Arabic
name, gets the mail over SMTP, opens the personal link, books a seat and downloads the badge; the
desk prints a batch; the door's scanner page admits the badge through Chromium's fake camera
(a video made from the downloaded badge); the session report shows one attendee.

Screenshots of every step go to the folder the test prints (test-artifacts/, not committed).
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.serving import make_server

from maruf_reg.extensions import db
from maruf_reg.models import Outcome, Registration, Scan
from tests.checkin.test_browser import write_y4m

ISTANBUL = ZoneInfo("Europe/Istanbul")

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "end-to-end"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing (apt-get install chromium)"
    ),
]


@pytest.fixture
def server(mail_app) -> Iterator[str]:
    """The app (mail to the loopback SMTP server, jobs inline) on a real port."""
    http = make_server("127.0.0.1", 0, mail_app, threaded=True)
    mail_app.config["BASE_URL"] = f"http://127.0.0.1:{http.server_port}"
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield mail_app.config["BASE_URL"]
    finally:
        http.shutdown()
        thread.join(timeout=5)


class Shots:
    def __init__(self) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for old in ARTIFACTS.glob("*.png"):
            old.unlink()
        self.count = 0
        print(f"\nEnd-to-end screenshots: {ARTIFACTS}")

    def take(self, page, name: str) -> None:
        self.count += 1
        page.screenshot(path=str(ARTIFACTS / f"{self.count:02d}-{name}.png"), full_page=True)


def log_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login?lang=en")
    page.fill("[name=email]", email)
    page.fill("[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/staff$"))


def test_a_forum_from_programme_to_session_report(  # noqa: PLR0915  (one story, told in order)
    server, mail_app, mailbox, tmp_path, make_forum, make_room, make_theme, make_staff
):
    sync_api = pytest.importorskip("playwright.sync_api")
    # The forum is on now, and the session runs now: a session's door admits only around its
    # session (README, "Check-in"), so the story happens on the day.
    local_now = datetime.now(ISTANBUL).replace(second=0, microsecond=0)
    forum = make_forum(
        slug="maruf",
        starts_on=local_now.date() - timedelta(days=1),
        ends_on=local_now.date() + timedelta(days=1),
    )
    starts, ends = local_now - timedelta(minutes=30), local_now + timedelta(minutes=60)
    room = make_room(forum, name="Salon A", capacity=80)
    theme = make_theme(forum, slug="migration")
    organiser, desk, door = make_staff("admin"), make_staff("desk"), make_staff("door")
    shots = Shots()

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)

        # 1. The organiser adds a session and a door for it.
        staff = browser.new_context(viewport={"width": 1280, "height": 900})
        page = staff.new_page()
        log_in(page, server, organiser.email, organiser.password)
        page.goto(f"{server}/admin/program/sessions/new?lang=en")
        page.select_option("[name=kind]", "workshop")
        page.fill("[name=title_tr]", "Atölye: Göç ve Kent")
        page.fill("[name=title_en]", "Workshop: Migration and the City")
        page.select_option("[name=theme_id]", str(theme.id))
        page.select_option("[name=room_id]", str(room.id))
        page.fill("[name=starts_at]", starts.strftime("%Y-%m-%dT%H:%M"))
        page.fill("[name=ends_at]", ends.strftime("%Y-%m-%dT%H:%M"))
        page.fill("[name=capacity]", "30")
        shots.take(page, "organiser-new-session")
        page.click("form button[type=submit].primary")
        page.wait_for_url(re.compile(r".*/admin/program/sessions/\d+"))
        session_id = int(re.search(r"/sessions/(\d+)", page.url).group(1))
        shots.take(page, "organiser-session-saved")
        page.goto(f"{server}/checkin/points/new?lang=en")
        page.fill("[name=name]", "Salon A kapısı")
        page.select_option("[name=kind]", "session")
        page.select_option("[name=session]", str(session_id))
        page.click("form button[type=submit]")
        page.wait_for_url(re.compile(r".*/checkin/.*"))
        shots.take(page, "organiser-door-added")

        # 2. A participant signs up in Turkish with an Arabic name.
        visitor = browser.new_context(locale="tr-TR", viewport={"width": 390, "height": 844})
        page = visitor.new_page()
        page.goto(f"{server}/register", wait_until="domcontentloaded")
        assert page.locator("html").get_attribute("lang") == "tr"
        page.fill("[name=given_name]", "محمد")
        page.fill("[name=family_name]", "الحلبي")
        page.fill("[name=email]", "muhammad@example.org")
        page.fill("[name=organisation]", "بلدية غازي عنتاب")
        page.select_option("[name=country]", "SY")
        page.check("[name=consent_data]")
        shots.take(page, "participant-sign-up-form")
        page.click("form.signup button[type=submit]")
        page.wait_for_url(re.compile(r".*/register/sent"))
        shots.take(page, "participant-sign-up-sent")

        # 3. The mail arrives over SMTP, in Turkish, with the personal link.
        message = mailbox.wait_for(1)[0]
        text = message.get_body(("plain",)).get_content()
        link = re.search(rf"{re.escape(server)}/r/[A-Za-z0-9_-]+", text).group(0)
        page.goto(link)
        assert "محمد" in page.content()
        shots.take(page, "participant-personal-page")

        # 4. ... books a seat in the new session and downloads the badge.
        page.goto(f"{link}/sessions")
        page.check(f"[name=sessions][value='{session_id}']")
        page.click("form button[type=submit].primary")
        page.wait_for_url(link)
        shots.take(page, "participant-seat-booked")
        badge_link = page.locator("a[href$='badge.pdf']")
        assert badge_link.count() == 1
        with page.expect_download() as download:
            badge_link.click(modifiers=["Alt"])
        badge_pdf = tmp_path / "badge.pdf"
        download.value.save_as(badge_pdf)
        assert badge_pdf.read_bytes().startswith(b"%PDF")
        visitor.close()

        # 5. The desk prints a batch of every confirmed badge.
        desk_context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = desk_context.new_page()
        log_in(page, server, desk.email, desk.password)
        page.goto(f"{server}/admin/badges?lang=en")
        shots.take(page, "desk-batch-form")
        page.click("form[method=post] button.primary")
        page.wait_for_selector("[data-download]:not(.hidden) a[href$='badges.pdf']", timeout=60_000)
        shots.take(page, "desk-batch-done")
        desk_context.close()
        staff.close()
        browser.close()

        # 6. The door's camera sees the downloaded badge: ADMIT.
        subprocess.run(
            ["pdftoppm", "-png", "-r", "150", "-singlefile", str(badge_pdf),
             str(tmp_path / "badge")],
            check=True,
        )  # fmt: skip
        picture = Image.open(tmp_path / "badge.png").convert("RGB")
        # The camera is held close to the badge, its QR code in the middle of the view (where
        # the scanner looks). Found with zxing-cpp, as a test can; the browser decodes it alone.
        import zxingcpp

        code = zxingcpp.read_barcodes(picture)[0].position
        x = (code.top_left.x + code.bottom_right.x) // 2
        y = (code.top_left.y + code.bottom_right.y) // 2
        side = code.bottom_right.x - code.top_left.x
        view = picture.crop((x - side * 4 // 3, y - side, x + side * 4 // 3, y + side))
        view = view.resize((640, 480), Image.LANCZOS)
        frame = view
        video = tmp_path / "badge.y4m"
        write_y4m(frame, video)
        frame.save(ARTIFACTS / "camera-frame.png")
        camera = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                *BROWSER_ARGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        context = camera.new_context(
            viewport={"width": 390, "height": 844}, locale="en-GB", permissions=["camera"]
        )
        page = context.new_page()
        log_in(page, server, door.email, door.password)
        with mail_app.app_context():
            from maruf_reg.models import CheckInPoint

            point_id = db.session.scalar(
                select(CheckInPoint.id).where(CheckInPoint.session_id == session_id)
            )
        page.goto(f"{server}/checkin/{point_id}?lang=en")
        page.wait_for_selector("#scanner[data-ready=true]", timeout=20_000)
        page.wait_for_selector("#result[class*='o-']", timeout=30_000)
        shots.take(page, "door-result")
        assert page.inner_text("#result-word") == "ADMIT", page.inner_text("#result")
        assert "محمد" in page.inner_text("#result-name")
        shots.take(page, "door-admit")
        camera.close()

        # 7. The session report counts one attendee.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        log_in(page, server, organiser.email, organiser.password)
        page.goto(f"{server}/reports/sessions/{session_id}?lang=en")
        shots.take(page, "organiser-session-report")
        report = page.inner_text("main")
        browser.close()

    with mail_app.app_context():
        registration = db.session.scalars(select(Registration)).one()
        scans = db.session.scalars(select(Scan)).all()
        assert [(s.registration_id, s.outcome) for s in scans] == [
            (registration.id, Outcome.ADMITTED)
        ]
    assert re.search(r"\b1\s+Scanned in", report), "the report shows one attendee"
    assert re.search(r"\b1\s+Seats booked", report)
    assert shots.count == 12
