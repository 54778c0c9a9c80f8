"""The scanner's answers as door staff read them, in a real browser: NOT NOW for a session on
another day names that day (not only "09:30", which reads as today)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing (apt-get install chromium)"
    ),
]


@pytest.mark.parametrize(("lang", "month"), [("tr", "Ocak"), ("en", "January"), ("ar", "يناير")])
def test_not_now_for_a_session_on_another_day_names_its_day(
    live_server, forum, make_session, make_point, make_registration, make_staff, badge, lang, month
):
    from playwright.sync_api import sync_playwright

    now = datetime.now(UTC)
    # Mid-January of next year at noon: never today, in any time zone, and January's name.
    starts = datetime(now.year + 1, 1, 15, 9, 30, tzinfo=UTC)
    session = make_session(
        forum, needs_booking=False, starts_at=starts, ends_at=starts + timedelta(hours=1)
    )
    door = make_point(forum, name="Salon 1", session=session)
    token = badge(forum, make_registration(forum))
    staff = make_staff("door")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(f"{live_server}/login?lang={lang}")
            page.fill("input[name=email]", staff.email)
            page.fill("input[name=password]", staff.password)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            page.goto(f"{live_server}/checkin/{door.id}?lang={lang}")
            page.wait_for_selector("#code")
            page.fill("#code", token)
            page.press("#code", "Enter")
            page.wait_for_selector("#result.o-not_now", timeout=15000)
            reason = page.inner_text("#result-reason")
            assert f"15 {month}" in reason, reason
            # Today's "12:05" stays a bare time: the bundle's line has no day in front.
            page.wait_for_function("document.getElementById('bundle-info').textContent !== ''")
            assert month not in page.inner_text("#bundle-info") or now.month == 1
        finally:
            browser.close()
