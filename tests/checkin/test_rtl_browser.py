"""The staff's check-in pages in Arabic: the scanner and the desk mirror (dir=rtl, CSS logical
properties), and a scan's answer and the last scans read from the right edge.

Set MARUF_SCREENSHOTS=/some/dir to keep the screenshots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from maruf_reg.models import PointKind

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing (apt-get install chromium)"
    ),
]


def test_the_scanner_and_the_desk_mirror_in_arabic(
    app, live_server, forum, make_point, make_registration, make_person, make_staff, badge, tmp_path
):
    from playwright.sync_api import sync_playwright

    entrance = make_point(forum, name="البوابة الرئيسية", kind=PointKind.ENTRANCE, counts_exit=True)
    person = make_person(given_name="ليلى", family_name="حداد", organisation="بلدية بيروت")
    layla = make_registration(forum, person=person)
    desk = make_staff("desk")
    keep = Path(os.environ.get("MARUF_SCREENSHOTS") or tmp_path)
    keep.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            context = browser.new_context(viewport={"width": 390, "height": 844})
            page = context.new_page()
            page.goto(f"{live_server}/login?lang=ar")
            page.fill("input[name=email]", desk.email)
            page.fill("input[name=password]", desk.password)
            page.click("button[type=submit]")
            page.wait_for_load_state()

            page.goto(f"{live_server}/checkin/{entrance.id}?lang=ar")
            page.wait_for_selector("#code")
            assert page.evaluate("document.documentElement.dir") == "rtl"
            page.screenshot(path=str(keep / "scanner-ar.png"), full_page=True)
            page.fill("#code", badge(forum, layla))
            page.press("#code", "Enter")
            page.wait_for_selector("#result.o-admitted", timeout=15000)
            assert "ليلى" in page.inner_text("#result-name")
            page.screenshot(path=str(keep / "scanner-ar-admitted.png"))
            page.click("#result-next")
            page.wait_for_selector(".last-scans li")
            page.screenshot(path=str(keep / "scanner-ar-last-scans.png"), full_page=True)
            # The coloured edge of a last scan is on the right, where an Arabic line begins.
            edge = page.eval_on_selector(
                ".last-scans li",
                "li => [getComputedStyle(li).borderRightWidth, getComputedStyle(li).borderLeftWidth]",
            )
            assert edge == ["6px", "0px"]
            # The camera switch sits at the end edge: left in Arabic (right in Turkish).
            toggle = page.locator(".camera-toggle")
            if toggle.count() and toggle.is_visible():
                box, frame = toggle.bounding_box(), page.locator(".camera-box").bounding_box()
                assert box["x"] - frame["x"] < frame["x"] + frame["width"] - box["x"] - box["width"]

            page.goto(f"{live_server}/checkin/desk?lang=ar&q=حداد")
            page.wait_for_load_state()
            assert page.evaluate("document.documentElement.dir") == "rtl"
            page.screenshot(path=str(keep / "desk-ar.png"), full_page=True)
            context.close()
        finally:
            browser.close()
