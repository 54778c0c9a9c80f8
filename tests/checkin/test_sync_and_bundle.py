"""Offline sync (batch), concurrency, the offline bundle, live counts, people search, manual admission."""

from __future__ import annotations

import gzip
import json
import threading
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select

from maruf_reg import badge_tokens as tokens
from maruf_reg.extensions import db
from maruf_reg.models import Category, Outcome, RegistrationStatus, Scan, Seat, SeatStatus
from tests.checkin.conftest import now_iso, running_now


def _item(token, point, **fields):
    return {
        "token": token,
        "point": point.id,
        "uuid": str(uuid.uuid4()),
        "scanned_at": now_iso(),
        "device": "offline phone",
        **fields,
    }


def _batch(client, door_token, items):
    return client.post(
        "/api/v1/scans/batch",
        json={"scans": items},
        headers={"Authorization": f"Bearer {door_token}"},
    )


@pytest.fixture
def door(forum, make_point):
    return make_point(forum, name="Ana Giriş", counts_exit=True)


def test_batch_with_duplicates_inside_and_against_earlier_scans(
    app, client, door_token, scan, forum, door, make_registration, badge
):
    ali, zeynep = make_registration(forum), make_registration(forum)
    earlier = _item(badge(forum, ali), door)
    first = scan(earlier["token"], door, uuid=earlier["uuid"])
    assert first.get_json()["outcome"] == "admitted"
    fresh = _item(badge(forum, zeynep), door, offline=True, forced=True)
    items = [earlier, fresh, dict(fresh), _item("garbage", door)]
    response = _batch(client, door_token, items)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    results = json.loads(body)["results"]
    assert [r["outcome"] for r in results] == ["admitted", "admitted", "admitted", "invalid"]
    # Each answer is the stored one, byte for byte, in the batch as for a single replay.
    assert first.get_data(as_text=True) in body
    assert body.count(json.dumps(results[1], ensure_ascii=False, separators=(",", ":"))) == 2
    again = _batch(client, door_token, items)  # the device retries the whole batch
    assert again.get_data() == response.get_data()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Scan)) == 3
        offline = db.session.scalars(select(Scan).where(Scan.uuid == fresh["uuid"])).one()
        assert offline.offline and offline.outcome == Outcome.ADMITTED and not offline.forced


def test_batch_refuses_a_malformed_item_whole_and_names_it(client, door_token, door):
    items = [_item("X", door), {"token": "X", "point": door.id}]
    response = _batch(client, door_token, items)
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("scans[1]: ")
    unknown_point = _batch(
        client, door_token, [_item("X", door), {**_item("X", door), "point": 9999}]
    )
    assert unknown_point.status_code == 404
    assert unknown_point.get_json()["error"].startswith("scans[1]: ")


@pytest.mark.parametrize("body", [b"[]", b'{"scans": {}}', b'{"items": []}', b"nope"])
def test_batch_needs_an_object_with_a_list(client, door_token, body):
    response = client.post(
        "/api/v1/scans/batch",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {door_token}"},
    )
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_batch_of_too_many_scans_is_refused(client, door_token, door):
    items = [_item("X", door) for _ in range(1001)]
    assert _batch(client, door_token, items).status_code == 400


def _post(url, body, token):
    """POST JSON to a real server; (status, body bytes)."""
    request = urllib.request.Request(  # noqa: S310 (loopback)
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
        return response.status, response.read()


def _concurrent_scans(base_url, token, badge_token, point_id, count):
    barrier = threading.Barrier(count)

    def one(_n):
        body = {
            "token": badge_token,
            "point": point_id,
            "uuid": str(uuid.uuid4()),
            "scanned_at": now_iso(),
            "device": f"device {_n}",
        }
        barrier.wait()
        status, answer = _post(f"{base_url}/api/v1/scans", body, token)
        assert status == 200, answer
        return json.loads(answer)["outcome"]

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def test_two_devices_at_the_same_instant_admit_once(
    app, live_server, door_token, forum, make_point, make_registration, badge
):
    door_a = make_point(forum, name="Kapı A")
    registration = make_registration(forum)
    outcomes = _concurrent_scans(live_server, door_token, badge(forum, registration), door_a.id, 8)
    assert outcomes.count("admitted") == 1
    assert outcomes.count("already_in") == 7
    with app.app_context():
        admitted = db.session.scalar(select(func.count()).where(Scan.outcome == Outcome.ADMITTED))
    assert admitted == 1


def test_replays_racing_each_other_store_one_row(
    app, live_server, door_token, door, forum, make_registration, badge
):
    registration = make_registration(forum)
    body = _item(badge(forum, registration), door)
    barrier = threading.Barrier(6)

    def send(_n):
        barrier.wait()
        return _post(f"{live_server}/api/v1/scans", body, door_token)[1]

    with ThreadPoolExecutor(6) as pool:
        answers = set(pool.map(send, range(6)))
    assert len(answers) == 1
    assert json.loads(answers.pop())["outcome"] == "admitted"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Scan)) == 1


