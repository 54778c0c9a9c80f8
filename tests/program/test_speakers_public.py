"""Speakers on the public site: the speakers page, a speaker's page, portraits, names on the
timetable, the programme's search, the booklet and the front page."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from pypdf import PdfReader

from maruf_reg.extensions import db
from maruf_reg.models import Category, Forum, RegistrationStatus, RoleKind, SessionRole
from tests.conftest import forum_time

EN = {"Accept-Language": "en"}
TR = {"Accept-Language": "tr"}
AR = {"Accept-Language": "ar"}


def page(client, url, headers=EN, status=200):
    response = client.get(url, headers=headers)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def jpeg(width=900, height=1200, colour="#b04a3a") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def cast(app, programme, make_person, make_registration, make_session, make_theme):
    """Speakers of two sessions in two themes: Turkish, Arabic and Chinese names; one pending."""
    resilience = make_theme(programme.forum, slug="resilience", name_tr="Dirençlilik",
                            name_en="Resilience")  # fmt: skip
    workshop = make_session(
        programme.forum, room=programme.workshop_room, theme=resilience,
        title_tr="Dirençli Mahalleler", title_en="Resilient Neighbourhoods",
        starts_at=forum_time(1, 14),
    )  # fmt: skip
    people = {
        "ayse": make_person(given_name="Ayşe", family_name="Çelik", organisation="İBB",
                            position="Şehir plancısı", email="ayse@example.org",
                            bio_tr="Ayşe kentsel dönüşüm üzerine çalışıyor.", bio_en="",
                            photo=jpeg(), photo_type="image/jpeg"),
        "cem": make_person(given_name="Cem", family_name="Cengiz", organisation="UCLG",
                           bio_en="Cem works on local diplomacy.", bio_tr="Cem yerel diplomasi üzerine çalışıyor."),
        "agah": make_person(given_name="Ağah", family_name="Akın", organisation="Kent Konseyi"),
        "fatima": make_person(given_name="فاطمة", family_name="الحلبي", organisation="بلدية غازي عنتاب",
                              bio_en="Fatima leads the city's migration office."),
        "wang": make_person(given_name="秀英", family_name="王", organisation="UN-Habitat"),
        "pending": make_person(given_name="Pending", family_name="Zeta", photo=jpeg(),
                               photo_type="image/jpeg"),
    }  # fmt: skip
    parts = [
        ("ayse", programme.panel, RoleKind.SPEAKER, RegistrationStatus.CONFIRMED),
        ("cem", programme.panel, RoleKind.MODERATOR, RegistrationStatus.CONFIRMED),
        ("fatima", programme.panel, RoleKind.SPEAKER, RegistrationStatus.CONFIRMED),
        ("agah", workshop, RoleKind.SPEAKER, RegistrationStatus.CONFIRMED),
        ("wang", workshop, RoleKind.SPEAKER, RegistrationStatus.CONFIRMED),
        ("pending", workshop, RoleKind.SPEAKER, RegistrationStatus.PENDING),
    ]
    with app.app_context():
        for position, (key, session, role, status) in enumerate(parts):
            make_registration(
                programme.forum, people[key], category=Category.SPEAKER, status=status
            )
            db.session.add(SessionRole(session_id=session.id, person_id=people[key].id, role=role,
                                       position=position))  # fmt: skip
        db.session.commit()
    return people, workshop


def names_in_order(html: str) -> list[str]:
    return re.findall(r'class="person-heading"><a href="/speakers/\d+"><bdi>([^<]+)</bdi>', html)


def test_the_speakers_page_lists_confirmed_speakers_in_the_readers_alphabet(client, cast):
    turkish = page(client, "/speakers", TR)
    # By family name, Turkish rules: Akın, Cengiz, Çelik; other scripts after the Latin ones.
    assert names_in_order(turkish)[:3] == ["Ağah Akın", "Cem Cengiz", "Ayşe Çelik"]
    assert "王秀英" in turkish and "فاطمة الحلبي" in turkish  # a Chinese name family name first
    assert "Pending" not in turkish  # not confirmed yet
    assert "5 konuşmacı." in turkish


def test_the_speakers_page_searches_names_organisations_and_themes_without_javascript(client, cast):
    assert names_in_order(page(client, "/speakers?q=celik"))[0] == "Ayşe Çelik"  # accents folded
    assert names_in_order(page(client, "/speakers?q=uclg")) == ["Cem Cengiz"]
    assert names_in_order(page(client, "/speakers?q=الحلبي")) == ["فاطمة الحلبي"]
    by_theme = names_in_order(page(client, "/speakers?theme=resilience"))
    assert sorted(by_theme) == sorted(["Ağah Akın", "王秀英"])
    # E-mail addresses are not searched: the public may not probe them.
    assert names_in_order(page(client, "/speakers?q=ayse%40example.org")) == []
    assert "No speaker matches your search." in page(client, "/speakers?q=nobody")
    page(client, "/speakers?theme=no-such-theme", status=404)


def test_a_speaker_page_shows_the_biography_in_the_page_language_with_a_fallback(
    client, cast, programme
):
    people, _workshop = cast
    cem = f"/speakers/{people['cem'].id}"
    assert "Cem works on local diplomacy." in page(client, cem, EN)
    assert "Cem yerel diplomasi üzerine çalışıyor." in page(client, cem, TR)
    ayse = page(client, f"/speakers/{people['ayse'].id}", EN)
    # Only a Turkish biography: shown on the English page, marked as Turkish.
    assert '<div class="description" lang="tr" dir="ltr">Ayşe kentsel dönüşüm' in ayse
    assert "Şehir plancısı" in ayse and "İBB" in ayse
    assert "The Role of Local Governments" in ayse and "Speaker" in ayse
    arabic = page(client, cem + "?lang=ar")
    assert '<html lang="ar" dir="rtl">' in arabic
    assert '<div class="description" lang="en" dir="ltr">Cem works on local diplomacy.' in arabic
    page(client, f"/speakers/{people['pending'].id}", status=404)  # not confirmed
    page(client, "/speakers/999999", status=404)


def test_portraits_are_small_jpegs_of_public_speakers_only(client, cast):
    people, _workshop = cast
    response = client.get(f"/speakers/{people['ayse'].id}/portrait.jpg")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(response.data)) as image:
        assert image.format == "JPEG" and max(image.size) == 400
    again = client.get(
        f"/speakers/{people['ayse'].id}/portrait.jpg",
        headers={"If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304
    assert client.get(f"/speakers/{people['pending'].id}/portrait.jpg").status_code == 404
    assert client.get(f"/speakers/{people['cem'].id}/portrait.jpg").status_code == 404  # none


def test_a_session_page_shows_each_speakers_portrait_position_organisation_and_biography(
    client, cast, programme
):
    people, _workshop = cast
    html = page(client, f"/sessions/{programme.panel.id}")
    assert f'<img class="portrait " src="/speakers/{people["ayse"].id}/portrait.jpg"' in html
    assert '<span class="portrait initials " aria-hidden="true">CC</span>' in html  # no photo
    assert "Şehir plancısı" in html and "Fatima leads the city" in html
    assert f'href="/speakers/{people["fatima"].id}"' in html


def test_timetable_cards_name_the_speakers_and_the_search_finds_sessions_by_speaker(
    client, cast, programme
):
    html = page(client, "/program")
    card = html[html.index("Resilient Neighbourhoods") :]
    card = card[: card.index("</article>")]
    assert "Ağah Akın" in card and "王秀英" in card and "Pending" not in card
    found = page(client, "/program?q=akin")  # a speaker, accents folded
    assert "1 session matches “akin”" in found and "Resilient Neighbourhoods" in found
    assert (
        "The Role of Local Governments"
        not in found.split("search-results")[1].split("</section>")[0]
    )
    assert "Dirençli Mahalleler" in page(client, "/program?q=direncli", TR)  # Turkish title
    assert "The Role of Local Governments" in page(client, "/program?q=migration")  # a theme
    assert "0 sessions match" in page(client, "/program?q=nothing+like+this")


def test_the_booklet_is_an_a5_pdf_day_by_day_with_an_index_of_speakers(client, cast, programme):
    response = client.get("/program/booklet.pdf?lang=tr")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (148, 210)  # A5 in mm
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "1 Ekim 2030 Salı" in text and "2 Ekim 2030 Çarşamba" in text
    assert "Yerel Yönetimlerin Rolü" in text and "Salon A" in text and "Atölye 1" in text
    assert "Konuşmacılar dizini" in text
    index = text[text.index("Konuşmacılar dizini") :]
    assert index.index("Ağah Akın") < index.index("Cem Cengiz") < index.index("Ayşe Çelik")
    assert "Pending" not in text
    english = client.get("/program/booklet.pdf?lang=en")
    assert "Index of speakers" in "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(english.data)).pages
    )


def test_the_front_page_has_the_forum_figures_and_shared_link_tags(app, client, cast, programme):
    with app.app_context():
        forum = db.session.get(Forum, programme.forum.id)
        forum.description_en = "Three days on the future of cities."
        db.session.commit()
    html = page(client, "/")
    assert "Three days on the future of cities." in html
    figures = re.sub(r"\s+", " ", html[html.index('class="key-figures"') :][:800])
    assert "<strong>3</strong> days" in figures and "<strong>2</strong> sessions" in figures
    assert "<strong>5</strong> speakers" in figures
    assert (
        '<meta property="og:title"' in html
        and '<meta property="og:description" content="Three days' in html
    )
    assert 'rel="icon" href="/static/icon.svg?v=' in html  # versioned: nginx keeps it a year
    assert 'href="/register">Register now</a>' in html
    assert client.get("/favicon.ico").headers["Location"].split("?")[0].endswith("/static/icon.svg")
    assert client.get("/forum/logo").status_code == 404  # no logo yet


def test_the_forum_logo_is_served_so_that_nothing_in_it_runs(app, client, programme):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with app.app_context():
        forum = db.session.get(Forum, programme.forum.id)
        forum.logo, forum.logo_type = svg, "image/svg+xml"
        db.session.commit()
    response = client.get("/forum/logo")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert 'src="/forum/logo"' in page(client, "/")


def test_days_after_the_forum_show_no_session_of_another_edition(
    client, cast, programme, make_forum
):
    other = make_forum(starts_on=programme.forum.starts_on - timedelta(days=365),
                       ends_on=programme.forum.ends_on - timedelta(days=365))  # fmt: skip
    assert other.id != programme.forum.id
    assert "Resilient Neighbourhoods" in page(client, "/program")  # the latest edition is public
