"""Walk-ins at the desk: registered, admitted and their badge printed in one step, by staff."""

from __future__ import annotations

from sqlalchemy import select

from maruf_reg.extensions import db
from maruf_reg.models import AuditLog, Outcome, Person, Registration, RegistrationStatus, Scan
from maruf_reg.reports import services as reports
from tests.conftest import csrf_from

EN = {"Accept-Language": "en"}


def _form(page, **values):
    return {
        "csrf_token": csrf_from(page),
        "given_name": "محمد",
        "family_name": "الحلبي",
        "organisation": "جامعة حلب",
        "country": "SY",
        "email": "",
        "language": "en",
        "category": "participant",
        "point": "",
        "consent_data": "y",
        **values,
    }


def test_a_walk_in_without_an_address_is_registered_and_admitted_at_once(
    app, client, login, forum, make_point
):
    door = make_point(forum, name="Ana Giriş")
    login("desk")
    page = client.get("/checkin/desk/walk-in", headers=EN).get_data(as_text=True)
    assert "Register a walk-in" in page and "Ana Giriş" in page
    response = client.post(
        "/checkin/desk/walk-in", data=_form(page, point=str(door.id)), headers=EN
    )
    assert response.status_code == 302
    done = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "محمد الحلبي" in done and "Print badge" in done
    with app.app_context():
        registration = db.session.scalars(select(Registration)).one()
        person = db.session.get(Person, registration.person_id)
        assert (person.email, person.given_name, person.country) == (None, "محمد", "SY")
        assert (registration.status, registration.source) == (
            RegistrationStatus.CONFIRMED,
            "walk_in",
        )
        assert registration.consent_data_at is not None
        scan = db.session.scalars(select(Scan)).one()
        assert (scan.outcome, scan.manual, scan.point_id) == (Outcome.ADMITTED, True, door.id)
        assert (
            db.session.scalar(select(AuditLog.action).where(AuditLog.object_id == registration.id))
            == "registration.walk_in"
        )
        # The dashboard counts one walk-in.
        assert reports.dashboard(db.session.get(type(forum), forum.id)).walk_ins == 1
    # The person is found at the desk like anybody else; the list shows no address.
    assert "محمد" in client.get("/checkin/desk?q=محمد").get_data(as_text=True)
    listing = client.get("/admin/registrations", headers=EN).get_data(as_text=True)
    assert "None" not in listing.split("<tbody>")[1]


def test_a_walk_in_with_an_address_gets_the_personal_link(mail_app, mailbox, forum, make_staff):
    client = mail_app.test_client()
    staff = make_staff("desk")
    login_page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={
            "csrf_token": csrf_from(login_page),
            "email": staff.email,
            "password": staff.password,
        },
    )
    page = client.get("/checkin/desk/walk-in", headers=EN).get_data(as_text=True)
    form = _form(page, given_name="Jürgen", family_name="Weiß", email="Juergen@Example.org")
    assert client.post("/checkin/desk/walk-in", data=form, headers=EN).status_code == 302
    (message,) = mailbox.wait_for(1)
    assert message["To"] == "juergen@example.org"
    with mail_app.app_context():
        token = db.session.scalars(select(Registration.manage_token)).one()
    assert f"/r/{token}" in message.get_body(("plain",)).get_content()
    # The same address again is refused with a word on the field, nothing made twice.
    page = client.get("/checkin/desk/walk-in", headers=EN).get_data(as_text=True)
    again = client.post(
        "/checkin/desk/walk-in", data=_form(page, email="juergen@example.org"), headers=EN
    )
    assert "This address is registered already" in again.get_data(as_text=True)
    with mail_app.app_context():
        assert db.session.scalar(select(db.func.count(Registration.id))) == 1


def test_the_walk_in_form_refuses_what_is_missing(client, login, forum):
    login("desk")
    page = client.get("/checkin/desk/walk-in", headers=EN).get_data(as_text=True)
    response = client.post(
        "/checkin/desk/walk-in",
        data=_form(page, given_name="", consent_data="", email="not an address"),
        headers=EN,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Please fill this in." in html
    assert "A registration needs this consent." in html
    assert "This is not a valid e-mail address." in html


def test_door_staff_may_not_register_walk_ins(client, login, forum):
    login("door")
    assert client.get("/checkin/desk/walk-in").status_code == 403