def test_bundle_verifies_a_real_badge_with_its_public_key_alone(
    app, client, door_token, forum, make_point, make_session, make_registration, make_person, badge
):
    session = make_session(forum, needs_booking=True, **running_now())
    point = make_point(
        forum, name="Salon A", session=session, categories=["participant", "speaker"]
    )
    seated = make_registration(forum, make_person(given_name="Łukasz", family_name="Öztürk"))
    reprinted = make_registration(forum, badge_serial=3)
    cancelled = make_registration(forum, status=RegistrationStatus.CANCELLED)
    with app.app_context():
        db.session.add(
            Seat(registration_id=seated.id, session_id=session.id, status=SeatStatus.BOOKED)
        )
        db.session.commit()
    response = client.get(
        f"/api/v1/points/{point.id}/bundle",
        headers={"Authorization": f"Bearer {door_token}", "Accept-Encoding": "gzip"},
    )
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    data = json.loads(gzip.decompress(response.get_data()))
    assert data["point"] == {
        "id": point.id,
        "name": "Salon A",
        "kind": "session",
        "session": session.id,
        "categories": ["participant", "speaker"],
        "counts_exit": False,
    }
    assert {"id": seated.id, "name": "Łukasz Öztürk", "category": "participant",
            "organisation": "Marmara Belediyeler Birliği"} in data["people"]  # fmt: skip
    assert cancelled.id not in {p["id"] for p in data["people"]}
    assert {"id": reprinted.id, "serial": 3} in data["revoked"]
    assert {"id": cancelled.id, "serial": None} in data["revoked"]
    assert data["allowed"] == [seated.id]
    # Offline: the badge's signature checks out with the bundle's public key and nothing else.
    token = badge(forum, seated)
    raw = tokens.normalise(token)
    decoded = __import__("base64").b32decode(raw + "=" * (-len(raw) % 8))
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(data["public_key"]))
    key.verify(decoded[8:], b"MARUF-BADGE" + decoded[:8])  # raises if it does not verify
    assert (
        tokens.verify(token, public_key=bytes.fromhex(data["public_key"])).registration_id
        == seated.id
    )


def test_points_list_and_live_counts(
    client, door_token, make_api_token, scan, forum, door, make_registration, badge
):
    ali, zeynep = make_registration(forum), make_registration(forum)
    scan(badge(forum, ali), door)
    scan(badge(forum, zeynep), door)
    scan(badge(forum, zeynep), door)  # already in
    scan(badge(forum, zeynep), door, direction="out")
    auth = {"Authorization": f"Bearer {door_token}"}
    listed = client.get("/api/v1/points", headers=auth).get_json()
    assert listed == [
        {"id": door.id, "name": "Ana Giriş", "kind": "entrance", "session": None,
         "categories": [], "counts_exit": True}
    ]  # fmt: skip
    counts = client.get(f"/api/v1/points/{door.id}/counts", headers=auth).get_json()
    assert counts["admitted_today"] == 2
    assert counts["inside_now"] == 1
    assert [s["outcome"] for s in counts["last_scans"]] == [
        "exited", "already_in", "admitted", "admitted"
    ]  # fmt: skip
    # Every point's counts are for the desk and organisers; the door sees its own.
    assert client.get("/api/v1/counts", headers=auth).status_code == 403
    desk = {"Authorization": f"Bearer {make_api_token('desk')}"}
    every = client.get("/api/v1/counts", headers=desk).get_json()
    assert every["points"][0]["inside_now"] == 1
    assert client.get("/api/v1/points/9999/counts", headers=auth).status_code == 404
    assert client.get("/api/v1/points/9999/bundle", headers=auth).status_code == 404


def test_people_search_is_accent_and_case_insensitive(
    client, make_api_token, forum, make_registration, make_person
):
    make_registration(forum, make_person(given_name="Ayşe", family_name="Öztürk"))
    make_registration(
        forum, make_person(given_name="İlkay", family_name="Işık", organisation="İBB")
    )
    make_registration(forum, make_person(given_name="محمد", family_name="الحلبي"))
    auth = {"Authorization": f"Bearer {make_api_token('desk')}"}

    def names(q):
        response = client.get("/api/v1/people", query_string={"q": q}, headers=auth)
        assert response.status_code == 200
        return [p["name"] for p in response.get_json()["people"]]

    assert names("Ozturk") == ["Ayşe Öztürk"]
    assert names("AYSE ozt") == ["Ayşe Öztürk"]
    assert names("ilkay isik") == ["İlkay Işık"]
    assert names("ibb") == ["İlkay Işık"]
    assert names("الحلبي") == ["محمد الحلبي"]
    assert names("100%") == []
    assert names("") == []
    door = {"Authorization": f"Bearer {make_api_token('door')}"}
    assert client.get("/api/v1/people?q=ayse", headers=door).status_code == 403
    assert client.get("/api/v1/people?q=ayse").status_code == 401


def test_manual_admission_at_the_desk(
    app, client, login, forum, door, make_registration, make_person
):
    person = make_person(given_name="Çağrı", family_name="Şahin")
    registration = make_registration(forum, person, category=Category.PRESS)
    login("desk")
    page = client.get("/checkin/desk?q=cagri", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Çağrı Şahin" in html
    from tests.conftest import csrf_from

    response = client.post(
        f"/checkin/desk/{registration.id}/admit",
        data={"csrf_token": csrf_from(html), "point": door.id, "q": "cagri"},
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )
    assert "Çağrı Şahin admitted." in response.get_data(as_text=True)
    again = client.post(
        f"/checkin/desk/{registration.id}/admit",
        data={"csrf_token": csrf_from(html), "point": door.id},
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )
    assert "already in" in again.get_data(as_text=True)
    with app.app_context():
        row = db.session.scalars(select(Scan).order_by(Scan.id)).first()
        assert row.manual and row.outcome == Outcome.ADMITTED and row.serial is None
        assert row.registration_id == registration.id
