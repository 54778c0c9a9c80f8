"""The scanner's answer texts as the page gives them to its script, in tr, en and ar."""

from __future__ import annotations

import json
import re


def test_the_room_full_line_needs_no_plural(client, login, forum, make_point):
    """ "3 inside, 1 places." read wrong with one place (and Arabic has six plural forms): the
    line is a label and a figure."""
    door = make_point(forum, name="Salon 1")
    login("door")
    for lang, line in (
        ("en", "Inside: %(inside)s; places: %(capacity)s."),
        ("tr", "İçeride: %(inside)s; yer sayısı: %(capacity)s."),
        ("ar", "في الداخل: %(inside)s؛ عدد الأماكن: %(capacity)s."),
    ):
        html = client.get(f"/checkin/{door.id}?lang={lang}").get_data(as_text=True)
        found = re.search(
            r'<script type="application/json" id="checkin-strings">(.*?)</script>', html
        )
        assert found is not None
        assert json.loads(found.group(1))["room_count"] == line


def _walk_in_form(page: str, **values: str) -> dict[str, str]:
    from tests.conftest import csrf_from

    return {
        "csrf_token": csrf_from(page), "given_name": "Şükrü", "family_name": "Çağlayan",
        "organisation": "", "position": "", "country": "TR", "email": "", "language": "tr",
        "category": "participant", "consent_data": "y", **values,
    }  # fmt: skip


def test_the_walk_in_page_says_where_the_person_was_let_in(client, login, forum, make_point):
    door = make_point(forum, name="Ana Giriş")
    login("desk")
    page = client.get("/checkin/desk/walk-in?lang=tr").get_data(as_text=True)
    done = client.post(
        "/checkin/desk/walk-in?lang=tr",
        data=_walk_in_form(page, point=str(door.id)),
        follow_redirects=True,
    )
    assert "Ana Giriş noktasından içeri alındı." in done.get_data(as_text=True)


def test_a_walk_in_not_let_in_is_told_why_in_the_pages_language(
    client, login, forum, make_point, make_session
):
    """Was "not_now", the outcome's code, on a Turkish page."""
    from datetime import UTC, datetime, timedelta

    later = datetime.now(UTC) + timedelta(days=3)
    session = make_session(forum, starts_at=later, ends_at=later + timedelta(hours=1))
    door = make_point(forum, name="Salon 1", session=session)
    login("desk")
    page = client.get("/checkin/desk/walk-in?lang=tr").get_data(as_text=True)
    done = client.post(
        "/checkin/desk/walk-in?lang=tr",
        data=_walk_in_form(page, point=str(door.id)),
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "not_now" not in done
    assert "Kaydedildi, ama orada içeri alınmadı: oturumun kapısı şu an açık değil." in done


def test_the_clock_line_says_behind_or_ahead(client, login, forum, make_point):
    """ "clock -7 min off" read as nothing at a door: the status line says which way."""
    door = make_point(forum, name="Salon 1")
    login("door")
    html = client.get(f"/checkin/{door.id}?lang=tr").get_data(as_text=True)
    found = re.search(r'<script type="application/json" id="checkin-strings">(.*?)</script>', html)
    assert found is not None
    strings = json.loads(found.group(1))
    assert strings["clock_behind"] == "bu cihazın saati %(n)s dk geride"
    assert strings["clock_ahead"] == "bu cihazın saati %(n)s dk ileride"
    assert "clock_off" not in strings


def test_the_in_and_out_arrows_are_mirrored_in_arabic(client, login, forum, make_point, app):
    from pathlib import Path

    door = make_point(forum, name="Ana Giriş", counts_exit=True)
    login("door")
    html = client.get(f"/checkin/{door.id}?lang=ar").get_data(as_text=True)
    assert '<span class="dir-arrow" aria-hidden="true">↘</span>' in html
    assert '<span class="dir-arrow" aria-hidden="true">↗</span>' in html
    css = (Path(app.root_path).parent / "static" / "css" / "checkin.css").read_text("utf-8")
    assert "html[dir=rtl] .dir-arrow { transform: scaleX(-1); }" in css
