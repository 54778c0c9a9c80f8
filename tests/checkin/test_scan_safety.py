"""The scan path's safety rules: switched-off points, odd times and skewed clocks, reused uuids."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from maruf_reg.extensions import db
from maruf_reg.models import AuditLog, CheckInPoint, Outcome, Scan
from tests.checkin.conftest import minutes_ago, now_iso


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.fixture
def door(forum, make_point):
    return make_point(forum, name="Ana Giriş", counts_exit=True)


@pytest.fixture
def ali(forum, make_registration, make_person):
    return make_registration(forum, make_person(given_name="Ali", family_name="Yılmaz"))


@pytest.fixture
def post_batch(client, door_token):
    def post(scans, **extra):
        return client.post(
            "/api/v1/scans/batch",
            json={"scans": scans, **extra},
            headers={"Authorization": f"Bearer {door_token}"},
        )

    return post


def _item(token, point, **fields):
    return {
        "token": token,
        "point": point.id,
        "uuid": str(uuid.uuid4()),
        "scanned_at": now_iso(),
        "device": "tablet",
        **fields,
    }


def _stored(app):
    with app.app_context():
        return db.session.execute(
            select(Scan.uuid, Scan.outcome, Scan.scanned_at, Scan.clock_skew).order_by(Scan.id)
        ).all()


# --- 1. inactive points ------------------------------------------------------------------------


def test_a_switched_off_point_refuses_scans_batches_and_its_bundle(
    app, client, door_token, scan, post_batch, forum, door, ali, badge
):
    with app.app_context():
        db.session.get_one(CheckInPoint, door.id).active = False
        db.session.commit()
    token = badge(forum, ali)
    single = scan(token, door).get_json()
    assert (single["outcome"], single["reason"]) == ("point_inactive", None)
    # Not even "admit anyway" opens a switched-off door.
    forced = scan(token, door, forced=True).get_json()
    assert (forced["outcome"], forced["forced"]) == ("point_inactive", False)
    synced = post_batch([_item(token, door)]).get_json()["results"]
    assert [a["outcome"] for a in synced] == ["point_inactive"]
    assert [o for _u, o, _t, _s in _stored(app)] == [Outcome.POINT_INACTIVE] * 3
    bundle = client.get(
        f"/api/v1/points/{door.id}/bundle", headers={"Authorization": f"Bearer {door_token}"}
    )
    assert bundle.status_code == 409
    assert "switched off" in bundle.get_json()["error"]


# --- 2. time sanity and skewed clocks ------------------------------------------------------------

ODD_TIMES = ["9999-12-31T12:00:00Z", "0001-01-01T00:30:00Z", "3000-01-01T00:00:00Z"]


@pytest.mark.parametrize("when", ODD_TIMES)
def test_a_single_scan_at_an_odd_time_is_refused_as_bad_time(
    app, scan, forum, door, ali, badge, when
):
    # The shared contract: every outcome is a 200 answer; `bad_time` admits nobody.
    response = scan(badge(forum, ali), door, scanned_at=when)
    assert response.status_code == 200
    answer = response.get_json()
    assert (answer["outcome"], answer["code"], answer["person"]) == ("bad_time", "bad_time", None)
    assert _stored(app) == []


def test_a_scan_from_yesterday_or_from_the_coming_hour_is_refused(
    app, scan, forum, door, ali, badge
):
    token = badge(forum, ali)
    for when in (minutes_ago(25 * 60), minutes_ago(-15)):
        assert scan(token, door, scanned_at=when).get_json()["outcome"] == "bad_time"
    assert scan(token, door, scanned_at=minutes_ago(23 * 60)).get_json()["outcome"] == "admitted"
    assert scan(token, door, scanned_at="not a time").status_code == 400


def test_odd_times_in_a_batch_are_answered_per_item_and_the_rest_is_stored(
    app, post_batch, forum, door, ali, make_registration, badge
):
    other = make_registration(forum)
    items = [_item(badge(forum, ali), door)]
    items += [_item(badge(forum, ali), door, scanned_at=when) for when in ODD_TIMES]
    items += [_item(badge(forum, ali), door, scanned_at="garbage")]
    items += [_item(badge(forum, other), door)]
    response = post_batch(items)
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r.get("code") for r in results] == [None, *["bad_time"] * 4, None]
    assert [r["outcome"] for r in results[1:-1]] == ["bad_time"] * 4  # old scanners: not admitted
    assert [results[0]["outcome"], results[-1]["outcome"]] == ["admitted", "admitted"]
    assert [row.uuid for row in _stored(app)] == [items[0]["uuid"], items[-1]["uuid"]]
    # Sent again (the scanner retrying), the same answers: nothing sticks.
    again = post_batch(items).get_json()["results"]
    assert [r.get("code") for r in again] == [r.get("code") for r in results]
    assert [again[0], again[-1]] == [results[0], results[-1]]
    assert len(_stored(app)) == 2


def test_a_device_a_day_fast_is_corrected_and_its_skew_kept(
    app, scan, post_batch, forum, door, ali, make_registration, badge
):
    now = datetime.now(UTC)
    fast = now + timedelta(days=1)
    # Its own clock says the scan was 5 minutes ago, tomorrow.
    items = [_item(badge(forum, ali), door, scanned_at=_iso(fast - timedelta(minutes=5)))]
    response = post_batch(items, sent_at=_iso(fast))
    answer = response.get_json()
    assert answer["results"][0]["outcome"] == "admitted"
    assert abs(answer["clock_skew"] - 86400) <= 5
    assert abs(int(response.headers["X-Clock-Skew"]) - 86400) <= 5
    # A single scan from a device 3 minutes slow: corrected too, skew answered.
    other = make_registration(forum)
    slow = now - timedelta(minutes=3)
    single = scan(badge(forum, other), door, scanned_at=_iso(slow), sent_at=_iso(slow))
    assert single.status_code == 200
    assert abs(int(single.headers["X-Clock-Skew"]) + 180) <= 5
    rows = _stored(app)
    assert abs(rows[0].clock_skew - 86400) <= 5 and abs(rows[1].clock_skew + 180) <= 5
    for row in rows:  # filed at the server's time, today
        assert abs((row.scanned_at - now).total_seconds()) < 6 * 60
    # A device whose clock is right within the tolerance keeps its own times.
    third = make_registration(forum)
    sent = scan(badge(forum, third), door, scanned_at=_iso(now), sent_at=_iso(now))
    assert abs(int(sent.headers["X-Clock-Skew"])) <= 5
    assert _stored(app)[-1].scanned_at == now.replace(microsecond=now.microsecond // 1000 * 1000)


def test_an_unreadable_device_clock_is_a_bad_request(scan, forum, door, ali, badge):
    response = scan(badge(forum, ali), door, sent_at="soon")
    assert response.status_code == 400
    assert "sent_at" in response.get_json()["error"]


def test_a_device_clock_reset_to_1970_is_corrected_one_decades_further_is_refused(
    app, scan, post_batch, forum, door, ali, make_registration, badge
):
    """A tablet whose battery died thinks it is 1970: its scans are filed at the server's time and
    its skew kept (on PostgreSQL too: the column holds 68 years). A clock further off than that
    cannot be a clock: 400, as an unreadable one, nothing stored."""
    now = datetime.now(UTC)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    answer = scan(badge(forum, ali), door, scanned_at=_iso(epoch), sent_at=_iso(epoch))
    assert answer.status_code == 200 and answer.get_json()["outcome"] == "admitted"
    [row] = _stored(app)
    assert abs(row.clock_skew - (epoch - now).total_seconds()) <= 5
    assert abs((row.scanned_at - now).total_seconds()) < 60
    other = badge(forum, make_registration(forum))
    for sent in ("1958-01-01T00:00:00Z", "2100-01-01T00:00:00Z"):
        single = scan(other, door, scanned_at=sent, sent_at=sent)
        assert single.status_code == 400
        assert "more than 68 years" in single.get_json()["error"]
        batch = post_batch([_item(other, door, scanned_at=sent)], sent_at=sent)
        assert batch.status_code == 400
    assert len(_stored(app)) == 1


# --- 3. idempotency that checks content ----------------------------------------------------------


def test_a_uuid_sent_again_with_other_content_is_refused_and_logged(
    app, scan, post_batch, forum, door, make_point, ali, make_registration, badge, caplog
):
    other_door = make_point(forum, name="B Kapısı")
    other = make_registration(forum)
    token = badge(forum, ali)
    key = str(uuid.uuid4())
    first = scan(token, door, uuid=key)
    assert scan(token, door, uuid=key).data == first.data  # the same: the stored answer
    with caplog.at_level(logging.WARNING, logger="maruf_reg.checkin.scans"):
        for response in (
            scan(badge(forum, other), door, uuid=key),  # another badge
            scan(token, other_door, uuid=key),  # another point
            scan(token, door, uuid=key, direction="out"),  # another direction
        ):
            assert response.status_code == 200
            assert response.get_json()["outcome"] == "uuid_conflict"
    assert sum(key in record.getMessage() for record in caplog.records) == 3
    batch = post_batch([_item(badge(forum, other), door, uuid=key), _item(token, other_door)])
    results = batch.get_json()["results"]
    assert results[0]["code"] == "uuid_conflict" and results[1]["outcome"] == "already_in"
    assert [row.uuid for row in _stored(app)].count(key) == 1


def test_a_forced_admission_is_audited(app, scan, forum, door, ali, badge):
    token = badge(forum, ali)
    scan(token, door)
    again = scan(token, door, forced=True).get_json()
    assert (again["outcome"], again["forced"], again["reason"]) == ("admitted", True, "already_in")
    with app.app_context():
        entries = db.session.scalars(select(AuditLog).where(AuditLog.action == "scan.forced"))
        assert [e.details["reason"] for e in entries] == ["already_in"]


# --- the decision's transaction ------------------------------------------------------------------


def test_a_door_scan_is_decided_on_a_connection_of_its_own(
    app, scan, forum, door, ali, badge, make_point, make_session, make_registration
):
    """A scan by token needs no ORM session: its statements run on a pooled connection, and the
    session never begins a transaction (the token and the point's rules come from the caches) —
    at an entrance, and at a session's door whose room is counted (on SQLite before the lock)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    session = make_session(
        forum, needs_booking=False, capacity=1, starts_at=datetime.now(UTC) - timedelta(minutes=5)
    )
    room = make_point(forum, name="Salon 3", session=session, counts_exit=True)
    token, other = badge(forum, ali), badge(forum, make_registration(forum))
    scan(token, door)  # the caches filled
    scan(token, room)
    begun: list[object] = []
    listener = lambda session, transaction, connection: begun.append(session)  # noqa: E731
    event.listen(Session, "after_begin", listener)
    try:
        answers = [scan(token, door).get_json(), scan(other, room).get_json()]
    finally:
        event.remove(Session, "after_begin", listener)
    assert [answer["outcome"] for answer in answers] == ["already_in", "room_full"]
    assert answers[1]["room"] == {"inside": 1, "capacity": 1}
    assert begun == []


