"""Badge pages: the personal download, the desk's print and reprint, batch jobs, settings."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from maruf_reg import badge_tokens as tokens
from maruf_reg.badges import batches, services
from maruf_reg.extensions import db
from maruf_reg.models import (
    AuditLog,
    BadgePrint,
    Forum,
    Job,
    Registration,
    RegistrationStatus,
    Role,
)
from tests.badges.conftest import decode_qr_codes, needs_poppler, page_count
from tests.conftest import csrf_from

EN = {"Accept-Language": "en"}


# --- the participant's own badge -------------------------------------------------------------


@needs_poppler
def test_a_confirmed_participant_downloads_their_badge(app, client, forum, make_registration):
    registration = make_registration(forum)
    response = client.get(f"/r/{registration.manage_token}/badge.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    pdf = response.get_data()
    assert page_count(pdf) == 1
    [[text]] = decode_qr_codes(pdf)
    assert tokens.verify(text, public_key=forum.public_key).registration_id == registration.id
    with app.app_context():
        # A download is not a print, and the serial stays.
        assert db.session.scalars(select(BadgePrint)).all() == []
        assert db.session.get(Registration, registration.id).badge_serial == 1


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (RegistrationStatus.PENDING, "waiting for the organisers' approval"),
        (RegistrationStatus.WAITLISTED, "on the waiting list"),
        (RegistrationStatus.CANCELLED, "cancelled"),
    ],
)
def test_no_badge_before_confirmation_or_after_cancelling(
    client, forum, make_registration, make_person, status, text
):
    registration = make_registration(forum, make_person(language="en"), status=status)
    response = client.get(f"/r/{registration.manage_token}/badge.pdf")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert text in response.get_data(as_text=True)


def test_the_page_uses_the_persons_language(client, forum, make_registration):
    registration = make_registration(forum, status=RegistrationStatus.PENDING)  # language tr
    page = client.get(f"/r/{registration.manage_token}/badge.pdf").get_data(as_text=True)
    assert "onay" in page


def test_an_unknown_link_is_404(client, forum):
    assert client.get("/r/not-a-token/badge.pdf").status_code == 404
    assert client.get("/r/x/badge.pdf?layout=a5").status_code in (400, 404)


# --- the desk ----------------------------------------------------------------------------------


def test_desk_pages_send_anonymous_users_to_log_in(client, forum, make_registration):
    registration = make_registration(forum)
    assert client.post(f"/desk/badges/{registration.id}.pdf").status_code in (302, 400)
    for url in (
        "/admin/badges",
        "/admin/badges/settings",
        "/admin/badges/preview.pdf",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    assert client.post(f"/desk/badges/{registration.id}/reprint").status_code in (302, 400)


def test_door_volunteers_may_not_print(client, login, forum, make_registration):
    registration = make_registration(forum)
    login(Role.DOOR)
    assert client.get("/admin/badges").status_code == 403
    token = csrf_from(client.get("/staff", follow_redirects=True).get_data(as_text=True))
    printed = client.post(f"/desk/badges/{registration.id}.pdf", data={"csrf_token": token})
    assert printed.status_code == 403
    assert (
        client.post(
            f"/desk/badges/{registration.id}/reprint", data={"csrf_token": token}
        ).status_code
        == 403
    )


@needs_poppler
def test_the_desk_prints_a_badge_and_it_is_recorded(app, client, login, forum, make_registration):
    registration = make_registration(forum)
    staff = login(Role.DESK)
    # A link (GET, maybe from another site) prints nothing and records nothing.
    assert client.get(f"/desk/badges/{registration.id}.pdf").status_code == 405
    token = csrf_from(client.get("/staff").get_data(as_text=True))
    response = client.post(
        f"/desk/badges/{registration.id}.pdf?layout=cr80", data={"csrf_token": token}
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    [[text]] = decode_qr_codes(response.get_data())
    assert tokens.verify(text, public_key=forum.public_key).serial == 1
    with app.app_context():
        [printed] = db.session.scalars(select(BadgePrint)).all()
        assert (
            printed.registration_id,
            printed.serial,
            printed.printed_by_id,
            printed.reprint,
        ) == (
            registration.id,
            1,
            staff.id,
            False,
        )
        assert db.session.get(Registration, registration.id).badge_serial == 1


def test_a_desk_token_prints_without_a_staff_user(
    app, client, forum, make_registration, make_api_token
):
    registration = make_registration(forum)
    headers = {"Authorization": f"Bearer {make_api_token(Role.DESK)}"}
    response = client.post(f"/desk/badges/{registration.id}.pdf", headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    door = {"Authorization": f"Bearer {make_api_token(Role.DOOR)}"}
    assert client.post(f"/desk/badges/{registration.id}.pdf", headers=door).status_code == 403
    with app.app_context():
        [printed] = db.session.scalars(select(BadgePrint)).all()
        assert printed.printed_by_id is None


def test_the_desk_cannot_print_a_cancelled_registration(
    app, client, login, forum, make_registration
):
    registration = make_registration(forum, status=RegistrationStatus.CANCELLED)
    login(Role.DESK)
    token = csrf_from(client.get("/staff").get_data(as_text=True))
    response = client.post(
        f"/desk/badges/{registration.id}.pdf", data={"csrf_token": token}, headers=EN
    )
    assert response.status_code == 409
    assert "only confirmed registrations have a badge" in response.get_data(as_text=True)
    assert client.post("/desk/badges/999999.pdf", data={"csrf_token": token}).status_code == 404
    with app.app_context():
        assert db.session.scalars(select(BadgePrint)).all() == []


@needs_poppler
def test_a_lost_badge_is_reprinted_with_a_new_serial(app, client, login, forum, make_registration):
    registration = make_registration(forum)
    staff = login(Role.DESK)
    with app.app_context():
        old = services.token_for(db.session.get(Registration, registration.id))
    page = client.get("/admin/badges?q=Öztürk")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"/desk/badges/{registration.id}/reprint" in html
    # Without the CSRF token: refused, nothing changes.
    assert client.post(f"/desk/badges/{registration.id}/reprint").status_code == 400
    response = client.post(
        f"/desk/badges/{registration.id}/reprint", data={"csrf_token": csrf_from(html)}
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    [[new]] = decode_qr_codes(response.get_data())
    assert tokens.verify(new, public_key=forum.public_key).serial == 2
    with app.app_context():
        assert db.session.get(Registration, registration.id).badge_serial == 2
        with pytest.raises(services.RevokedBadge):
            services.verify_badge(old, forum_id=forum.id)
        [printed] = db.session.scalars(select(BadgePrint)).all()
        assert (printed.serial, printed.reprint, printed.printed_by_id) == (2, True, staff.id)
        [entry] = db.session.scalars(
            select(AuditLog).where(AuditLog.action == "badge.reprint")
        ).all()
        assert entry.details == {"badge_serial": [1, 2]} and entry.staff_user_id == staff.id


# --- batches as jobs ----------------------------------------------------------------------------


@needs_poppler
def test_a_batch_job_runs_and_its_status_links_the_pdf(
    app, client, login, forum, make_registration, submit
):
    registrations = [make_registration(forum) for _ in range(5)]
    login(Role.DESK)
    response = submit("/admin/badges", {"layout": "a4-4up", "order": "id", "category": ""})
    assert response.status_code == 303
    job_url = response.headers["Location"]
    page = client.get(job_url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<script>" not in html  # no inline script (CSP): the page's JS is a file
    assert "js/badges/job.js" in html
    with app.app_context():
        [job] = db.session.scalars(select(Job)).all()
    status = client.get(f"/admin/badges/jobs/{job.id}/status").get_json()
    assert status["status"] == "done"
    assert (status["done"], status["total"], status["percent"]) == (5, 5, 100)
    assert status["download_url"] == f"/admin/badges/jobs/{job.id}/badges.pdf"
    download = client.get(status["download_url"])
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    pdf = download.get_data()
    assert page_count(pdf) == 2
    claims = [
        tokens.verify(t, public_key=forum.public_key) for page in decode_qr_codes(pdf) for t in page
    ]
    assert [c.registration_id for c in claims] == [r.id for r in registrations]
    with app.app_context():
        prints = db.session.scalars(select(BadgePrint)).all()
        assert sorted(p.registration_id for p in prints) == [r.id for r in registrations]
        assert {p.job_id for p in prints} == {job.id}
        assert db.session.get(Job, job.id).result_path == f"jobs/{job.id}/badges-{job.id}.pdf"
    # Nothing generated is left in the instance folder (another app server could not serve it).
    assert sorted(p.name for p in Path(app.instance_path).iterdir()) == []
    # The batch list shows it, with its download.
    assert status["download_url"] in client.get("/admin/badges").get_data(as_text=True)


def test_an_empty_selection_is_a_form_error(app, client, login, forum, make_registration, submit):
    make_registration(forum)
    login(Role.ADMIN)
    response = submit(
        "/admin/badges", {"layout": "a6", "order": "family_name", "category": "press"}, headers=EN
    )
    assert response.status_code == 200
    assert "No confirmed registration matches this selection." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Job)).all() == []


def test_only_organisers_reprint_a_whole_batch(
    app, client, login, forum, make_registration, submit
):
    make_registration(forum)
    login(Role.DESK)
    response = submit(
        "/admin/badges", {"layout": "a6", "order": "family_name", "reprint": "y"}, headers=EN
    )
    assert response.status_code == 200
    assert "Only organisers may reprint a whole batch." in response.get_data(as_text=True)


@pytest.mark.parametrize("store", ["database", "shared folder"])
def test_a_batch_made_by_one_server_downloads_from_another(
    make_app, forum, make_registration, make_staff, tmp_path, monkeypatch, store
):
    """Two app servers with instance folders of their own; the worker's PDF is in the file store."""
    shared = {"FILES_PATH": str(tmp_path / "files")} if store == "shared folder" else {}
    first = make_app(**shared)
    monkeypatch.setenv("MARUF_INSTANCE_PATH", str(tmp_path / "other-instance"))
    second = make_app(**shared)
    assert first.instance_path != second.instance_path
    make_registration(forum)
    staff = make_staff(Role.DESK)
    with first.app_context():
        job_id = batches.start_batch_job(
            forum.id, batches.Selection(), layout="a6", staff_user_id=None
        ).id
        batches.run_batch_job(job_id)
    client = second.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"csrf_token": csrf_from(page), "email": staff.email, "password": staff.password},
    )
    download = client.get(f"/admin/badges/jobs/{job_id}/badges.pdf")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == f"attachment; filename=badges-{job_id}.pdf"
    assert page_count(download.get_data()) == 1
    for app in (first, second):
        assert list(Path(app.instance_path).iterdir()) == []


