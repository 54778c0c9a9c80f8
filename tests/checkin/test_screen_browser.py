"""The room screen in a real browser: a 1920×1080 TV and a 390×844 phone, in tr, en and ar; it
fits (no sideways scrolling), mirrors in Arabic, and its script redraws the seats after scans.

Set MARUF_SCREENSHOTS=/some/dir to keep the screenshots."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from maruf_reg.extensions import db
from maruf_reg.models import Outcome, Scan

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing (apt-get install chromium)"
    ),
]

ROOMS = [
    (
        "Haliç Salonu",
        800,
        "Açılış Oturumu: Depreme Dirençli Şehirler",
        "Opening Plenary: Earthquake-Resilient Cities",
    ),
    (
        "Salon A",
        300,
        "Kentsel Dönüşümde Yerel Yönetimlerin Rolü",
        "The Role of Local Governments in Urban Renewal",
    ),
    ("Salon B", 200, "Göç ve Sosyal Uyum", "Migration and Social Cohesion"),
    ("Salon C", 120, "Akıllı Şehirler ve Veri", "Smart Cities and Data"),
    ("Atölye 1", 30, "Atölye: Dirençli Mahalleler", "Workshop: Resilient Neighbourhoods"),
    ("Atölye 2", 30, "Atölye: Katılımcı Bütçe", "Workshop: Participatory Budgeting"),
    ("Fuaye", 400, "Sergi: Marmara'nın Kıyıları", "Exhibition: The Shores of the Marmara"),
    ("Sinema Salonu", 150, "Belgesel Gösterimi: Su", "Documentary Screening: Water"),
]


@pytest.fixture
def app(make_app):
    return make_app(SCREEN_SECONDS=0.01, SCREEN_REFRESH_SECONDS=1)


@pytest.fixture
def venue(app, forum, make_room, make_session, make_point):
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    doors = {}
    for position, (name, seats, title_tr, title_en) in enumerate(ROOMS):
        room = make_room(forum, name=name, capacity=seats, position=position)
        if position != 3:  # Salon C has a break now
            session = make_session(
                forum,
                room=room,
                title_tr=title_tr,
                title_en=title_en,
                starts_at=now - timedelta(minutes=20),
                ends_at=now + timedelta(minutes=40),
                no_checkin=name == "Fuaye",
            )
            if name != "Fuaye":
                doors[name] = make_point(forum, session=session, name=f"{name} · {title_tr}")
        if position % 2 == 0 or position == 3:
            make_session(
                forum,
                room=room,
                title_tr=f"Sonraki: {title_tr}",
                title_en=f"Next: {title_en}",
                starts_at=now + timedelta(minutes=60),
                ends_at=now + timedelta(minutes=120),
            )
    return doors


def admit(app, door, registrations):
    with app.app_context():
        for registration in registrations:
            at = datetime.now(UTC) - timedelta(minutes=1)
            db.session.add(
                Scan(
                    uuid=str(uuid.uuid4()),
                    point_id=door.id,
                    registration_id=registration.id,
                    serial=1,
                    scanned_at=at,
                    received_at=at,
                    outcome=Outcome.ADMITTED,
                )
            )
        db.session.commit()


def test_the_screen_on_a_tv_and_a_phone_in_three_languages(
    app, live_server, venue, forum, make_registration, tmp_path
):
    from playwright.sync_api import sync_playwright

    people = [make_registration(forum) for _ in range(31)]
    admit(app, venue["Atölye 1"], people[:30])  # full
    admit(app, venue["Salon A"], people[:12])
    shots = Path(os.environ.get("MARUF_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            for width, height in ((1920, 1080), (390, 844)):
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                for lang in ("tr", "en", "ar"):
                    page.goto(f"{live_server}/screen?lang={lang}")
                    page.wait_for_selector(".screen-room")
                    page.screenshot(
                        path=str(shots / f"screen-{lang}-{width}x{height}.png"), full_page=True
                    )
                    assert page.evaluate("document.documentElement.dir") == (
                        "rtl" if lang == "ar" else "ltr"
                    )
                    # Nothing sticks out sideways.
                    assert page.evaluate(
                        "document.documentElement.scrollWidth <= window.innerWidth"
                    ), (width, lang)
                    if width == 1920:
                        # Every room is on the TV at once, without scrolling.
                        last = page.locator(".screen-room").last.bounding_box()
                        assert last["y"] + last["height"] <= height, lang
                context.close()
            # The script redraws: more people come in, the seats left go down without a reload.
            context = browser.new_context(viewport={"width": 1920, "height": 1080})
            page = context.new_page()
            page.goto(f"{live_server}/screen?lang=en")
            salon = page.locator(".screen-room", has_text="Salon A")
            assert "288 seats free" in salon.inner_text()
            page.evaluate("window.marker = 1")
            admit(app, venue["Salon A"], people[12:20])
            page.wait_for_selector(".screen-room:has-text('280 seats free')", timeout=10000)
            assert page.evaluate("window.marker") == 1  # redrawn, not reloaded
            full = page.locator(".screen-room.is-full")
            assert full.count() == 1 and "ROOM FULL" in full.inner_text()
            context.close()
        finally:
            browser.close()
