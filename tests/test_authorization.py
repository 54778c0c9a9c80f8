"""Who may open what: every route of the app against every kind of visitor.

ACCESS lists each endpoint once. A route added without an entry fails
`test_every_route_is_in_the_matrix`, so nobody can add a page and forget to decide who sees it.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from maruf_reg.auth import services as auth_services
from maruf_reg.extensions import db
from maruf_reg.models import (
    Category,
    CheckInPoint,
    Job,
    JobStatus,
    Message,
    MessageKind,
    Outcome,
    PointKind,
    Question,
    QuestionKind,
    Role,
    RoleKind,
    Scan,
    SessionRole,
)
from tests.conftest import csrf_from

PUBLIC = "public"  # anyone
PERSONAL = "personal"  # whoever holds the personal link (the token in the URL)
STAFF = "staff"  # any logged-in staff user
ADMIN = frozenset({Role.ADMIN})
DESK = frozenset({Role.ADMIN, Role.DESK})
DOOR = frozenset({Role.ADMIN, Role.DESK, Role.DOOR})

ACCESS: dict[str, Any] = {
    "static": PUBLIC,
    # the load balancer's probes
    "health.healthz": PUBLIC,
    "health.readyz": PUBLIC,
    # staff access
    "auth.login": PUBLIC,
    "auth.logout": PUBLIC,
    "auth.staff_home": STAFF,
    "auth.staff_users": ADMIN,
    "auth.toggle_staff_user": ADMIN,
    "auth.api_tokens": ADMIN,
    "auth.revoke_api_token": ADMIN,
    # programme
    "program.index": PUBLIC,
    "program.timetable": PUBLIC,
    "program.timetable_ics": PUBLIC,
    "program.session": PUBLIC,
    "program.session_ics": PUBLIC,
    "program.theme": PUBLIC,
    "program.speakers": PUBLIC,
    "program.speaker": PUBLIC,
    "program.portrait": PUBLIC,
    "program.booklet": PUBLIC,
    "program.favicon": PUBLIC,
    "program.forum_logo": PUBLIC,
    "program.admin_booklet": ADMIN,
    "program.editions": DOOR,
    "program.choose_edition": DOOR,
    "program.new_edition": ADMIN,
    "program.freeze_edition": ADMIN,
    "program.admin_sessions": ADMIN,
    "program.forum_settings": ADMIN,
    "program.new_session": ADMIN,
    "program.edit_session": ADMIN,
    "program.delete_session": ADMIN,
    "program.add_role": ADMIN,
    "program.edit_role": ADMIN,
    "program.remove_role": ADMIN,
    "program.admin_themes": ADMIN,
    "program.edit_theme": ADMIN,
    "program.delete_theme": ADMIN,
    "program.admin_rooms": ADMIN,
    "program.edit_room": ADMIN,
    "program.delete_room": ADMIN,
    # registration
    "registration.register": PUBLIC,
    "registration.sent": PUBLIC,
    "registration.resend": PUBLIC,
    "registration.speaker_register": PUBLIC,
    "registration.manage": PERSONAL,
    "registration.edit": PERSONAL,
    "registration.sessions": PERSONAL,
    "registration.cancel": PERSONAL,
    "registration.reactivate": PERSONAL,
    "registration.programme_ics": PERSONAL,
    "registration.admin_list": DESK,
    "registration.admin_detail": DESK,
    "registration.admin_photo": DESK,
    "registration.admin_resend": DESK,
    "registration.admin_approve": ADMIN,
    "registration.admin_reject": ADMIN,
    "registration.admin_decide": ADMIN,
    "registration.my_data": PERSONAL,
    "registration.my_data_json": PERSONAL,
    "registration.erase_me": PERSONAL,
    "registration.admin_data": ADMIN,
    "registration.admin_data_json": ADMIN,
    "registration.admin_erase": ADMIN,
    "registration.privacy": PUBLIC,
    "registration.admin_cancel": ADMIN,
    "registration.admin_reactivate": ADMIN,
    "registration.admin_import": ADMIN,
    "registration.admin_invitations": ADMIN,
    "registration.admin_questions": ADMIN,
    "registration.admin_question": ADMIN,
    "registration.retire_question": ADMIN,
    # badges
    "badges.personal_badge": PERSONAL,
    "badges.print_one": DESK,
    "badges.reprint": DESK,
    "badges.admin_batches": DESK,
    "badges.job": DESK,
    "badges.job_status": DESK,
    "badges.job_download": DESK,
    "badges.preview": DESK,
    "badges.settings": ADMIN,
    # check-in
    "checkin.manifest": PUBLIC,
    "checkin.service_worker": PUBLIC,
    "checkin.points": DOOR,
    "checkin.scanner": DOOR,
    "checkin.point_new": ADMIN,
    "checkin.point_edit": ADMIN,
    "checkin.give_doors": ADMIN,
    "screen.room_screen": PUBLIC,
    "screen.room_screen_json": PUBLIC,
    "checkin.desk": DESK,
    "checkin.desk_admit": DESK,
    "checkin.counts": DESK,
    "checkin_api.scan": DOOR,
    "checkin_api.scan_batch": DOOR,
    "checkin_api.point_list": DOOR,
    "checkin_api.point_bundle": DOOR,
    "checkin_api.point_counts": DOOR,
    "checkin_api.all_counts": DESK,
    "checkin_api.people": DESK,
    "checkin.walk_in": DESK,
    "checkin.walk_in_done": DESK,
    # reports
    "reports.certificate": PERSONAL,
    "reports.dashboard": ADMIN,
    "reports.sessions": ADMIN,
    "reports.session": ADMIN,
    "reports.session_pdf": ADMIN,
    "reports.themes": ADMIN,
    "reports.theme": ADMIN,
    "reports.export": ADMIN,
    "reports.questions": ADMIN,
    # messages
    "messages.admin_messages": ADMIN,
    "messages.new_message": ADMIN,
    "messages.edit_message": ADMIN,
    "messages.admin_message": ADMIN,
    "messages.message_progress": ADMIN,
    "messages.message_action": ADMIN,
}

ROLES = (Role.DOOR, Role.DESK, Role.ADMIN)
#: public answers that may be 503 here: the test database is made from the models, not migrated
MAY_BE_UNAVAILABLE = {"health.readyz"}


@dataclass
class World:
    values: dict[str, Any]
    revoked_token: str
    #: values that differ for one endpoint (the certificate needs a forum that is over)
    special: dict[str, dict[str, Any]]

    def values_for(self, endpoint: str) -> dict[str, Any]:
        return {**self.values, **self.special.get(endpoint, {})}


@pytest.fixture
def world(
    app: Flask,
    forum,
    make_forum,
    make_theme,
    make_room,
    make_session,
    make_registration,
    make_person,
    make_staff,
) -> World:
    """One of everything a URL can name."""
    theme = make_theme(forum, slug="migration")
    room = make_room(forum, capacity=40)
    session = make_session(forum, room=room, theme=theme)
    registration = make_registration(forum)
    speaker = make_person(email="speaker@example.org")
    make_registration(forum, speaker, category=Category.SPEAKER)
    door_user = make_staff(Role.DOOR, email="someone-at-the-door@example.org")
    past = make_forum(starts_on=date(2020, 10, 1), ends_on=date(2020, 10, 3))
    past_start = datetime(2020, 10, 1, 8, tzinfo=UTC)
    past_session = make_session(past, starts_at=past_start, ends_at=past_start + timedelta(hours=1))
    attendee = make_registration(past)
    with app.app_context():
        past_point = CheckInPoint(
            forum_id=past.id, name="Salon B", kind=PointKind.SESSION, session_id=past_session.id
        )
        db.session.add(past_point)
        db.session.flush()
        db.session.add(
            Scan(
                uuid=str(uuid.uuid4()),
                point_id=past_point.id,
                registration_id=attendee.id,
                scanned_at=past_start,
                outcome=Outcome.ADMITTED,
            )
        )
        point = CheckInPoint(
            forum_id=forum.id, name="Salon A", kind=PointKind.SESSION, session_id=session.id
        )
        role = SessionRole(session_id=session.id, person_id=speaker.id, role=RoleKind.SPEAKER)
        job = Job(kind="badges", status=JobStatus.DONE, total=1, done=1)
        question = Question(
            forum_id=forum.id, kind=QuestionKind.SHORT_TEXT, label_tr="Diyet?", label_en="Diet?"
        )
        message = Message(
            forum_id=forum.id,
            kind=MessageKind.SERVICE,
            subject_tr="Salon değişti",
            subject_en="Room changed",
            body_tr="Sayın {name}",
            body_en="Dear {name}",
        )
        db.session.add_all([point, role, job, question, message])
        db.session.commit()
        row, revoked = auth_services.create_token(role=Role.ADMIN, name="lost tablet")
        auth_services.revoke_token(row)
        values = {
            "token": registration.manage_token,
            "registration_id": registration.id,
            "session_id": session.id,
            "theme_id": theme.id,
            "slug": theme.slug,
            "room_id": room.id,
            "role_id": role.id,
            "point_id": point.id,
            "job_id": job.id,
            "question_id": question.id,
            "message_id": message.id,
            "action": "test",
            "user_id": door_user.id,
            "person_id": speaker.id,
            "forum_id": forum.id,
            "token_id": row.id,
            "kind": "registrations",
            "fmt": "csv",
            "filename": "css/app.css",
        }
    return World(values, revoked, {"reports.certificate": {"token": attendee.manage_token}})


def _routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, URL) for every route, with the world's values in the URL."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, rule.rule))
    return found


def _url(app: Flask, endpoint: str, values: dict[str, Any]) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    missing = rule.arguments - set(values)
    assert not missing, f"the matrix has no sample value for {sorted(missing)} of {endpoint}"
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **{name: values[name] for name in rule.arguments})


def _login(app: Flask, make_staff, role: Role) -> FlaskClient:
    client = app.test_client()
    staff = make_staff(role)
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "email": staff.email,
            "password": staff.password,
        },
    )
    assert response.status_code == 302
    return client


def _request(client: FlaskClient, method: str, url: str, csrf: str | None, **kwargs: Any) -> Any:
    if method == "GET":
        return client.get(url, **kwargs)
    headers = dict(kwargs.pop("headers", {}))
    if csrf:
        headers["X-CSRFToken"] = csrf
    return client.open(
        url, method=method, data={"csrf_token": csrf or ""}, headers=headers, **kwargs
    )


def _csrf(client: FlaskClient, page: str) -> str:
    return csrf_from(client.get(page).get_data(as_text=True))


def test_every_route_is_in_the_matrix(app):
    endpoints = {endpoint for endpoint, _method, _rule in _routes(app)}
    assert endpoints - set(ACCESS) == set(), "routes nobody decided about"
    assert set(ACCESS) - endpoints == set(), "matrix entries without a route"


def test_role_checks_agree_with_the_matrix(app):
    """Each staff view declares its roles with role_required; they are the matrix's."""
    for endpoint, access in ACCESS.items():
        declared = getattr(app.view_functions[endpoint], "allowed_roles", None)
        if isinstance(access, frozenset):
            assert declared == access, endpoint
        else:
            assert declared is None, f"{endpoint} is {access} but checks roles"


