"""The check-in pages: who may open them, point settings, the scanner page, counts, the PWA files."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from maruf_reg.extensions import db
from maruf_reg.models import AuditLog, CheckInPoint, PointKind
from tests.conftest import csrf_from

EN = {"Accept-Language": "en"}


@pytest.fixture
def entrance(forum, make_point):
    return make_point(forum, name="B Kapısı", counts_exit=True)


@pytest.mark.parametrize(
    ("role", "scanner", "desk", "counts", "new_point"),
    [
        ("door", 200, 403, 403, 403),
        ("desk", 200, 200, 200, 403),
        ("admin", 200, 200, 200, 200),
    ],
)
def test_roles_per_page(client, login, entrance, role, scanner, desk, counts, new_point):
    login(role)
    assert client.get("/checkin/").status_code == 200
    assert client.get(f"/checkin/{entrance.id}").status_code == scanner
    assert client.get("/checkin/desk").status_code == desk
    assert client.get("/checkin/counts").status_code == counts
    assert client.get("/checkin/points/new").status_code == new_point
    assert client.get(f"/checkin/points/{entrance.id}/edit").status_code == new_point


def test_anonymous_staff_pages_send_to_log_in(client, entrance):
    for url in ["/checkin/", f"/checkin/{entrance.id}", "/checkin/desk", "/checkin/counts"]:
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_organiser_adds_a_session_point(app, client, login, forum, make_session):
    session = make_session(forum, needs_booking=True)
    login("admin")
    page = client.get("/checkin/points/new", headers=EN).get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "name": "Salon A kapısı", "kind": "session",
            "session": str(session.id), "categories": ["participant", "speaker"], "active": "y"}  # fmt: skip
    response = client.post("/checkin/points/new", data=form, headers=EN)
    assert response.status_code == 302
    with app.app_context():
        point = db.session.scalars(select(CheckInPoint)).one()
        assert (point.kind, point.session_id) == (PointKind.SESSION, session.id)
        assert point.categories == ["participant", "speaker"]
        assert db.session.scalars(select(AuditLog.action)).all() == ["checkin_point.create"]
    # A session point without a session is refused with a form error.
    bad = client.post(
        "/checkin/points/new", data={**form, "session": "", "name": "Yanlış"}, headers=EN
    )
    assert bad.status_code == 200
    assert "A session point needs its session." in bad.get_data(as_text=True)


def test_organiser_edits_a_point(app, client, login, forum, entrance):
    login("admin")
    url = f"/checkin/points/{entrance.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert "B Kapısı" in page
    response = client.post(
        url,
        data={"csrf_token": csrf_from(page), "name": "B Kapısı (VIP)", "kind": "entrance",
              "session": "", "categories": ["vip"], "counts_exit": "y", "active": "y"},
    )  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        point = db.session.get(CheckInPoint, entrance.id)
        assert (point.name, point.categories, point.counts_exit) == (
            "B Kapısı (VIP)",
            ["vip"],
            True,
        )
        # Who changed the door, and what, is in the audit log.
        entry = db.session.scalars(
            select(AuditLog).where(AuditLog.object_type == "checkinpoint")
        ).one()
        assert entry.action == "checkin_point.update" and entry.staff_user_id is not None
        assert entry.details["name"] == ["B Kapısı", "B Kapısı (VIP)"]


def test_scanner_page_in_both_languages(client, login, entrance):
    login("door")
    english = client.get(f"/checkin/{entrance.id}", headers=EN)
    html = english.get_data(as_text=True)
    assert english.status_code == 200
    assert "B Kapısı" in html and "ADMIT" in html and 'type="module"' in html
    # The camera library decodes in a blob: worker; only this page allows it.
    assert "worker-src 'self' blob:" in english.headers["Content-Security-Policy"]
    assert "script-src 'self';" in english.headers["Content-Security-Policy"]
    turkish = client.get(f"/checkin/{entrance.id}", headers={"Accept-Language": "tr"})
    assert "bugün giren" in turkish.get_data(as_text=True)
    assert "G\\u0130R\\u0130\\u015e" in turkish.get_data(as_text=True)  # GİRİŞ, for the script
    assert client.get("/checkin/999999").status_code == 404


def test_pwa_files(client):
    worker = client.get("/checkin/sw.js")
    assert worker.status_code == 200
    assert worker.headers["Service-Worker-Allowed"] == "/checkin/"
    assert "javascript" in worker.headers["Content-Type"]
    manifest = client.get("/checkin/manifest.webmanifest").get_json(force=True)
    assert manifest["scope"] == "/checkin/" and manifest["display"] == "standalone"
    for asset in [
        "/static/vendor/qr-scanner-1.4.2/qr-scanner.min.js",
        "/static/vendor/qr-scanner-1.4.2/qr-scanner-worker.min.js",
        "/static/vendor/noble-ed25519-3.2.0/index.js",
        "/static/js/checkin/scanner.js",
    ]:
        assert client.get(asset).status_code == 200, asset


def test_counts_page_shows_every_point(client, login, entrance, forum, make_point):
    make_point(forum, name="Fuaye")
    login("admin")
    html = client.get("/checkin/counts", headers=EN).get_data(as_text=True)
    assert "B Kapısı" in html and "Fuaye" in html and "Inside now" in html


def test_desk_finds_people_and_escapes_markup(client, login, forum, make_registration, make_person):
    long_name = "Muhammed " + "Abdurrahman" * 6
    make_registration(forum, make_person(given_name=long_name, family_name="<b>Öztürk</b>"))
    login("desk")
    html = client.get("/checkin/desk?q=ozturk", headers=EN).get_data(as_text=True)
    assert long_name in html
    assert "&lt;b&gt;Öztürk&lt;/b&gt;" in html


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/v1/scans"),
        ("post", "/api/v1/scans/batch"),
        ("get", "/api/v1/points"),
        ("get", "/api/v1/points/1/bundle"),
        ("get", "/api/v1/points/1/counts"),
        ("get", "/api/v1/counts"),
        ("get", "/api/v1/people?q=ayse"),
    ],
)
def test_every_api_route_needs_a_token_or_a_session(client, method, url):
    response = getattr(client, method)(url, json={} if method == "post" else None)
    assert response.status_code == 401
    assert "error" in response.get_json()


def test_door_session_reads_points_and_counts_but_not_people(client, login, entrance):
    login("door")
    assert client.get("/api/v1/points").status_code == 200
    assert client.get(f"/api/v1/points/{entrance.id}/counts").status_code == 200
    assert client.get(f"/api/v1/points/{entrance.id}/bundle").status_code == 200
    assert client.get("/api/v1/people?q=ayse").status_code == 403
    assert client.get("/api/v1/counts").status_code == 403  # every point's counts: desk and admins


def test_the_service_worker_cache_is_named_after_the_files_it_keeps(client):
    """A release that changes the scanner's files changes the cache name: devices update."""
    import re

    source = client.get("/checkin/sw.js").get_data(as_text=True)
    name = re.search(r'const VERSION = "(checkin-[0-9a-f]{16})"', source)
    assert name is not None
    assert client.get("/checkin/sw.js").get_data(as_text=True) == source  # stable