def test_job_pages_of_unknown_jobs_are_404(client, login, forum):
    login(Role.DESK)
    assert client.get("/admin/badges/jobs/12345").status_code == 404
    assert (
        client.get(
            "/admin/badges/jobs/12345/status", headers={"Accept": "application/json"}
        ).status_code
        == 404
    )
    assert client.get("/admin/badges/jobs/12345/badges.pdf").status_code == 404


def test_a_failed_job_reports_why(app, client, login, forum, make_registration):
    registration = make_registration(forum)
    staff = login(Role.ADMIN)
    with app.app_context():
        job = batches.start_batch_job(
            forum.id, batches.Selection(), layout="a6", staff_user_id=staff.id
        )
        job_id = job.id
        # The only person cancels before the worker gets to the job.
        db.session.get(Registration, registration.id).status = RegistrationStatus.CANCELLED
        db.session.commit()
        batches.run_batch_job(job_id)
    status = client.get(f"/admin/badges/jobs/{job_id}/status").get_json()
    assert status["status"] == "failed"
    assert "No confirmed registration matches" in status["error"]
    assert status["download_url"] is None


# --- settings and preview ----------------------------------------------------------------------

PNG = (  # a real 1 × 1 PNG: logos are decoded and re-encoded on upload
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00:~\x9bU"
    b"\x00\x00\x00\nIDATx\x9cc`\x00\x00\x00\x02\x00\x01H\xaf\xa4q\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _settings(client, data, **files):
    page = client.get("/admin/badges/settings", headers=EN)
    assert page.status_code == 200
    payload = {
        "csrf_token": csrf_from(page.get_data(as_text=True)),
        "colour": "#112233",
        "participant": "#2e7d32",
        "speaker": "#aa0000",
        "moderator": "#6a1b9a",
        "press": "#ef6c00",
        "vip": "#b8860b",
        "staff": "#00838f",
        **data,
        **files,
    }
    return client.post(
        "/admin/badges/settings", data=payload, headers=EN, content_type="multipart/form-data"
    )


def test_organisers_set_colours_and_a_logo(app, client, login, forum):
    login(Role.ADMIN)
    logo = (io.BytesIO(PNG), "logo.png")
    response = _settings(client, {}, logo=logo)
    assert response.status_code == 303
    with app.app_context():
        saved = db.session.get(Forum, forum.id)
        assert saved.colour == "#112233"
        assert saved.badge_colours["speaker"] == "#aa0000"
        # Stored as a PNG (re-encoded: no metadata travels with it).
        assert saved.logo.startswith(b"\x89PNG") and saved.logo_type == "image/png"
        assert services.band_colours(saved)["speaker"] == "#aa0000"
        assert db.session.scalars(
            select(AuditLog).where(AuditLog.action == "forum.badge_settings")
        ).first()
    response = _settings(client, {"remove_logo": "y"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Forum, forum.id).logo is None


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (b"GIF89a" + b"\x00" * 20, "must be a PNG, JPEG or SVG"),
        (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "a">]><svg/>', "DOCTYPE"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (services.LOGO_MAX_BYTES + 10), "too large"),
    ],
)
def test_bad_logos_are_refused(app, client, login, forum, upload, message):
    login(Role.ADMIN)
    response = _settings(client, {}, logo=(io.BytesIO(upload), "logo.bin"))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Forum, forum.id).logo is None


