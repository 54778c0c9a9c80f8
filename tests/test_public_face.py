"""The public site as a visitor sees it in Chromium, on a phone (390 px) and a desktop: the front
page, the speakers page, a session page with portraits, the timetable with speakers' names, and
sign-up and the personal page in Arabic (right to left). Each page has no serious or critical
axe-core finding and never scrolls sideways; screenshots go to test-artifacts/public-face/."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator

import pytest
from PIL import Image, ImageDraw

from maruf_reg.extensions import db
from maruf_reg.models import Category, Forum, RoleKind, SessionKind, SessionRole
from tests.conftest import ROOT, forum_time

CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "tests" / "vendor" / "axe-core-4.14.1" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "public-face"

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


def portrait(colour: str) -> bytes:
    image = Image.new("RGB", (360, 360), "#dfe8f3")
    draw = ImageDraw.Draw(image)
    draw.ellipse((60, 230, 300, 470), fill=colour)
    draw.ellipse((115, 70, 245, 220), fill="#e0ac69")
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def site(app, forum, make_theme, make_room, make_session, make_person, make_registration):
    """A forum with a description, two themes, rooms, sessions and speakers from four scripts."""
    with app.app_context():
        row = db.session.get(Forum, forum.id)
        row.description_en = ("Three days of panels and workshops on migration, resilience and the "
                              "future of the cities around the Sea of Marmara.")  # fmt: skip
        row.description_tr = "Göç, dirençlilik ve Marmara kentlerinin geleceği üzerine üç gün."
        db.session.commit()
    migration = make_theme(forum, slug="migration", colour="#c0392b")
    resilience = make_theme(forum, slug="resilience", name_tr="Dirençlilik", name_en="Resilience",
                            colour="#16a085")  # fmt: skip
    salon = make_room(forum, name="Haliç Salonu", capacity=400, position=1)
    atelier = make_room(forum, name="Atölye 1", capacity=40, position=2)
    panel = make_session(forum, room=salon, theme=migration, starts_at=forum_time(0, 11),
                         description_en="Mayors and researchers on what cities learnt.")  # fmt: skip
    workshop = make_session(forum, room=atelier, theme=resilience, kind=SessionKind.WORKSHOP,
                            title_tr="Dirençli Mahalleler", title_en="Resilient Neighbourhoods",
                            starts_at=forum_time(0, 11))  # fmt: skip
    people = [
        make_person(given_name="Ayşe", family_name="Büyükkarıştıranlıoğulları", position="Mayor",
                    organisation="Marmara Belediyeler Birliği", photo=portrait("#0b5394"),
                    photo_type="image/jpeg", bio_en="Ayşe has led the union's migration desk since 2016."),
        make_person(given_name="محمد", family_name="الحلبي", position="مدير البرامج",
                    organisation="بلدية غازي عنتاب", country="SY", photo=portrait("#6b2d5c"),
                    photo_type="image/jpeg", bio_en="Mohammed runs programmes for newcomers."),
        make_person(given_name="秀英", family_name="王", organisation="UN-Habitat", country="CN",
                    photo=portrait("#1f5f5b"), photo_type="image/jpeg"),
        make_person(given_name="Jan", family_name="de Vries", organisation="Gemeente Rotterdam",
                    country="NL", bio_tr="Jan, Rotterdam'da iklim uyumu üzerine çalışıyor."),
    ]  # fmt: skip
    parts = [(panel, RoleKind.MODERATOR), (panel, RoleKind.SPEAKER), (panel, RoleKind.SPEAKER),
             (workshop, RoleKind.SPEAKER)]  # fmt: skip
    with app.app_context():
        for position, (person, (session, role)) in enumerate(zip(people, parts, strict=True)):
            make_registration(forum, person, category=Category.SPEAKER)
            db.session.add(SessionRole(session_id=session.id, person_id=person.id, role=role,
                                       position=position))  # fmt: skip
        db.session.commit()
    arabic = make_registration(forum, make_person(given_name="فاطمة", family_name="الزهراء",
                                                  language="ar", country="SY"))  # fmt: skip
    return {"panel": panel, "token": arabic.manage_token}


def look(page, name: str, width: int) -> dict:
    """Screenshot the page, run axe, and measure what a reader would notice."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    found: dict = page.evaluate(
        """async () => ({
            serious: (await axe.run()).violations
                .filter(v => ['serious', 'critical'].includes(v.impact))
                .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')),
            overflow: document.documentElement.scrollWidth - window.innerWidth,
            dir: document.documentElement.dir,
            lang: document.documentElement.lang,
            brandCentre: (r => (r.left + r.right) / 2)(document.querySelector('.brand').getBoundingClientRect()),
        })"""
    )
    return found


PAGES = [
    ("front", "/?lang=en"),
    ("speakers", "/speakers?lang=en"),
    ("session", "/sessions/{panel}?lang=en"),
    ("timetable", "/program?lang=en"),
    ("front-tr", "/?lang=tr"),
    ("session-ar", "/sessions/{panel}?lang=ar"),
    ("signup-ar", "/register?lang=ar"),
    ("personal-ar", "/r/{token}"),
]


@pytest.mark.parametrize("width", [390, 1280])
def test_the_public_pages_read_well_and_pass_axe(browser, live_server, site, width):
    page = browser.new_page(viewport={"width": width, "height": 900}, bypass_csp=True)
    for name, path in PAGES:
        page.goto(live_server + path.format(panel=site["panel"].id, token=site["token"]))
        found = look(page, name, width)
        assert found["serious"] == [], name
        assert found["overflow"] <= 0, name
        if name.endswith("-ar"):
            # Right to left: the forum's name sits on the right, as the whole layout mirrors.
            assert (found["lang"], found["dir"]) == ("ar", "rtl"), name
            assert found["brandCentre"] > width / 2, name
        else:
            assert found["dir"] == "ltr" and found["brandCentre"] < width / 2, name
    page.close()


def test_the_session_page_shows_portraits_and_the_timetable_names_speakers(
    browser, live_server, site
):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server}/sessions/{site['panel'].id}?lang=en")
    for image in page.locator("img.portrait").all():
        image.scroll_into_view_if_needed()  # they load lazily
    page.wait_for_function("[...document.images].every(i => i.complete)")
    sizes = page.evaluate(
        """() => [...document.querySelectorAll('img.portrait')]
            .map(i => [i.complete && i.naturalWidth > 0, Math.round(i.getBoundingClientRect().width)])"""
    )
    assert len(sizes) == 3 and all(loaded and shown == 72 for loaded, shown in sizes)
    page.goto(f"{live_server}/program?lang=en")
    names = page.locator(".tt-people").all_inner_texts()
    assert any("王秀英" in n and "محمد الحلبي" in n for n in names)
    page.close()


def test_signing_up_in_arabic_on_a_phone(browser, live_server, site, app):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server}/register?lang=ar")
    assert page.locator("h1").inner_text().startswith("التسجيل في")
    page.fill("#given_name", "ليلى")
    page.fill("#family_name", "حداد")
    page.fill("#email", "layla@example.org")
    page.select_option("#country", "LB")
    page.check("input[name=language][value=ar]")
    page.check("#consent_data")
    page.click("form.signup button[type=submit]")
    page.wait_for_url("**/register/sent")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "signup-sent-ar-390.png"), full_page=True)
    assert "شكرًا لك" in page.content()
    with app.app_context():
        from sqlalchemy import select

        from maruf_reg.models import Person

        person = db.session.scalars(select(Person).where(Person.email == "layla@example.org")).one()
        assert person.language == "ar"
    page.close()
