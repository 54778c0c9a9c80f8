"""Accessibility: axe-core (vendored) in Chromium on the public pages, the sign-up and personal
forms and the scanner page — no serious or critical violation; and a sign-up by keyboard alone.

(The programme pages are checked in tests/program/test_browser.py.)
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from maruf_reg.extensions import db
from maruf_reg.models import CheckInPoint, PointKind, Registration

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing"),
]


@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        try:
            yield chromium
        finally:
            chromium.close()


def serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => (await axe.run()).violations
            .filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"""
    )


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("lang", ["tr", "en"])
def test_public_and_personal_pages_pass_axe(
    browser, live_server, forum, make_room, make_session, make_registration, make_person,
    width, lang,
):  # fmt: skip
    make_session(forum, room=make_room(forum, name="Salon A"))
    registration = make_registration(
        forum, make_person(given_name="محمد", family_name="الحلبي", language=lang)
    )
    token = registration.manage_token
    # bypass_csp: axe is injected as an inline script, which the app's CSP rightly forbids.
    page = browser.new_page(viewport={"width": width, "height": 900}, bypass_csp=True)
    pages = ["/", "/register", "/register/link", "/login", f"/r/{token}", f"/r/{token}/edit",
             f"/r/{token}/sessions", f"/r/{token}/cancel", "/no-such-page"]  # fmt: skip
    for path in pages:
        page.goto(f"{live_server}{path}?lang={lang}")
        assert serious_violations(page) == [], path
    # The sign-up form with its errors shown.
    page.goto(f"{live_server}/register?lang={lang}")
    page.click("form.signup button[type=submit]")
    page.wait_for_selector(".errors")
    assert serious_violations(page) == [], "the sign-up form with errors"
    page.close()


def test_the_scanner_page_passes_axe(browser, live_server, app, forum, login, make_staff):
    with app.app_context():
        point = CheckInPoint(forum_id=forum.id, name="Ana Giriş", kind=PointKind.ENTRANCE)
        db.session.add(point)
        db.session.commit()
        point_id = point.id
    staff = make_staff("door")
    page = browser.new_page(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page.goto(f"{live_server}/login?lang=en")
    page.fill("[name=email]", staff.email)
    page.fill("[name=password]", staff.password)
    page.click("button[type=submit]")
    for path in ("/checkin/", f"/checkin/{point_id}"):
        page.goto(f"{live_server}{path}?lang=tr")
        assert serious_violations(page) == [], path
    page.close()


def test_signing_up_by_keyboard_alone(browser, live_server, app, forum, make_room, make_session):
    """Tab from field to field, type, tick with the space bar, send with Enter."""
    make_session(forum, room=make_room(forum, name="Salon A"), title_en="Resilient Cities")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server}/register?lang=en")
    page.focus("[name=given_name]")
    page.keyboard.type("Ayşe")
    page.keyboard.press("Tab")
    page.keyboard.type("Öztürk")
    page.keyboard.press("Tab")
    page.keyboard.type("ayse.keyboard@example.org")
    # On through the remaining fields to the data-processing consent, ticked with Space.
    seen = []
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.name || document.activeElement.tagName")
        seen.append(focused)
        if focused == "country" and page.input_value("[name=country]") == "":
            for _ in range(300):  # down the list to Türkiye
                page.keyboard.press("ArrowDown")
                if page.input_value("[name=country]") == "TR":
                    break
            assert page.input_value("[name=country]") == "TR"
        if focused == "sessions":
            page.keyboard.press("Space")  # the first session
        if focused == "consent_data":
            page.keyboard.press("Space")
            break
    else:
        raise AssertionError(f"the consent box cannot be reached with Tab: {seen}")
    visible_focus = page.evaluate(
        "getComputedStyle(document.activeElement).outlineStyle !== 'none'"
    )
    assert visible_focus, "the focused field shows no focus ring"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".errors").all_inner_texts() == []
    assert re.search(r"/register/sent", page.url)
    with app.app_context():
        registration = db.session.scalars(select(Registration)).one()
        assert registration.person.email == "ayse.keyboard@example.org"
        assert [seat.session.title_en for seat in registration.seats] == ["Resilient Cities"]
    page.close()