def test_a_scan_inside_a_transaction_with_writes_is_decided_in_it(
    app, ctx, forum, door, make_person
):
    """A caller whose transaction has written (a registration flushed, not committed) has the
    scan decided in that transaction: the scan sees the registration, and both are committed
    together. (On its own connection the scan would not see it, or on SQLite wait for the
    caller's own write.)"""
    from maruf_reg import badge_tokens
    from maruf_reg.checkin.scans import process_scan
    from maruf_reg.models import Category, Forum, Registration, RegistrationStatus
    from tests.conftest import TEST_SECRET

    person = make_person(given_name="Zeynep", family_name="Kaya")
    now = datetime.now(UTC)
    registration = Registration(
        forum_id=forum.id,
        person_id=person.id,
        category=Category.PARTICIPANT,
        status=RegistrationStatus.CONFIRMED,
        manage_token=uuid.uuid4().hex,
        consent_data_at=now,
        confirmed_at=now,
    )
    db.session.add(registration)
    db.session.flush()
    token = badge_tokens.issue(
        db.session.get_one(Forum, forum.id),
        registration_id=registration.id,
        serial=registration.badge_serial,
        category=Category.PARTICIPANT,
        secret_key=TEST_SECRET,
    )
    result = process_scan(token, point_id=door.id, uuid=str(uuid.uuid4()), scanned_at=now)
    assert result.outcome == Outcome.ADMITTED
    assert not db.session().in_transaction()
    with db.engine.connect() as other:  # committed: another connection sees both
        assert other.scalar(select(Registration.id).where(Registration.id == registration.id))
        assert other.scalar(select(Scan.outcome).where(Scan.registration_id == registration.id))
