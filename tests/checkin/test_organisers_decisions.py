"""Only an organiser undoes an organiser's decision: the person may take back their own
cancellation, not an organiser's cancellation or rejection, and the old badge stays refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from maruf_reg.extensions import db
from maruf_reg.models import Category, Registration, RegistrationStatus, Role
from maruf_reg.registration import lifecycle, services
from tests.conftest import csrf_from

EN = {"Accept-Language": "en"}


def _status(app, registration_id: int) -> RegistrationStatus:
    with app.app_context():
        return db.session.scalar(
            select(Registration.status).where(Registration.id == registration_id)
        )


def _post_personal(client, registration: Registration, action: str) -> str:
    path = f"/r/{registration.manage_token}"
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post(f"{path}/{action}", data={"csrf_token": token})
    return client.get(path + "?lang=en").get_data(as_text=True)


def test_the_person_takes_back_their_own_cancellation(app, client, forum, make_registration):
    registration = make_registration(forum)
    _post_personal(client, registration, "cancel")
    assert _status(app, registration.id) == RegistrationStatus.CANCELLED
    page = _post_personal(client, registration, "reactivate")
    assert _status(app, registration.id) == RegistrationStatus.CONFIRMED
    assert "You are registered again." in page


def _staff_client(app, make_staff):
    staff = make_staff(Role.ADMIN)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"csrf_token": csrf_from(page), "email": staff.email, "password": staff.password},
    )
    return client


def test_an_organisers_cancellation_stays_and_the_old_badge_is_refused(
    app, make_staff, forum, make_registration, make_point, badge, scan
):
    registration = make_registration(forum)
    old_badge = badge(forum, registration)
    door = make_point(forum)
    assert scan(old_badge, door).get_json()["outcome"] == "admitted"
    client = _staff_client(app, make_staff)
    page = client.get(f"/admin/registrations/{registration.id}").get_data(as_text=True)
    client.post(
        f"/admin/registrations/{registration.id}/cancel", data={"csrf_token": csrf_from(page)}
    )
    assert _status(app, registration.id) == RegistrationStatus.CANCELLED

    person = app.test_client()
    page = person.get(f"/r/{registration.manage_token}?lang=en").get_data(as_text=True)
    assert "only they can change it" in page
    assert f"/r/{registration.manage_token}/reactivate" not in page
    # Posting the form anyway changes nothing.
    page = _post_personal(person, registration, "reactivate")
    assert _status(app, registration.id) == RegistrationStatus.CANCELLED
    assert "You are registered again." not in page
    answer = scan(old_badge, door).get_json()
    assert (answer["outcome"], answer["reason"]) == ("revoked", "cancelled")

    # The organiser may undo it.
    page = client.get(f"/admin/registrations/{registration.id}").get_data(as_text=True)
    client.post(
        f"/admin/registrations/{registration.id}/reactivate", data={"csrf_token": csrf_from(page)}
    )
    assert _status(app, registration.id) == RegistrationStatus.CONFIRMED


@pytest.mark.parametrize("category", [Category.PRESS, Category.SPEAKER])
def test_a_rejected_registration_cannot_queue_itself_again(
    app, client, forum, make_registration, make_staff, category
):
    registration = make_registration(forum, category=category, status=RegistrationStatus.PENDING)
    staff = make_staff(Role.ADMIN)
    with app.app_context():
        lifecycle.reject(registration.id, staff_user_id=staff.id)
        with pytest.raises(services.OrganisersDecision):
            lifecycle.reactivate(registration.id, actor="self")
    _post_personal(client, registration, "reactivate")
    assert _status(app, registration.id) == RegistrationStatus.CANCELLED
    with app.app_context():
        # An organiser changes their mind: back in the queue.
        lifecycle.reactivate(registration.id, actor="staff", staff_user_id=staff.id)
    assert _status(app, registration.id) == RegistrationStatus.PENDING


def test_a_cancellation_of_unknown_origin_is_left_to_the_organisers(app, forum, make_registration):
    # Cancelled before who-cancelled was kept, with no trace in the audit log.
    registration = make_registration(forum, status=RegistrationStatus.CANCELLED)
    with app.app_context(), pytest.raises(services.OrganisersDecision):
        lifecycle.reactivate(registration.id, actor="self")
