"""The walk-in at the desk, in a real browser: desk staff register a walk-in with an Arabic name and
no e-mail at the desk form, admitted at the entrance in the same step; the badge PDF is printed
(its text carries the name, its QR code the badge token); door staff scan that code at a session
door and the door admits her; the organisers' dashboard counts one walk-in.

Set MARUF_SCREENSHOTS=/some/dir to keep the badge as a PNG (pdftoppm -r 80) and the pages."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin

import pytest
from sqlalchemy import select

from maruf_reg.extensions import db
from maruf_reg.models import BadgePrint, Outcome, PointKind, Registration, Scan

CHROMIUM = "/usr/bin/chromium"
TOOLS = ("pdftotext", "pdftoppm", "zbarimg")
GIVEN, FAMILY = "فاطمة الزهراء", "بن علي"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing (apt-get install chromium)"
    ),
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in TOOLS),
        reason="poppler-utils and zbar-tools are needed (pdftotext, pdftoppm, zbarimg)",
    ),
]


def log_in(page, base, staff):
    page.goto(f"{base}/login?lang=en")
    page.fill("input[name=email]", staff.email)
    page.fill("input[name=password]", staff.password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def badge_pdf(page):
    """The badge the walk-in page prints: by its link, or its form if printing is a POST."""
    control = page.get_by_text("Print badge").first
    if control.evaluate("node => node.tagName") == "A":
        return page.request.get(urljoin(page.url, control.get_attribute("href")))
    form = control.locator("xpath=ancestor::form[1]")
    fields = form.evaluate(
        "f => Object.fromEntries([...new FormData(f)].map(([k, v]) => [k, String(v)]))"
    )
    return page.request.post(urljoin(page.url, form.get_attribute("action")), form=fields)


def register_walk_in(page, base, entrance):
    """The desk's walk-in form: her Arabic name, no e-mail, admitted at the entrance at once."""
    page.goto(f"{base}/checkin/desk/walk-in?lang=en")
    page.fill("input[name=given_name]", GIVEN)
    page.fill("input[name=family_name]", FAMILY)
    page.fill("input[name=organisation]", "بلدية تونس")
    page.select_option("select[name=country]", "TN")
    page.select_option("select[name=category]", "participant")
    page.select_option("select[name=point]", str(entrance.id))
    page.check("input[name=consent_data]")
    page.click("button[type=submit]")
    page.wait_for_selector("text=Registered:")
    assert f"{GIVEN} {FAMILY}" in page.inner_text("h1")


def print_badge(page, keep, tmp_path):
    """Print the badge from the walk-in page; check its text; return the token its QR code holds."""
    response = badge_pdf(page)
    assert response.ok, response.status
    assert response.headers["content-type"].startswith("application/pdf")
    pdf = keep / "walk-in-badge.pdf"
    pdf.write_bytes(response.body())
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for word in (*GIVEN.split(), *FAMILY.split()):
        assert word in text, (word, text)
    for resolution, name in (("80", keep / "walk-in-badge"), ("200", tmp_path / "qr")):
        subprocess.run(
            ["pdftoppm", "-png", "-r", resolution, "-singlefile", str(pdf), str(name)], check=True
        )
    return subprocess.run(
        ["zbarimg", "--raw", "-q", str(tmp_path / "qr.png")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[0]


def test_a_walk_in_with_an_arabic_name_and_no_email_is_registered_printed_and_admitted(
    app, live_server, forum, make_point, make_session, make_staff, tmp_path
):
    from playwright.sync_api import sync_playwright

    entrance = make_point(forum, name="Ana Giriş", kind=PointKind.ENTRANCE)
    now = datetime.now(UTC)
    talk = make_session(
        forum,
        title_tr="Kentsel Dönüşüm",
        title_en="Urban Renewal",
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(minutes=80),
        needs_booking=False,
    )
    door = make_point(forum, session=talk, name="Salon A · Kentsel Dönüşüm")
    desk, door_staff, organiser = make_staff("desk"), make_staff("door"), make_staff("admin")
    keep = Path(os.environ.get("MARUF_SCREENSHOTS") or tmp_path)
    keep.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            # 1. The desk registers her, no e-mail, and lets her in at the entrance.
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            log_in(page, live_server, desk)
            register_walk_in(page, live_server, entrance)
            page.screenshot(path=str(keep / "walk-in-done.png"))

            # 2. Her badge is printed: the PDF names her, and its QR code is her badge token.
            token = print_badge(page, keep, tmp_path)
            context.close()

            # 3. The session's door scans the printed code (a USB scanner types it) and admits her.
            context = browser.new_context(viewport={"width": 390, "height": 844})
            page = context.new_page()
            log_in(page, live_server, door_staff)
            page.goto(f"{live_server}/checkin/{door.id}?lang=en")
            page.wait_for_selector("#code")
            page.fill("#code", token)
            page.press("#code", "Enter")
            page.wait_for_selector("#result.o-admitted", timeout=15000)
            assert page.inner_text("#result-word") == "ADMIT"
            assert GIVEN in page.inner_text("#result-name")
            page.screenshot(path=str(keep / "walk-in-admitted.png"))
            context.close()

            # 4. The organisers' dashboard counts one walk-in.
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            log_in(page, live_server, organiser)
            page.goto(f"{live_server}/reports?lang=en")
            figure = page.locator(".figure", has_text="Registered at the desk")
            assert figure.locator(".figure-value").inner_text().strip() == "1"
            context.close()
        finally:
            browser.close()

    with app.app_context():
        registration = db.session.scalars(select(Registration)).one()
        assert registration.source == "walk_in"
        assert registration.person.email is None
        assert (registration.person.given_name, registration.person.family_name) == (GIVEN, FAMILY)
        scans = db.session.execute(
            select(Scan.point_id, Scan.outcome, Scan.manual).order_by(Scan.id)
        ).all()
        assert [tuple(s) for s in scans] == [
            (entrance.id, Outcome.ADMITTED, True),
            (door.id, Outcome.ADMITTED, False),
        ]
        assert db.session.scalar(select(BadgePrint.registration_id)) == registration.id
