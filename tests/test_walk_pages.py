"""What a look at the new pages as their users see them found (tr, en, ar; phone and desktop):
each a small HTML assertion through the test client."""

from __future__ import annotations

import re

EN = {"Accept-Language": "en"}


def test_the_walk_in_language_is_a_row_of_radio_buttons_in_a_fieldset(client, login, forum):
    """Not a bulleted list with each radio above its label: the sign-up form's fieldset, with the
    registration styles (two columns on a desk) loaded."""
    login("desk")
    html = client.get("/checkin/desk/walk-in?lang=ar").get_data(as_text=True)
    assert "css/registration.css" in html
    fieldset = re.search(r'<fieldset class="choice">.*?</fieldset>', html, re.S)
    assert fieldset is not None
    assert 'name="language" value="ar"' in fieldset.group(0)
    assert '<span lang="tr">Türkçe</span>' in fieldset.group(0)
    assert '<ul id="language"' not in html


def test_the_arabic_message_fields_are_right_to_left_but_their_labels_are_not(client, login, forum):
    login()
    html = client.get("/admin/messages/new?lang=tr").get_data(as_text=True)
    subject = re.search(r"<input[^>]*name=\"subject_ar\"[^>]*>", html)
    body = re.search(r"<textarea[^>]*name=\"body_ar\"[^>]*>", html)
    assert subject is not None and 'dir="rtl"' in subject.group(0)
    assert 'lang="ar"' in subject.group(0)
    assert body is not None and 'dir="rtl"' in body.group(0)
    turkish = re.search(r"<input[^>]*name=\"subject_tr\"[^>]*>", html)
    assert turkish is not None and 'lang="tr"' in turkish.group(0)
    # The Turkish label is not marked Arabic any more.
    assert '<div dir="rtl" lang="ar">' not in html


def test_the_message_review_buttons_sit_in_one_row_and_the_sample_name_is_isolated(
    client, login, forum, make_registration, make_person
):
    """A form inside <p class="actions"> ends the paragraph (HTML), so the buttons fell apart:
    the row is a <div>; an Arabic name inside the Turkish sentence is in <bdi>."""
    from tests.conftest import csrf_from

    make_registration(forum, make_person(given_name="ليلى", family_name="<الشامي>", language="ar"))
    login()
    page = client.get("/admin/messages/new?lang=tr").get_data(as_text=True)
    data = {
        "csrf_token": csrf_from(page), "kind": "service", "subject_tr": "Konu", "body_tr": "Metin",
        "subject_en": "Subject", "body_en": "Text", "subject_ar": "", "body_ar": "",
        "rate": "600", "category": "", "status": "", "theme": "", "session": "", "people": "",
        "attendance": "", "badge": "", "country": "", "language": "",
    }  # fmt: skip
    response = client.post("/admin/messages/new?lang=tr", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<div class="actions">' in html
    assert '<p class="actions">' not in html
    assert "<bdi>ليلى &lt;الشامي&gt;</bdi>" in html
    # One recipient: "1 person", and Arabic's own forms (was "1 people", "7 شخصًا").
    assert "1 person will get this message." in client.get(
        response.headers["Location"] + "?lang=en"
    ).get_data(as_text=True)
    arabic = client.get(response.headers["Location"] + "?lang=ar").get_data(as_text=True)
    assert "سيتلقى هذه الرسالة شخص واحد." in arabic
    assert "أرسل إلى شخص واحد" in arabic


def test_a_session_without_a_door_is_listed_with_its_day(client, login, forum, make_session):
    """The programme's "sessions without a door" spans the forum's days: "14:00–15:30" alone
    does not say which session; its day is written out, by the one formatter."""
    from zoneinfo import ZoneInfo

    from maruf_reg import dates
    from tests.conftest import forum_time

    session = make_session(forum, title_en="Doorless", starts_at=forum_time(1, 14))
    login()
    page = client.get("/admin/program", headers=EN).get_data(as_text=True)
    listed = page.split('id="doorless"')[1].split("</div>")[0]
    when = dates.session_when(
        session.starts_at, session.ends_at, locale="en", zone=ZoneInfo(forum.timezone)
    )
    assert when in listed, listed


def test_the_back_arrow_is_mirrored_in_arabic(client, login, forum, app):
    """ "← Messages" pointed away from the start edge in Arabic: the arrow is its own element,
    hidden from screen readers, that the stylesheet mirrors on right-to-left pages."""
    from pathlib import Path

    login()
    html = client.get("/admin/messages/new?lang=ar").get_data(as_text=True)
    assert '<span class="back-arrow" aria-hidden="true">←</span>' in html
    css = (Path(app.root_path).parent / "static" / "css" / "app.css").read_text(encoding="utf-8")
    assert "html[dir=rtl] .back-arrow { transform: scaleX(-1); }" in css


def test_my_data_says_when_in_words_not_iso(client, forum, make_registration, make_person):
    """ "For the forum, on 2026-12-06T05:34:37.211498+00:00" is the export's stamp, not a date
    for people: the page writes it by the one formatter (the month by name, 24-hour)."""
    registration = make_registration(forum, make_person(language="tr"))
    html = client.get(f"/r/{registration.manage_token}/data?lang=tr").get_data(as_text=True)
    lead = html.split('<p class="lead">')[1].split("</p>")[0]
    assert not re.search(r"\d{4}-\d{2}-\d{2}T", lead), lead
    assert re.search(
        r"\d{1,2} (Oca|Şub|Mar|Nis|May|Haz|Tem|Ağu|Eyl|Eki|Kas|Ara)\w* \d{4}",
        lead,
    ), lead
    assert re.search(r"\b\d{2}:\d{2}\b", lead), lead


def test_my_data_names_the_fields_in_the_readers_language(
    client, forum, make_registration, make_person
):
    """The readable copy calls a field what the reader calls it; the JSON keeps the field names."""
    registration = make_registration(forum, make_person(language="tr"))
    path = f"/r/{registration.manage_token}/data"
    turkish = client.get(f"{path}?lang=tr").get_data(as_text=True)
    assert "<dt>Soyadı</dt>" in turkish
    assert "<code>family_name</code>" not in turkish and "<dt>family_name</dt>" not in turkish
    assert "Verilerin işlenmesine onay zamanı" in turkish
    arabic = client.get(f"{path}?lang=ar").get_data(as_text=True)
    assert "وقت الموافقة على معالجة البيانات" in arabic
    copy = client.get(f"{path}.json").get_json()
    assert "family_name" in copy["person"] and "consent_data_at" in copy["registration"]
