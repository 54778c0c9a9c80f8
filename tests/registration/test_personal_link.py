"""The confirmation mail over real SMTP, and the personal page /r/<token> it links to."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from maruf_reg.models import AuditLog, Person, Registration, RegistrationStatus, Seat, SeatStatus
from tests.conftest import csrf_from
from tests.registration.conftest import html_of, personal_path, rows, signup_fields, text_of


@pytest.fixture
def mail_client(mail_app):
    return mail_app.test_client()


def sign_up_by_mail(client, headers=None, **fields):
    page = client.get("/register", headers=headers or {}).get_data(as_text=True)
    response = client.post(
        "/register",
        data={"csrf_token": csrf_from(page), **signup_fields(**fields)},
        headers=headers or {},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def test_the_mail_arrives_over_smtp_and_its_link_opens_the_personal_page(
    mail_app, mail_client, mailbox, programme
):
    sign_up_by_mail(
        mail_client,
        given_name="Ayşe",
        family_name="Öztürk",
        email="ayse@example.org",
        sessions=[programme.morning.id],
    )
    [message] = mailbox.wait_for(1)
    assert message["To"] == "ayse@example.org"
    assert message["Subject"] == "Marmara Kentsel Forumu kaydınız"
    text, html = text_of(message), html_of(message)
    assert "Sayın Ayşe Öztürk" in text and "Kentte Göç" in text
    assert "<bdi>Ayşe Öztürk</bdi>" in html
    path = personal_path(message)
    [registration] = rows(mail_app, select(Registration))
    assert path == f"/r/{registration.manage_token}"
    assert f"http://localhost{path}" in html

    fresh = mail_app.test_client()  # the link works in any browser, without a cookie
    page = fresh.get(path)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Ayşe Öztürk" in body and "ayse@example.org" in body and "Kentte Göç" in body
    assert page.headers["Cache-Control"] == "no-store, private"


def test_an_english_speaker_gets_english_mail_and_page(mail_app, mail_client, mailbox, programme):
    sign_up_by_mail(
        mail_client,
        given_name="محمد",
        family_name="الحلبي",
        email="halabi@example.org",
        language="en",
        country="SY",
    )
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "Your registration for Marmara Urban Forum"
    assert "Dear محمد الحلبي," in text_of(message)
    path = personal_path(message)
    fresh = mail_app.test_client()
    # The person's language wins over the browser's…
    page = fresh.get(path, headers={"Accept-Language": "tr"}).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page and "Your details" in page and "Syria" in page
    assert "<bdi>محمد الحلبي</bdi>" in page
    # …unless they switch.
    switched = fresh.get(path + "?lang=tr").get_data(as_text=True)
    assert '<html lang="tr" dir="ltr">' in switched and "Bilgileriniz" in switched


def test_signing_up_twice_mails_the_same_link_again(mail_app, mail_client, mailbox, programme):
    sign_up_by_mail(mail_client, email="twice@example.org")
    sign_up_by_mail(mail_client, email="twice@example.org", given_name="Other")
    first, second = mailbox.wait_for(2)
    assert personal_path(first) == personal_path(second)
    assert "kişisel bağlantınız" in second["Subject"]


def test_the_lost_link_form_mails_the_link(mail_app, mail_client, mailbox, programme):
    sign_up_by_mail(mail_client, email="lost@example.org")
    mailbox.wait_for(1)
    page = mail_client.get("/register/link").get_data(as_text=True)
    response = mail_client.post(
        "/register/link", data={"csrf_token": csrf_from(page), "email": "LOST@example.org"}
    )
    assert response.status_code == 302
    _welcome, again = mailbox.wait_for(2)
    assert again["To"] == "lost@example.org"
    # An unknown address gets the same answer and no mail.
    page = mail_client.get("/register/link").get_data(as_text=True)
    mail_client.post(
        "/register/link", data={"csrf_token": csrf_from(page), "email": "nobody@example.org"}
    )
    assert len(mailbox.messages) == 2


def test_unknown_or_malformed_tokens_are_404(client, programme):
    assert client.get("/r/" + "A" * 43).status_code == 404
    assert client.get("/r/short").status_code == 404
    assert client.get("/r/" + "%3Cscript%3E" * 5).status_code == 404
    assert client.get("/r/" + "A" * 43 + "/programme.ics").status_code == 404


def test_editing_details_through_the_personal_link(
    app, client, submit, make_registration, make_person, forum
):
    registration = make_registration(forum, make_person(given_name="Ayse", language="tr"))
    path = f"/r/{registration.manage_token}"
    response = submit(
        path + "/edit",
        {
            "given_name": "Ayşe",
            "family_name": "Öztürk-Yılmaz",
            "organisation": "İBB",
            "position": "",
            "country": "TR",
            "phone": "",
            "language": "en",
            "consent_photo": "y",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(path)
    [person] = rows(app, select(Person))
    assert (person.given_name, person.family_name, person.organisation, person.language) == (
        "Ayşe",
        "Öztürk-Yılmaz",
        "İBB",
        "en",
    )
    assert "ozturk-yilmaz" in person.search_key
    [changed] = rows(app, select(Registration))
    assert changed.consent_photo_at is not None
    [entry] = rows(app, select(AuditLog))
    assert entry.actor == "self" and entry.details["given_name"] == ["Ayse", "Ayşe"]
    page = client.get(path).get_data(as_text=True)
    assert "Your details are saved." in page  # now in English, the new language


def test_choosing_sessions_on_the_personal_page(
    app, client, submit, make_registration, make_person, programme
):
    registration = make_registration(programme.forum, make_person(language="en"))
    path = f"/r/{registration.manage_token}/sessions"
    assert submit(path, {"sessions": [programme.morning.id]}).status_code == 302
    assert [s.session_id for s in rows(app, select(Seat))] == [programme.morning.id]
    # Swap the morning for the clashing one, add the afternoon.
    response = submit(path, {"sessions": [programme.morning_clash.id, programme.afternoon.id]})
    assert response.status_code == 302
    assert sorted(s.session_id for s in rows(app, select(Seat))) == sorted(
        [programme.morning_clash.id, programme.afternoon.id]
    )
    # Both morning sessions at once: a field error, nothing changed.
    response = submit(path, {"sessions": [programme.morning.id, programme.morning_clash.id]})
    assert response.status_code == 200
    assert "at the same time" in response.get_data(as_text=True)
    assert len(rows(app, select(Seat))) == 2
    entries = rows(app, select(AuditLog).order_by(AuditLog.id))
    assert [e.action for e in entries] == ["registration.sessions"] * 2


def test_cancelling_frees_the_seat_and_mails_the_first_on_the_waitlist(
    mail_app, mail_client, mailbox, programme
):
    for name in ("first", "second", "third", "fourth"):
        sign_up_by_mail(
            mail_client,
            given_name=name.title(),
            email=f"{name}@example.org",
            language="en",
            sessions=[programme.afternoon.id],
        )
    mailbox.wait_for(4)
    seats = rows(mail_app, select(Seat).order_by(Seat.id))
    assert [s.status for s in seats] == [
        SeatStatus.BOOKED,
        SeatStatus.BOOKED,
        SeatStatus.WAITLISTED,
        SeatStatus.WAITLISTED,
    ]
    first_link = personal_path(mailbox.messages[0])
    waiting_page = mail_app.test_client().get(personal_path(mailbox.messages[3]))
    assert "waitlist, place 2" in waiting_page.get_data(as_text=True)

    person = mail_app.test_client()
    page = person.get(first_link + "/cancel").get_data(as_text=True)
    response = person.post(first_link + "/cancel", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302

    messages = mailbox.wait_for(6)
    by_recipient = {m["To"]: m for m in messages[4:]}
    assert set(by_recipient) == {"first@example.org", "third@example.org"}
    assert "cancelled" in by_recipient["first@example.org"]["Subject"]
    promoted = by_recipient["third@example.org"]
    assert promoted["Subject"] == "A seat is free for you: Urban Renewal Workshop"
    assert "first on the waitlist" in text_of(promoted)
    statuses = {s.registration_id: s.status for s in rows(mail_app, select(Seat).order_by(Seat.id))}
    registrations = {r.person_id: r for r in rows(mail_app, select(Registration))}
    assert len(statuses) == 3  # the cancelled one holds no seat
    assert sorted(statuses.values()) == sorted(
        [SeatStatus.BOOKED, SeatStatus.BOOKED, SeatStatus.WAITLISTED]
    )
    cancelled = [r for r in registrations.values() if r.status == RegistrationStatus.CANCELLED]
    assert len(cancelled) == 1 and cancelled[0].cancelled_at is not None
    # The fourth moved up to first place on the waitlist.
    fourth_page = mail_app.test_client().get(personal_path(mailbox.messages[3]))
    assert "waitlist, place 1" in fourth_page.get_data(as_text=True)


def test_a_cancelled_registration_can_register_again(app, client, make_registration, forum):
    registration = make_registration(
        forum, status=RegistrationStatus.CANCELLED, cancelled_by="self"
    )
    path = f"/r/{registration.manage_token}"
    page = client.get(path).get_data(as_text=True)
    assert "Bu kayıt iptal edildi." in page  # the person's language: Turkish
    assert (
        client.post(path + "/reactivate", data={"csrf_token": csrf_from(page)}).status_code == 302
    )
    [again] = rows(app, select(Registration))
    assert again.status == RegistrationStatus.CONFIRMED and again.cancelled_at is None


def test_the_programme_as_a_calendar_file(app, client, make_registration, programme):
    registration = make_registration(programme.forum)
    path = f"/r/{registration.manage_token}"
    page = client.get(path + "/sessions").get_data(as_text=True)
    client.post(
        path + "/sessions",
        data={"csrf_token": csrf_from(page), "sessions": [programme.morning.id]},
    )
    response = client.get(path + "/programme.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert "SUMMARY:Kentte Göç\r\n" in body
    assert "DTSTART:20301001T080000Z" in body  # 11:00 in Istanbul
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_the_badge_link_appears_for_confirmed_registrations(
    app, make_registration, make_person, forum
):
    confirmed = make_registration(forum, make_person(language="en"))
    pending = make_registration(forum, status=RegistrationStatus.PENDING)
    client = app.test_client()
    page = client.get(f"/r/{confirmed.manage_token}")
    html = page.get_data(as_text=True)
    assert f'href="/r/{confirmed.manage_token}/badge.pdf"' in html
    assert "Download your badge (PDF)" in html
    badge = client.get(f"/r/{confirmed.manage_token}/badge.pdf")
    assert badge.status_code == 200
    assert badge.mimetype == "application/pdf"
    turkish = client.get(f"/r/{confirmed.manage_token}?lang=tr").get_data(as_text=True)
    assert "yaka kartı" in turkish.split("badge.pdf")[1].split("</a>")[0]
    waiting = client.get(f"/r/{pending.manage_token}").get_data(as_text=True)
    assert "badge.pdf" not in waiting


def test_the_mail_links_the_badge_once_confirmed(mail_app, mailbox, programme):
    client = mail_app.test_client()
    sign_up_by_mail(client, email="badge@example.org", language="en")
    sign_up_by_mail(client, email="press@example.org", language="en", category="press")
    confirmed, pending = mailbox.wait_for(2)
    link = personal_path(confirmed)
    assert f"http://localhost{link}/badge.pdf" in text_of(confirmed)
    assert f'href="http://localhost{link}/badge.pdf"' in html_of(confirmed)
    assert "badge.pdf" not in text_of(pending)
    assert pending["Subject"] == "We have received your registration for Marmara Urban Forum"


def test_the_certificate_is_offered_once_the_forum_is_over_and_attended(
    app, make_forum, make_session, make_registration
):
    from datetime import UTC, date, datetime, timedelta

    from maruf_reg.extensions import db
    from maruf_reg.models import CheckInPoint, Outcome, PointKind, Scan

    past = make_forum(starts_on=date(2020, 10, 1), ends_on=date(2020, 10, 3))
    start = datetime(2020, 10, 1, 8, tzinfo=UTC)
    session = make_session(past, starts_at=start, ends_at=start + timedelta(hours=1))
    came = make_registration(past)
    stayed_home = make_registration(past)
    with app.app_context():
        point = CheckInPoint(
            forum_id=past.id, name="Salon A", kind=PointKind.SESSION, session_id=session.id
        )
        db.session.add(point)
        db.session.flush()
        db.session.add(
            Scan(
                uuid="c0ffee00-0000-4000-8000-000000000001",
                point_id=point.id,
                registration_id=came.id,
                scanned_at=start,
                outcome=Outcome.ADMITTED,
            )
        )
        db.session.commit()
    client = app.test_client()
    page = client.get(f"/r/{came.manage_token}?lang=en").get_data(as_text=True)
    link = f'href="/r/{came.manage_token}/certificate.pdf"'
    assert link in page
    assert client.get(f"/r/{came.manage_token}/certificate.pdf").mimetype == "application/pdf"
    other = client.get(f"/r/{stayed_home.manage_token}?lang=en").get_data(as_text=True)
    assert "certificate.pdf" not in other


def test_the_certificate_is_not_offered_before_the_forum(client, forum, make_registration):
    registration = make_registration(forum)
    page = client.get(f"/r/{registration.manage_token}").get_data(as_text=True)
    assert "certificate.pdf" not in page


def test_people_in_a_deleted_session_are_told_in_their_own_language(
    mail_app, mail_client, mailbox, make_staff, programme
):
    """An organiser deletes a session: everyone with a seat or a waitlist place in it is mailed,
    in their language, with the sessions they keep; nobody else is."""
    workshop = programme.afternoon  # two seats
    sign_up_by_mail(
        mail_client,
        given_name="Ayşe",
        family_name="Öztürk",
        email="ayse@example.org",
        sessions=[workshop.id, programme.morning.id],
    )
    sign_up_by_mail(
        mail_app.test_client(),
        given_name="محمد",
        family_name="الحلبي",
        email="halabi@example.org",
        language="en",
        sessions=[workshop.id],
    )
    sign_up_by_mail(mail_app.test_client(), email="isil@example.org", sessions=[workshop.id])
    sign_up_by_mail(
        mail_app.test_client(), email="other@example.org", sessions=[programme.morning.id]
    )
    mailbox.wait_for(4)
    waitlisted = rows(
        mail_app,
        select(Person.email)
        .join(Registration)
        .join(Seat)
        .where(Seat.status == SeatStatus.WAITLISTED),
    )
    assert waitlisted == ["isil@example.org"]

    staff = make_staff("admin")
    admin = mail_app.test_client()
    admin.post(
        "/login",
        data={
            "csrf_token": csrf_from(admin.get("/login").get_data(as_text=True)),
            "email": staff.email,
            "password": staff.password,
        },
    )
    path = f"/admin/program/sessions/{workshop.id}/delete"
    page = admin.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Seats booked in this session: 2" in page and "told by e-mail" in page
    response = admin.post(path, data={"csrf_token": csrf_from(page), "confirm": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)

    messages = mailbox.wait_for(7)[4:]
    assert len(mailbox.messages) == 7  # the one who had no place in it gets nothing
    told = {message["To"]: message for message in messages}
    assert set(told) == {"ayse@example.org", "halabi@example.org", "isil@example.org"}
    ayse = told["ayse@example.org"]
    assert ayse["Subject"] == "Bir oturum iptal edildi: Kentsel Dönüşüm Atölyesi"
    assert "yer ayırttığınız bir oturumu iptal etti" in text_of(ayse)
    assert "Kentte Göç" in text_of(ayse)  # the session she keeps
    assert personal_path(ayse).startswith("/r/")
    halabi = told["halabi@example.org"]
    assert halabi["Subject"] == "A session is cancelled: Urban Renewal Workshop"
    assert "cancelled a session in which you had a seat" in text_of(halabi)
    assert "<bdi>محمد الحلبي</bdi>" in html_of(halabi)
    assert "<s><bdi>Urban Renewal Workshop</bdi></s>" in html_of(halabi)
    assert "bekleme listesinde olduğunuz" in text_of(told["isil@example.org"])
    assert rows(mail_app, select(Seat.session_id).where(Seat.session_id == workshop.id)) == []


def test_an_arabic_speaker_gets_arabic_mail_and_a_right_to_left_page(
    mail_app, mail_client, mailbox, programme
):
    sign_up_by_mail(
        mail_client,
        given_name="فاطمة",
        family_name="الزهراء",
        email="fatima@example.org",
        language="ar",
        country="SY",
    )
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "تسجيلك في Marmara Urban Forum"  # the forum's name: English
    assert "عزيزي/عزيزتي فاطمة الزهراء،" in text_of(message)
    html = html_of(message)
    assert '<html lang="ar" dir="rtl">' in html and '<body dir="rtl"' in html
    page = mail_app.test_client().get(personal_path(message), headers={"Accept-Language": "tr"})
    text = page.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in text and "بياناتك" in text and "سوريا" in text
    # Switching the page's language is remembered in a cookie, also for Arabic.
    switched = mail_app.test_client().get(personal_path(message) + "?lang=en")
    assert "lang=en" in switched.headers["Set-Cookie"]
