"""Organisers' and the desk's registration pages: list, search, filters, approve, edit, cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

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
from maruf_reg.personal_links import new_token
from maruf_reg.registration import lifecycle
from maruf_reg.text import search_key
from tests.conftest import csrf_from
from tests.registration.conftest import rows


def names_in(html: str, candidates: list[str]) -> set[str]:
    return {name for name in candidates if name in html}


def test_who_may_open_the_list(client, login, forum):
    assert client.get("/admin/registrations").status_code == 302  # to the log-in page
    login("door")
    assert client.get("/admin/registrations").status_code == 403


def test_search_ignores_case_and_accents(client, login, make_registration, make_person, forum):
    people = {
        "Ayşe Öztürk": make_person(given_name="Ayşe", family_name="Öztürk"),
        "İlkay Işık": make_person(given_name="İlkay", family_name="Işık"),
        "محمد الحلبي": make_person(given_name="محمد", family_name="الحلبي", email="m@x.example"),
        "Ana Müller": make_person(given_name="Ana", family_name="Müller", organisation="TU Wien"),
    }
    for person in people.values():
        make_registration(forum, person)
    login("desk")
    everyone = list(people)

    def search(q: str) -> set[str]:
        page = client.get("/admin/registrations", query_string={"q": q})
        assert page.status_code == 200
        return names_in(page.get_data(as_text=True), everyone)

    assert search("ozturk") == {"Ayşe Öztürk"}
    assert search("AYSE ÖZ") == {"Ayşe Öztürk"}
    assert search("ilkay isik") == {"İlkay Işık"}
    assert search("ISIK") == {"İlkay Işık"}
    assert search("الحلبي") == {"محمد الحلبي"}
    assert search("wien") == {"Ana Müller"}
    assert search("m@x.example") == {"محمد الحلبي"}
    assert search("100%_") == set()
    assert search("") == set(everyone)


def test_filters_by_category_status_theme_and_country(
    app, client, login, make_registration, make_person, programme
):
    press = make_registration(
        programme.forum,
        make_person(given_name="Pressa", country="DE"),
        category=Category.PRESS,
        status=RegistrationStatus.PENDING,
    )
    seated = make_registration(programme.forum, make_person(given_name="Seated", country="TR"))
    make_registration(programme.forum, make_person(given_name="Nobody", country="TR"))
    with app.app_context():
        lifecycle.change_sessions(seated.id, [programme.morning.id])  # a session of the theme
    login("admin")
    everyone = ["Pressa", "Seated", "Nobody"]

    def listed(**args) -> set[str]:
        html = client.get("/admin/registrations", query_string=args).get_data(as_text=True)
        return names_in(html, everyone)

    assert listed(category="press") == {"Pressa"}
    assert listed(status="pending") == {"Pressa"}
    assert listed(status="confirmed") == {"Seated", "Nobody"}
    assert listed(theme=str(programme.theme.id)) == {"Seated"}
    assert listed(country="TR") == {"Seated", "Nobody"}
    assert listed(country="TR", q="seat") == {"Seated"}
    # Nonsense filters are ignored, never a 500.
    assert listed(category="nope", status="<b>", theme="x", country="ZZZ") == set(everyone)
    assert press.id


def test_pages_of_fifty(app, client, login, forum):
    now = datetime.now(UTC)
    with app.app_context():
        people = [
            {
                "given_name": f"Kişi{n:03d}",
                "family_name": "Test",
                "email": f"k{n}@example.org",
                "search_key": search_key(f"Kişi{n:03d} Test k{n}@example.org"),
                "created_at": now,
                "updated_at": now,
            }
            for n in range(120)
        ]
        ids = db.session.scalars(insert(Person).returning(Person.id), people).all()
        db.session.execute(
            insert(Registration),
            [
                {
                    "forum_id": forum.id,
                    "person_id": pid,
                    "category": "participant",
                    "status": "confirmed",
                    "manage_token": new_token(),
                    "created_at": now + timedelta(seconds=n),
                    "updated_at": now,
                }
                for n, pid in enumerate(ids)
            ],
        )
        db.session.commit()
    login("desk")
    first = client.get("/admin/registrations").get_data(as_text=True)
    assert "120" in first and "Kişi119" in first and "Kişi069" not in first
    third = client.get("/admin/registrations?page=3").get_data(as_text=True)
    assert "Kişi019" in third and "Kişi000" in third and "Kişi020" not in third
    assert "Kişi000" in client.get("/admin/registrations?page=99").get_data(as_text=True)
    assert "Kişi119" in client.get("/admin/registrations?page=abc").get_data(as_text=True)
    assert client.get("/admin/registrations?page=-4").status_code == 200


def test_the_desk_corrects_a_name_but_cannot_approve(
    app, client, login, make_registration, make_person, forum
):
    registration = make_registration(
        forum,
        make_person(given_name="Aysee", email="aysee@example.org"),
        category=Category.PRESS,
        status=RegistrationStatus.PENDING,
    )
    desk = login("desk")
    url = f"/admin/registrations/{registration.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'name="category"' not in page and "/approve" not in page
    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(page),
            "given_name": "Ayşe",
            "family_name": "Öztürk",
            "email": "aysee@example.org",
            "organisation": "",
            "position": "",
            "country": "TR",
            "phone": "",
            "language": "tr",
            "category": "vip",  # ignored: not the desk's to change
        },
    )
    assert response.status_code == 302
    [person] = rows(app, select(Person))
    assert person.given_name == "Ayşe"
    [unchanged] = rows(app, select(Registration))
    assert unchanged.category == Category.PRESS
    approve = client.post(f"{url}/approve", data={"csrf_token": csrf_from(page)})
    assert approve.status_code == 403
    [entry] = rows(app, select(AuditLog))
    assert (entry.action, entry.actor, entry.staff_user_id) == (
        "registration.edit",
        "staff",
        desk.id,
    )
    assert entry.details["given_name"] == ["Aysee", "Ayşe"]


def test_an_organiser_cannot_give_a_person_anothers_address(
    app, client, login, make_registration, make_person, forum
):
    make_person(email="taken@example.org")
    registration = make_registration(forum)
    login("admin")
    url = f"/admin/registrations/{registration.id}"
    page = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(page),
            "given_name": "Ayşe",
            "family_name": "",
            "email": "Taken@Example.org",
            "language": "tr",
            "category": "vip",
        },
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "Another person has this e-mail address." in response.get_data(as_text=True)
    assert rows(app, select(AuditLog)) == []


def test_an_organiser_changes_the_category_cancels_and_resends(
    app, client, login, make_registration, programme
):
    registration = make_registration(programme.forum)
    with app.app_context():
        lifecycle.change_sessions(registration.id, [programme.afternoon.id])
    admin = login("admin")
    url = f"/admin/registrations/{registration.id}"
    page = client.get(url).get_data(as_text=True)
    token = csrf_from(page)
    client.post(
        url,
        data={
            "csrf_token": token,
            "given_name": "Ayşe",
            "family_name": "Öztürk",
            "email": "new.address@example.org",
            "country": "TR",
            "language": "tr",
            "category": "vip",
        },
    )
    assert client.post(f"{url}/resend", data={"csrf_token": token}).status_code == 302
    assert client.post(f"{url}/cancel", data={"csrf_token": token}).status_code == 302
    # Approving a cancelled registration is refused politely.
    assert client.post(f"{url}/approve", data={"csrf_token": token}).status_code == 302
    [changed] = rows(app, select(Registration))
    assert changed.category == Category.VIP
    assert changed.status == RegistrationStatus.CANCELLED
    assert rows(app, select(Seat).where(Seat.status == SeatStatus.BOOKED)) == []
    entries = rows(app, select(AuditLog).order_by(AuditLog.id))
    assert [e.action for e in entries] == [
        "registration.sessions",
        "registration.edit",
        "registration.resend",
        "registration.cancel",
    ]
    assert {e.staff_user_id for e in entries[1:]} == {admin.id}
    assert entries[1].details["email"][1] == "new.address@example.org"
    history = client.get(url).get_data(as_text=True)
    assert "registration.cancel" in history and admin.email in history
    # Actions need their token.
    assert client.post(f"{url}/reactivate").status_code == 400


def test_the_desk_prints_and_reprints_from_a_registrations_page(
    app, client, login, forum, make_registration
):
    from maruf_reg.models import Registration, Role
    from tests.conftest import csrf_from

    login(Role.DESK)
    registration = make_registration(forum)
    page = client.get(f"/admin/registrations/{registration.id}", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert f'action="/desk/badges/{registration.id}.pdf"' in html
    assert f'action="/desk/badges/{registration.id}/reprint"' in html
    printed = client.post(
        f"/desk/badges/{registration.id}.pdf", data={"csrf_token": csrf_from(html)}
    )
    assert printed.mimetype == "application/pdf"
    reprinted = client.post(
        f"/desk/badges/{registration.id}/reprint", data={"csrf_token": csrf_from(html)}
    )
    assert reprinted.mimetype == "application/pdf"
    with app.app_context():
        from maruf_reg.extensions import db

        assert db.session.get(Registration, registration.id).badge_serial == 2


def test_an_organiser_approves_and_rejects_many_at_once(
    mail_app, mailbox, make_registration, make_person, make_staff, forum
):
    pending = [
        make_registration(
            forum, make_person(email=f"press{n}@example.org"), category=Category.PRESS,
            status=RegistrationStatus.PENDING,
        )
        for n in range(4)
    ]  # fmt: skip
    confirmed = make_registration(forum, make_person(email="done@example.org"))
    client = mail_app.test_client()
    staff = make_staff("admin")
    page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"csrf_token": csrf_from(page), "email": staff.email, "password": staff.password},
    )
    listing = client.get("/admin/registrations?status=pending", headers={"Accept-Language": "en"})
    html = listing.get_data(as_text=True)
    assert html.count('name="registration"') == 4 and "Approve" in html
    decide = lambda ids, decision: client.post(  # noqa: E731
        "/admin/registrations/decide",
        data={
            "csrf_token": csrf_from(html),
            "registration": [str(i) for i in ids],
            "decision": decision,
            "back": "/admin/registrations?status=pending",
        },
    )
    response = decide([pending[0].id, pending[1].id, confirmed.id], "approve")
    assert response.headers["Location"].endswith("/admin/registrations?status=pending")
    response = decide([pending[2].id, pending[0].id, 999999], "reject")
    assert decide([pending[3].id], "approve").status_code == 302
    with mail_app.app_context():
        statuses = {
            r.id: r.status
            for r in db.session.scalars(
                select(Registration).where(Registration.forum_id == forum.id)
            )
        }
    assert [statuses[p.id] for p in pending] == [
        RegistrationStatus.CONFIRMED, RegistrationStatus.CONFIRMED, RegistrationStatus.CANCELLED,
        RegistrationStatus.CONFIRMED,
    ]  # fmt: skip
    assert statuses[confirmed.id] == RegistrationStatus.CONFIRMED  # not pending: left alone
    # One mail to each person decided, none to the others.
    mails = mailbox.wait_for(4)
    assert sorted(m["To"] for m in mails) == [f"press{n}@example.org" for n in range(4)]
    # Only a path of this site is followed back.
    evil = client.post(
        "/admin/registrations/decide",
        data={
            "csrf_token": csrf_from(html),
            "decision": "approve",
            "back": "https://evil.example/",
        },
    )
    assert evil.headers["Location"].endswith("/admin/registrations")
