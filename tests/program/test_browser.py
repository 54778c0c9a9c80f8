"""The timetable in a real browser: rooms across on a desktop, a list per time slot on a phone,
and never a page wider than the screen."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from maruf_reg.models import SessionKind
from tests.conftest import forum_time

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium is not installed"),
]


@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def busy_day(programme, make_room, make_session):
    """Eight rooms in use at once, one with a long Arabic title."""
    for n in range(6):
        room = make_room(programme.forum, name=f"Salon {chr(67 + n)}", position=3 + n)
        make_session(
            programme.forum,
            room=room,
            starts_at=forum_time(0, 11),
            title_en=f"Parallel panel {n}",
            title_tr=f"Paralel panel {n}",
        )
    make_session(
        programme.forum,
        room=programme.workshop_room,
        starts_at=forum_time(0, 9),
        ends_at=forum_time(0, 18),
        kind=SessionKind.EXHIBITION,
        needs_booking=False,
        title_en="معرض الصور: ذاكرة المدينة " * 3,
    )
    return programme


def layout(page):
    return page.evaluate(
        """() => ({
            overflow: document.documentElement.scrollWidth - window.innerWidth,
            roomHeaders: [...document.querySelectorAll('.tt-room')].filter(e => e.offsetParent).length,
            lefts: [...document.querySelectorAll('.tt-session')].map(e => e.getBoundingClientRect().left),
            widths: [...document.querySelectorAll('.tt-session')].map(e => e.getBoundingClientRect().width),
        })"""
    )


def test_on_a_phone_the_rooms_stack_and_the_page_does_not_overflow(browser, live_server, busy_day):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server}/program?lang=en")
    found = layout(page)
    assert found["overflow"] <= 0
    assert found["roomHeaders"] == 0
    assert len(found["lefts"]) == 8
    assert len({round(left) for left in found["lefts"]}) == 1  # one column: a list
    assert min(found["widths"]) > 300
    page.close()


def test_on_a_desktop_rooms_are_columns(browser, live_server, busy_day):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(f"{live_server}/program?lang=en")
    found = layout(page)
    assert found["overflow"] <= 0
    assert found["roomHeaders"] == 8
    assert len({round(left) for left in found["lefts"]}) == 8  # each room its own column
    page.close()


AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"


@pytest.mark.parametrize("width", [390, 1366])
def test_the_programme_pages_pass_axe(browser, live_server, busy_day, width):
    # bypass_csp: axe is injected as an inline script, which the app's CSP rightly forbids.
    page = browser.new_page(viewport={"width": width, "height": 900}, bypass_csp=True)
    for path in ("/program?lang=en", f"/sessions/{busy_day.panel.id}?lang=tr", "/?lang=en"):
        page.goto(live_server + path)
        page.add_script_tag(path=str(AXE))
        serious = page.evaluate(
            """async () => (await axe.run()).violations
                .filter(v => ['serious', 'critical'].includes(v.impact))
                .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"""
        )
        assert serious == [], (path, serious)
    page.close()