def test_a_bad_colour_is_a_form_error(client, login, forum):
    login(Role.ADMIN)
    response = _settings(client, {"speaker": "red"})
    assert response.status_code == 200
    assert "#1a2b3c" in response.get_data(as_text=True)


def test_the_desk_may_not_change_settings(client, login, forum):
    login(Role.DESK)
    assert client.get("/admin/badges/settings").status_code == 403


@needs_poppler
def test_preview_shows_sample_badges_and_stores_nothing(app, client, login, forum):
    login(Role.DESK)
    response = client.get("/admin/badges/preview.pdf?layout=a4-4up")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert page_count(response.get_data()) == 1
    assert len(decode_qr_codes(response.get_data())[0]) == len(services.SAMPLES)
    with app.app_context():
        assert db.session.scalars(select(Registration)).all() == []


def test_personal_downloads_are_rate_limited(make_app, forum, make_registration):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_BADGE="2 per minute")
    client = app.test_client()
    registration = make_registration(forum)
    codes = [client.get(f"/r/{registration.manage_token}/badge.pdf").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


@pytest.mark.slow
def test_badges_render_in_parallel_threads(live_server, forum, make_registration):
    """A threaded web server renders several badges at once (each thread has its own fonts)."""
    from concurrent.futures import ThreadPoolExecutor
    from urllib.request import urlopen

    links = [make_registration(forum).manage_token for _ in range(6)]

    def download(link):
        with urlopen(f"{live_server}/r/{link}/badge.pdf", timeout=60) as response:  # noqa: S310
            return response.status, response.read()[:5]

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(download, links))
    assert results == [(200, b"%PDF-")] * 6
