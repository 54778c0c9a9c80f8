"""Signing up at /register, as participants do it, in Turkish and English."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, func, select

from maruf_reg.extensions import db
from maruf_reg.models import (
    AuditLog,
    Category,
    Person,
    Registration,
    RegistrationStatus,
    Seat,
    SeatStatus,
)
from tests.conftest import csrf_from
from tests.registration.conftest import Browser, rows, signup_fields


def test_turkish_sign_up_with_turkish_names_is_confirmed_at_once(app, client, sign_up, programme):
    page = client.get("/register", headers={"Accept-Language": "tr"}).get_data(as_text=True)
    assert "Kayıt" in page and "Türkiye" in page  # the page and the countries in Turkish
    assert "Kentte Göç" in page
    assert "Açılış" not in page  # sessions without booking are not offered

    response = sign_up(
        given_name="İlkay Şükran",
        family_name="Işıkoğlu",
        email="  Ilkay.Isikoglu@Example.ORG ",
        sessions=[programme.morning.id, programme.afternoon.id],
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/register/sent")

    people = rows(app, select(Person))
    assert [(p.given_name, p.family_name, p.email) for p in people] == [
        ("İlkay Şükran", "Işıkoğlu", "ilkay.isikoglu@example.org")
    ]
    assert "ilkay sukran isikoglu" in people[0].search_key
    [registration] = rows(app, select(Registration))
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.category == Category.PARTICIPANT
    assert registration.consent_data_at is not None and registration.consent_photo_at is None
    assert len(registration.manage_token) >= 32  # ≥ 128 bits, URL-safe
    seats = rows(app, select(Seat).order_by(Seat.session_id))
    assert [(s.session_id, s.status) for s in seats] == [
        (programme.morning.id, SeatStatus.BOOKED),
        (programme.afternoon.id, SeatStatus.BOOKED),
    ]
    sent = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "ilkay.isikoglu@example.org" in sent


def test_english_sign_up_with_an_arabic_name(app, client, sign_up, programme):
    page = client.get("/register", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert ("Register for Marmara Urban Forum" in page and "Turkey" in page) or "Türkiye" in page
    response = sign_up(
        headers={"Accept-Language": "en"},
        given_name="محمد",
        family_name="الحلبي",
        email="m.halabi@example.org",
        country="SY",
        language="en",
        consent_photo="y",
    )
    assert response.status_code == 302
    [person] = rows(app, select(Person))
    assert (person.given_name, person.family_name, person.language, person.country) == (
        "محمد",
        "الحلبي",
        "en",
        "SY",
    )
    [registration] = rows(app, select(Registration))
    assert registration.consent_photo_at is not None
    sent = client.get("/register/sent", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Check your e-mail" in sent


def test_a_category_that_needs_approval_starts_pending(app, sign_up, programme):
    assert sign_up(category="press").status_code == 302
    [registration] = rows(app, select(Registration))
    assert (registration.category, registration.status) == (
        Category.PRESS,
        RegistrationStatus.PENDING,
    )


def test_a_category_not_offered_is_refused(app, sign_up, programme):
    response = sign_up(category="vip", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert 'class="choice has-error"' in response.get_data(as_text=True)
    assert rows(app, select(Registration)) == []


def test_signing_up_again_resends_the_link_and_looks_the_same(app, client, sign_up, programme):
    first = sign_up(email="once@example.org", given_name="Ayşe")
    first_page = client.get("/register/sent").get_data(as_text=True)
    second = sign_up(email="ONCE@example.org", given_name="Somebody Else", organisation="X")
    second_page = client.get("/register/sent").get_data(as_text=True)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    # The page says the same thing whether or not the address was known.
    strip = lambda html: html.replace("once@example.org", "").replace("ONCE@example.org", "")  # noqa: E731
    assert strip(first_page) == strip(second_page)
    [person] = rows(app, select(Person))
    assert person.given_name == "Ayşe" and person.organisation != "X"  # nothing overwritten
    assert len(rows(app, select(Registration))) == 1
    # Both sign-ups sent mail: the welcome, then the personal link again.
    import os

    outbox = os.listdir(os.path.join(app.instance_path, "outbox"))
    assert len(outbox) == 2


def test_a_known_person_without_a_registration_signs_up_as_the_same_person(
    app, make_person, sign_up, programme
):
    """An address already known (a speaker, someone of an earlier forum) is the same person: the
    form fills what was blank, never overwrites what they wrote, and the search finds the new."""
    person = make_person(email="known@example.org", given_name="Zeynep", organisation="")
    response = sign_up(
        email="Known@Example.org",
        given_name="Somebody",
        organisation="İstanbul Büyükşehir",
        sessions=[programme.morning.id],
    )
    assert response.status_code == 302
    [found] = rows(app, select(Person))
    assert found.id == person.id
    assert (found.given_name, found.organisation) == ("Zeynep", "İstanbul Büyükşehir")
    assert "istanbul buyuksehir" in found.search_key
    [registration] = rows(app, select(Registration))
    assert registration.person_id == person.id
    assert [(s.registration_id, s.session_id) for s in rows(app, select(Seat))] == [
        (registration.id, programme.morning.id)
    ]


def test_an_unknown_address_and_a_known_one_get_the_same_page(client, sign_up, programme):
    sign_up(email="known@example.org")
    known = sign_up(email="known@example.org")
    unknown = sign_up(email="unknown@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]


def test_the_honeypot_keeps_bots_out_quietly(app, sign_up, programme):
    response = sign_up(website="http://spam.example.com")
    assert response.status_code == 302
    assert rows(app, select(Person)) == []


def test_a_post_without_its_csrf_token_is_refused(app, client, programme):
    response = client.post("/register", data=signup_fields())
    assert response.status_code == 400
    assert rows(app, select(Person)) == []


def test_overlapping_sessions_cannot_both_be_chosen(app, sign_up, programme):
    response = sign_up(
        sessions=[programme.morning.id, programme.morning_clash.id],
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # The booking reads plain rows: the message loads the titles it names, in the page's language.
    assert "“Migration in the City” and “Resilient Cities” take place at the same time" in html
    assert rows(app, select(Person)) == []
    response = sign_up(
        sessions=[programme.morning.id, programme.morning_clash.id],
        headers={"Accept-Language": "tr"},
    )
    assert "“Kentte Göç”" in response.get_data(as_text=True)
    assert "“Dayanıklı Kentler”" in response.get_data(as_text=True)


def test_a_full_session_puts_the_person_on_its_waitlist(app, sign_up, programme):
    for n in range(3):
        assert (
            sign_up(email=f"p{n}@example.org", sessions=[programme.afternoon.id]).status_code == 302
        )
    seats = rows(app, select(Seat).order_by(Seat.id))
    assert [s.status for s in seats] == [
        SeatStatus.BOOKED,
        SeatStatus.BOOKED,
        SeatStatus.WAITLISTED,
    ]


def test_sign_up_is_recorded_in_the_audit_log(app, sign_up, programme):
    sign_up(sessions=[programme.morning.id])
    [entry] = rows(app, select(AuditLog))
    [registration] = rows(app, select(Registration))
    assert (entry.action, entry.actor) == ("registration.create", "self")
    assert (entry.object_type, entry.object_id) == ("registration", registration.id)
    assert entry.forum_id == registration.forum_id
    assert entry.details["booked"] == [programme.morning.id]


def test_a_sign_up_that_fails_after_writing_its_rows_keeps_none_of_them(
    app, sign_up, programme, monkeypatch
):
    """Person, registration and seats are written (Core statements) before the answers and the
    audit entry: a failure there leaves nothing, even when a reading transaction was ended
    meanwhile (`end_reading` must see that this one has written)."""
    from maruf_reg import database
    from maruf_reg.registration import answers

    def failing(registration_id, values):
        database.end_reading()
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(answers, "save_answers", failing)
    with pytest.raises(RuntimeError):
        sign_up(email="half@example.org", sessions=[programme.morning.id])
    assert rows(app, select(Person)) == []
    assert rows(app, select(Registration)) == []
    assert rows(app, select(Seat)) == []
    assert rows(app, select(AuditLog)) == []


def test_a_sign_up_that_fails_after_its_audit_entry_keeps_none_of_its_rows(
    app, sign_up, programme, monkeypatch
):
    """The audit entry is written at once (a Core statement), still inside the sign-up's
    transaction: a failure after it leaves no entry and no rows."""
    from maruf_reg import audit

    written = audit.write

    def write_then_fail(*args, **kwargs):
        written(*args, **kwargs)
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(audit, "write", write_then_fail)
    with pytest.raises(RuntimeError):
        sign_up(email="half@example.org", sessions=[programme.morning.id])
    assert rows(app, select(AuditLog)) == []
    assert rows(app, select(Registration)) == []
    assert rows(app, select(Seat)) == []


def test_closed_registration_takes_no_sign_ups(app, make_forum, client, submit):
    make_forum(registration_open=False)
    page = client.get("/register", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Registration is closed" in page
    assert rows(app, select(Person)) == []


def test_no_forum_no_sign_up_page(client):
    assert client.get("/register").status_code == 404


def test_sign_up_is_rate_limited_per_address(make_app, make_forum):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_SIGNUP="3 per minute")
    make_forum()
    client = app.test_client()
    codes = []
    for n in range(4):
        page = client.get("/register").get_data(as_text=True)
        from tests.conftest import csrf_from

        response = client.post(
            "/register",
            data={"csrf_token": csrf_from(page), **signup_fields(email=f"r{n}@example.org")},
        )
        codes.append(response.status_code)
    assert codes == [302, 302, 302, 429]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Person)) == 3


def test_the_resend_form_is_rate_limited_too(make_app, make_forum):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_RESEND="2 per minute")
    make_forum()
    client = app.test_client()
    codes = []
    for _ in range(3):
        page = client.get("/register/link").get_data(as_text=True)
        from tests.conftest import csrf_from

        codes.append(
            client.post(
                "/register/link", data={"csrf_token": csrf_from(page), "email": "a@example.org"}
            ).status_code
        )
    assert codes == [302, 302, 429]


def test_two_simultaneous_sign_ups_with_one_address_make_one_registration(
    app, live_server, programme
):
    """The race the unique constraints settle: never a second person, never a 500."""
    browsers = [Browser(live_server) for _ in range(8)]
    tokens = [b.open_form("/register") for b in browsers]
    start = threading.Barrier(len(browsers))
    codes: list[int] = []

    def post(browser: Browser, token: str) -> None:
        start.wait()
        codes.append(
            browser.post(
                "/register",
                signup_fields(email="same@example.org", sessions=[programme.morning.id]),
                token,
            )
        )

    threads = [
        threading.Thread(target=post, args=pair) for pair in zip(browsers, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [302] * len(browsers)
    assert len(rows(app, select(Person))) == 1
    assert len(rows(app, select(Registration))) == 1
    assert len(rows(app, select(Seat))) == 1


def test_the_sign_up_page_is_kept_briefly(make_app, client, sign_up, programme):
    """In a rush the page (and its seat counts) is rendered about once a second per worker;
    each visitor still gets a CSRF token of their own."""
    rush_app = make_app(SIGNUP_PAGE_SECONDS=3600)
    rush = rush_app.test_client()

    def seats_left(a_client) -> str:
        page = a_client.get("/register", headers={"Accept-Language": "en"}).get_data(as_text=True)
        return page.split("Urban Renewal Workshop")[1].split("</li>")[0]

    assert "2 seats left" in seats_left(rush)
    sign_up(email="one@example.org", sessions=[programme.afternoon.id])
    assert "2 seats left" in seats_left(rush)  # the kept page
    assert "1 seat left" in seats_left(client)  # an app that keeps nothing
    with rush_app.app_context():
        engine = db.engine
    touched: list[str] = []

    def note_connection(connection, *args) -> None:
        touched.append("connection")

    event.listen(engine, "engine_connect", note_connection)
    try:
        assert "2 seats left" in seats_left(rush)
        assert touched == []  # the kept page is served without a database connection
        rush.get("/register?from=mail", headers={"Accept-Language": "en"})  # not kept yet
        assert touched  # rendered: it reads the forum and the seats
    finally:
        event.remove(engine, "engine_connect", note_connection)
    other = rush_app.test_client()  # another visitor of the same server
    first, second = (
        csrf_from(c.get("/register", headers={"Accept-Language": "en"}).get_data(as_text=True))
        for c in (rush, other)
    )
    assert first != second
    sign_up(email="two@example.org", sessions=[programme.afternoon.id])
    assert "full: waitlist" in seats_left(client)


def test_in_a_rush_sign_ups_do_not_read_the_forum_row_each_time(make_app, forum, programme):
    """The forum's sign-up rules are kept as long as the page; the seats are still counted under
    the session's lock, so the last seat goes to one person only."""
    # Mail queued for the worker (which reads the forum for it), as in production.
    rush_app = make_app(SIGNUP_PAGE_SECONDS=3600, HUEY_IMMEDIATE=False)
    with rush_app.app_context():
        engine = db.engine
    statements: list[str] = []

    def note(connection, cursor, statement, *args) -> None:
        statements.append(statement)

    def post(email: str) -> int:
        browser = rush_app.test_client()
        token = csrf_from(browser.get("/register").get_data(as_text=True))
        fields = signup_fields(email=email, sessions=[programme.afternoon.id])
        return browser.post("/register", data={"csrf_token": token, **fields}).status_code

    assert post("first@example.org") == 302
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert post("second@example.org") == 302
        assert post("third@example.org") == 302
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert statements  # the sign-ups were written…
    assert not [s for s in statements if "FROM forums" in s]  # …without reading the forum
    with rush_app.app_context():
        seats = db.session.execute(select(Seat.status).order_by(Seat.id)).scalars().all()
    assert seats == [SeatStatus.BOOKED, SeatStatus.BOOKED, SeatStatus.WAITLISTED]  # two seats