def test_organiser_sets_a_session_doors_window_and_full_room_policy(
    app, client, login, forum, make_session
):
    session = make_session(forum, needs_booking=False)
    login("admin")
    page = client.get("/checkin/points/new", headers=EN).get_data(as_text=True)
    assert "minutes before the start" in page and "admit and warn" in page
    form = {"csrf_token": csrf_from(page), "name": "Salon B", "kind": "session",
            "session": str(session.id), "active": "y", "counts_exit": "y",
            "opens_minutes": "45", "closes_minutes": "10", "full_policy": "warn"}  # fmt: skip
    assert client.post("/checkin/points/new", data=form, headers=EN).status_code == 302
    with app.app_context():
        point = db.session.scalars(select(CheckInPoint)).one()
        assert (point.opens_minutes, point.closes_minutes, point.full_policy) == (45, 10, "warn")
    # Minutes out of range are a form error; empty keeps the settings.
    bad = client.post(
        "/checkin/points/new", data={**form, "name": "Salon C", "opens_minutes": "-5"}, headers=EN
    )
    assert bad.status_code == 200 and "Salon C" in bad.get_data(as_text=True)
    plain = {
        **form,
        "name": "Salon D",
        "opens_minutes": "",
        "closes_minutes": "",
        "full_policy": "",
    }
    assert client.post("/checkin/points/new", data=plain, headers=EN).status_code == 302
    with app.app_context():
        point = db.session.scalars(select(CheckInPoint).where(CheckInPoint.name == "Salon D")).one()
        assert (point.opens_minutes, point.closes_minutes, point.full_policy) == (None, None, None)
