"""POST /api/v1/scans: every outcome, replays, malformed requests, who may call it."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import func, select

from maruf_reg.extensions import db
from maruf_reg.models import (
    Category,
    Outcome,
    PointKind,
    RegistrationStatus,
    Scan,
    Seat,
    SeatStatus,
)
from tests.checkin.conftest import minutes_ago, now_iso, running_now


@pytest.fixture
def entrance(forum, make_point):
    return make_point(forum, name="B Kapısı", counts_exit=True)


@pytest.fixture
def ayse(forum, make_registration, make_person):
    return make_registration(forum, make_person(given_name="Ayşe", family_name="Öztürk"))


def test_first_scan_admits_and_names_the_person(scan, forum, entrance, ayse, badge):
    response = scan(badge(forum, ayse), entrance)
    assert response.status_code == 200
    data = response.get_json()
    assert data["outcome"] == "admitted"
    assert data["previous"] is None
    assert data["person"] == {
        "id": ayse.id,
        "given_name": "Ayşe",
        "family_name": "Öztürk",
        "name": "Ayşe Öztürk",
        "category": "participant",
        "organisation": "Marmara Belediyeler Birliği",
        "country": "TR",
    }


def test_second_scan_is_already_in_with_the_admission_that_counts(
    app, scan, forum, entrance, make_point, ayse, badge
):
    other_door = make_point(forum, name="Ana Giriş")
    token = badge(forum, ayse)
    first_at = minutes_ago(8)
    first = scan(token, entrance, scanned_at=first_at, device="Door B tablet")
    assert first.get_json()["outcome"] == "admitted"
    again = scan(token, other_door, scanned_at=minutes_ago(1), device="phone 2")
    data = again.get_json()
    assert data["outcome"] == "already_in"
    assert data["previous"] == {
        "scanned_at": first_at,
        "point": entrance.id,
        "point_name": "B Kapısı",
        "device": "Door B tablet",
    }
    with app.app_context():
        outcomes = db.session.scalars(select(Scan.outcome).order_by(Scan.id)).all()
    assert outcomes == [Outcome.ADMITTED, Outcome.ALREADY_IN]  # refused scans are stored too


def test_exit_then_entry_again(scan, forum, entrance, ayse, badge):
    token = badge(forum, ayse)
    assert scan(token, entrance).get_json()["outcome"] == "admitted"
    assert scan(token, entrance, direction="out").get_json()["outcome"] == "exited"
    assert scan(token, entrance).get_json()["outcome"] == "admitted"


def test_exit_at_a_point_without_exits_is_a_bad_request(scan, forum, make_point, ayse, badge):
    point = make_point(forum, counts_exit=False)
    response = scan(badge(forum, ayse), point, direction="out")
    assert response.status_code == 400
    assert "exits" in response.get_json()["error"]


def test_category_not_admitted(scan, forum, make_point, ayse, badge):
    press_room = make_point(forum, name="Basın Odası", kind=PointKind.OTHER, categories=["press"])
    data = scan(badge(forum, ayse), press_room).get_json()
    assert (data["outcome"], data["reason"]) == ("not_allowed", "category")
    assert data["person"]["name"] == "Ayşe Öztürk"


def test_session_point_needs_a_booked_seat(
    app, scan, forum, make_point, make_session, make_registration, ayse, badge
):
    session = make_session(forum, needs_booking=True, **running_now())
    door = make_point(forum, name="Salon A", session=session)
    seated = make_registration(forum)
    waiting = make_registration(forum)
    with app.app_context():
        db.session.add_all(
            [
                Seat(registration_id=seated.id, session_id=session.id, status=SeatStatus.BOOKED),
                Seat(
                    registration_id=waiting.id, session_id=session.id, status=SeatStatus.WAITLISTED
                ),
            ]
        )
        db.session.commit()
    assert scan(badge(forum, seated), door).get_json()["outcome"] == "admitted"
    refused = scan(badge(forum, waiting), door).get_json()
    assert (refused["outcome"], refused["reason"]) == ("not_allowed", "no_seat")
    assert scan(badge(forum, ayse), door).get_json()["outcome"] == "not_allowed"


def test_open_session_admits_everybody_once(scan, forum, make_point, make_session, ayse, badge):
    plenary = make_session(forum, needs_booking=False, **running_now())
    door_1 = make_point(forum, name="Haliç Salonu sol", session=plenary)
    door_2 = make_point(forum, name="Haliç Salonu sağ", session=plenary)
    token = badge(forum, ayse)
    assert scan(token, door_1).get_json()["outcome"] == "admitted"
    second = scan(token, door_2).get_json()
    assert second["outcome"] == "already_in"
    assert second["previous"]["point_name"] == "Haliç Salonu sol"


def test_replaced_badge_is_revoked(app, scan, forum, entrance, make_registration, badge):
    registration = make_registration(forum, badge_serial=2)
    old = scan(badge(forum, registration, serial=1), entrance).get_json()
    assert (old["outcome"], old["reason"]) == ("revoked", "replaced")
    assert scan(badge(forum, registration), entrance).get_json()["outcome"] == "admitted"


@pytest.mark.parametrize(
    ("status", "reason"),
    [(RegistrationStatus.CANCELLED, "cancelled"), (RegistrationStatus.PENDING, "not_confirmed")],
)
def test_cancelled_or_pending_registration_is_revoked(
    scan, forum, entrance, make_registration, badge, status, reason
):
    registration = make_registration(forum, status=status, category=Category.PRESS)
    data = scan(badge(forum, registration), entrance).get_json()
    assert (data["outcome"], data["reason"]) == ("revoked", reason)


def test_valid_signature_without_registration_is_unknown(scan, forum, entrance, ayse, app):
    from maruf_reg import badge_tokens as tokens
    from maruf_reg.models import Forum
    from tests.conftest import TEST_SECRET

    with app.app_context():
        token = tokens.issue(
            db.session.get_one(Forum, forum.id),
            registration_id=ayse.id + 1000,
            serial=1,
            category=Category.PARTICIPANT,
            secret_key=TEST_SECRET,
        )
    response = scan(token, entrance)
    assert response.status_code == 200
    assert response.get_json()["outcome"] == "unknown"
    assert response.get_json()["person"] is None


def test_another_forums_registration_is_unknown(
    scan, forum, make_forum, entrance, make_registration, app
):
    from maruf_reg import badge_tokens as tokens
    from maruf_reg.models import Forum
    from tests.conftest import TEST_SECRET

    other = make_forum()
    stranger = make_registration(other)
    with app.app_context():
        # Signed with this forum's key, naming a registration of another forum.
        token = tokens.issue(
            db.session.get_one(Forum, forum.id),
            registration_id=stranger.id,
            serial=1,
            category=Category.PARTICIPANT,
            secret_key=TEST_SECRET,
        )
    assert scan(token, entrance).get_json()["outcome"] == "unknown"


@pytest.mark.parametrize("text", ["", "HELLO", "https://example.org/", "A" * 116, "ş" * 900])
def test_unreadable_codes_are_invalid(scan, entrance, text):
    response = scan(text, entrance)
    assert response.status_code == 200
    data = response.get_json()
    assert (data["outcome"], data["person"], data["reason"]) == ("invalid", None, "unreadable")


def test_a_forged_or_foreign_badge_is_invalid(scan, forum, make_forum, entrance, ayse, badge):
    other = make_forum()
    data = scan(badge(other, ayse), entrance).get_json()
    assert (data["outcome"], data["reason"]) == ("invalid", "bad_signature")


def test_scanner_mangling_is_undone(scan, forum, entrance, ayse, badge):
    token = badge(forum, ayse)
    mangled = token.lower().replace("i", "ı") + "\r\n"
    assert scan(mangled, entrance).get_json()["outcome"] == "admitted"


def test_replaying_a_uuid_returns_the_stored_answer_byte_for_byte(
    app, scan, forum, entrance, ayse, badge
):
    token = badge(forum, ayse)
    scan_id = str(uuid.uuid4())
    first = scan(token, entrance, uuid=scan_id)
    second_device = scan(token, entrance)  # another scan: already in
    assert second_device.get_json()["outcome"] == "already_in"
    replay = scan(token, entrance, uuid=scan_id.upper())  # the same uuid, spelt otherwise
    assert replay.status_code == 200
    assert replay.get_data() == first.get_data()
    assert replay.get_json()["outcome"] == "admitted"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Scan)) == 2


def test_unknown_point_is_a_json_404(scan, forum, ayse, badge):
    response = scan(badge(forum, ayse), 999999)
    assert response.status_code == 404
    assert "error" in response.get_json()


MISSING = object()


def _body(**changes):
    """A well-formed scan (point 1 stands for the test's point) with some fields changed or dropped."""
    body = {"token": "X", "point": 1, "uuid": str(uuid.uuid4()), "scanned_at": now_iso()}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not MISSING}