@pytest.mark.parametrize("endpoint", sorted(ACCESS))
def test_route_answers_each_visitor_as_the_matrix_says(app, world, make_staff, endpoint):
    access = ACCESS[endpoint]
    values = world.values_for(endpoint)
    url = _url(app, endpoint, values)
    methods = [m for e, m, _r in _routes(app) if e == endpoint]
    anonymous = app.test_client()
    anonymous_csrf = _csrf(anonymous, "/login")
    staff = {role: _login(app, make_staff, role) for role in ROLES}
    staff_csrf = {role: _csrf(client, "/staff") for role, client in staff.items()}

    for method in methods:
        where = f"{method} {url}"
        if access == PERSONAL:
            ok = _request(anonymous, method, url, anonymous_csrf)
            assert ok.status_code not in (401, 403, 404) and ok.status_code < 500, where
            stranger = url.replace(values["token"], secrets.token_urlsafe(32))
            assert _request(anonymous, method, stranger, anonymous_csrf).status_code == 404, where
            continue
        if access == PUBLIC:
            answer = _request(anonymous, method, url, anonymous_csrf)
            unavailable = answer.status_code == 503 and endpoint in MAY_BE_UNAVAILABLE
            assert answer.status_code not in (401, 403), where
            assert answer.status_code < 500 or unavailable, where
            continue
        # Staff routes: the anonymous visitor is sent to log in (401 JSON for the API) ...
        answer = _request(anonymous, method, url, anonymous_csrf)
        if url.startswith("/api/"):
            assert answer.status_code == 401, where
        else:
            assert answer.status_code == 302, where
            assert answer.headers["Location"].startswith("/login"), where
        # ... a revoked token is refused everywhere ...
        revoked = _request(
            app.test_client(),
            method,
            url,
            None,
            headers={"Authorization": f"Bearer {world.revoked_token}"},
        )
        assert revoked.status_code == 401, where
        # ... and each role gets in, or gets 403. Admins go last: their POSTs may change things.
        for role in ROLES:
            answer = _request(staff[role], method, url, staff_csrf[role])
            allowed = access == STAFF or role in access
            if allowed:
                assert answer.status_code not in (401, 403) and answer.status_code < 500, (
                    f"{where} as {role.value}: {answer.status_code}"
                )
            else:
                assert answer.status_code == 403, f"{where} as {role.value}: {answer.status_code}"