BAD_BODIES = [
    ("not json", b"{token: 1", "not JSON"),
    ("a list", b"[]", "object"),
    ("a string", b'"hello"', "object"),
    ("no token", _body(token=MISSING), "token"),
    ("no uuid", _body(uuid=MISSING), "uuid"),
    ("no time", _body(scanned_at=MISSING), "scanned_at"),
    ("no point", _body(point=MISSING), "point"),
    ("token number", _body(token=5), "token"),
    ("point string", _body(point="1"), "point"),
    ("point bool", _body(point=True), "point"),
    ("point float", _body(point=1.5), "point"),
    ("point huge", _body(point=10**30), "point"),
    ("bad uuid", _body(uuid="not-a-uuid"), "uuid"),
    ("bad time", _body(scanned_at="yesterday"), "scanned_at"),
    ("naive time", _body(scanned_at="2030-10-01T09:00:00"), "scanned_at"),
    ("device list", _body(device=[]), "device"),
    ("device NUL", _body(device="a\x00b"), "device"),
    ("direction", _body(direction="up"), "direction"),
    ("forced string", _body(forced="yes"), "forced"),
]


@pytest.mark.parametrize(("label", "body", "word"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_malformed_requests_are_400_json(client, door_token, entrance, label, body, word):
    if isinstance(body, dict):
        if type(body.get("point")) is int and body["point"] == 1:
            body = {**body, "point": entrance.id}
        data = json.dumps(body).encode()
    else:
        data = body
    response = client.post(
        "/api/v1/scans",
        data=data,
        content_type="application/json",
        headers={"Authorization": f"Bearer {door_token}"},
    )
    assert response.status_code == 400, response.get_data(as_text=True)
    assert word in response.get_json()["error"]


def test_a_huge_body_is_refused_without_a_500(client, door_token, entrance):
    body = json.dumps({"token": "A" * 2_000_000, "point": entrance.id}).encode()
    response = client.post(
        "/api/v1/scans",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {door_token}"},
    )
    assert response.status_code == 413
    assert "error" in response.get_json()


def test_a_long_token_string_is_a_bad_request(scan, entrance):
    response = scan("A" * 5000, entrance)
    assert response.status_code == 400


def test_no_token_or_a_wrong_or_revoked_token_is_401(app, client, entrance, make_api_token):
    body = {"token": "X", "point": entrance.id, "uuid": str(uuid.uuid4()), "scanned_at": now_iso()}
    assert client.post("/api/v1/scans", json=body).status_code == 401
    wrong = client.post("/api/v1/scans", json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert "error" in wrong.get_json()
    token = make_api_token("door")
    from maruf_reg.auth import services as auth_services
    from maruf_reg.models import ApiToken

    with app.app_context():
        row = db.session.scalars(select(ApiToken)).one()
        auth_services.revoke_token(row)
    revoked = client.post("/api/v1/scans", json=body, headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 401


@pytest.mark.parametrize("role", ["door", "desk", "admin"])
def test_scanning_roles(client, make_api_token, entrance, role):
    token = make_api_token(role)
    body = {"token": "X", "point": entrance.id, "uuid": str(uuid.uuid4()), "scanned_at": now_iso()}
    response = client.post("/api/v1/scans", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["outcome"] == "invalid"


def test_staff_session_needs_the_csrf_header(client, login, forum, entrance, ayse, badge):
    login("door")
    page = client.get(f"/checkin/{entrance.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    csrf = html.split('name="csrf-token" content="')[1].split('"')[0]
    body = {
        "token": badge(forum, ayse),
        "point": entrance.id,
        "uuid": str(uuid.uuid4()),
        "scanned_at": now_iso(),
    }
    without = client.post("/api/v1/scans", json=body)
    assert without.status_code == 400
    assert "CSRF" in without.get_json()["error"]
    with_header = client.post("/api/v1/scans", json=body, headers={"X-CSRFToken": csrf})
    assert with_header.status_code == 200
    assert with_header.get_json()["outcome"] == "admitted"


def test_offline_scan_is_judged_as_it_happened_and_forced_double_admission_is_flagged(
    app, scan, forum, make_point, ayse, badge
):
    door = make_point(forum, name="Ana Giriş")
    token = badge(forum, ayse)
    online = scan(token, door, scanned_at=minutes_ago(6), device="A").get_json()
    assert online["outcome"] == "admitted"
    # Device B was offline and let her in 3 minutes before A: nothing earlier, so admitted.
    early = scan(
        token, door, scanned_at=minutes_ago(9), device="B", offline=True, forced=True
    ).get_json()
    assert (early["outcome"], early["forced"]) == ("admitted", False)
    # Device C was offline and let her in after both, while she was inside: a double admission.
    late = scan(
        token, door, scanned_at=minutes_ago(3), device="C", offline=True, forced=True
    ).get_json()
    assert (late["outcome"], late["forced"], late["reason"]) == ("admitted", True, "already_in")
    assert late["previous"]["device"] == "B"  # the earliest admission counts
    with app.app_context():
        rows = db.session.execute(
            select(Scan.device, Scan.outcome, Scan.forced, Scan.offline)
        ).all()
    assert sorted(rows) == [
        ("A", Outcome.ADMITTED, False, False),
        ("B", Outcome.ADMITTED, False, True),
        ("C", Outcome.ADMITTED, True, True),
    ]


def test_an_answer_carries_the_apis_security_headers(
    client, scan, door_token, forum, entrance, ayse, badge
):
    """A JSON answer is no document: a CSP under which nothing loads or frames it, nosniff, and
    no-store (it names a person); not the pages' policy, nor their Vary (no cache keeps it)."""
    from maruf_reg.web import API_HEADERS, HSTS, SECURITY_HEADERS

    answer = scan(badge(forum, ayse), entrance)
    assert answer.get_json()["outcome"] == "admitted"
    headers = answer.headers
    for name, value in API_HEADERS:
        assert headers.getlist(name) == [value], name
    assert headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    page_only = {name for name, _value in SECURITY_HEADERS} - {name for name, _ in API_HEADERS}
    assert page_only and not page_only & set(headers.keys())
    assert "Accept-Language" not in headers.get("Vary", "") and HSTS[0] not in headers
    secure = client.get(
        "/api/v1/points",
        base_url="https://localhost",
        headers={"Authorization": f"Bearer {door_token}"},
    )
    assert secure.status_code == 200
    assert secure.headers.getlist(HSTS[0]) == [HSTS[1]]
    assert secure.headers["Cache-Control"] == "no-store"
