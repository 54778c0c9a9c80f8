"""A session door's window (NOT NOW) and full room (ROOM FULL): the scan path, the offline bundle,
"admit anyway", and the scanner's JavaScript copy of the rules (static/js/checkin/door_rules.js)
against the Python (maruf_reg/checkin/door_rules.py), fed the same cases."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from maruf_reg.checkin import door_rules
from maruf_reg.extensions import db
from maruf_reg.models import AuditLog, FullPolicy, Outcome, Scan
from tests.checkin.conftest import now_iso

ROOT = Path(__file__).resolve().parents[2]


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- the rules themselves, in Python and in JavaScript ---------------------------------------------

WINDOW = {
    "opens_at": "2030-10-01T09:30:00.000Z",
    "closes_at": "2030-10-01T11:30:00.000Z",
    "starts_at": "2030-10-01T10:00:00.000Z",
    "ends_at": "2030-10-01T11:30:00.000Z",
}
WINDOW_CASES = [
    (WINDOW, "2030-09-01T10:00:00.000Z"),  # a month early
    (WINDOW, "2030-10-01T09:29:59.999Z"),
    (WINDOW, "2030-10-01T09:30:00.000Z"),  # the door opens
    (WINDOW, "2030-10-01T10:45:00.000Z"),
    (WINDOW, "2030-10-01T11:29:59.999Z"),
    (WINDOW, "2030-10-01T11:30:00.000Z"),  # the session ended
    (WINDOW, "2030-10-01T13:30:00.000+03:00"),  # an offset, not Z: 10:30 UTC
    (None, "2030-09-01T10:00:00.000Z"),  # an entrance: no window
]
ROOM_CASES = [
    ({"capacity": 2, "policy": "refuse"}, 0),
    ({"capacity": 2, "policy": "refuse"}, 1),
    ({"capacity": 2, "policy": "refuse"}, 2),
    ({"capacity": 2, "policy": "refuse"}, 5),
    ({"capacity": 2, "policy": "warn"}, 1),
    ({"capacity": 2, "policy": "warn"}, 2),
    (None, 1000),
]


def _python_answers() -> dict[str, list[object]]:
    windows = []
    for window, at in WINDOW_CASES:
        rule = (
            door_rules.Window(**{key: _parse(value) for key, value in window.items()})
            if window
            else None
        )
        outcome = door_rules.window_outcome(rule, _parse(at))
        windows.append(outcome.value if outcome else None)
    rooms = []
    for room, inside in ROOM_CASES:
        rule = door_rules.RoomRule(room["capacity"], FullPolicy(room["policy"])) if room else None
        found = door_rules.room_outcome(rule, inside)
        rooms.append([found[0].value, found[1]] if found else None)
    return {"windows": windows, "rooms": rooms}


def test_the_python_rules_say_what_the_organiser_expects():
    answers = _python_answers()
    assert answers["windows"] == [
        "not_now",
        "not_now",
        None,
        None,
        None,
        "not_now",
        None,
        None,
    ]
    assert answers["rooms"] == [
        None,
        None,
        ["room_full", "room_full"],
        ["room_full", "room_full"],
        None,
        ["admitted", "room_full"],
        None,
    ]


@pytest.mark.skipif(
    shutil.which("node") is None, reason="Node.js is not installed: the JavaScript copy is not run"
)
def test_the_scanners_javascript_copy_agrees_with_python():
    module = (ROOT / "static/js/checkin/door_rules.js").as_uri()
    script = (
        f"import {{ roomOutcome, windowOutcome }} from {json.dumps(module)};\n"
        f"const windows = {json.dumps(WINDOW_CASES)};\n"
        f"const rooms = {json.dumps(ROOM_CASES)};\n"
        "console.log(JSON.stringify({\n"
        "  windows: windows.map(([w, at]) => windowOutcome(w, at)),\n"
        "  rooms: rooms.map(([r, inside]) => roomOutcome(r, inside)),\n"
        "}));\n"
    )
    result = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert json.loads(result.stdout) == _python_answers()


# --- the scan path ------------------------------------------------------------------------------


@pytest.fixture
def later_session(forum, make_session):
    """A session starting in two hours: its door opens 30 minutes before (the default)."""
    now = datetime.now(UTC)
    return make_session(
        forum,
        needs_booking=False,
        starts_at=now + timedelta(hours=2),
        ends_at=now + timedelta(hours=3),
        capacity=2,
    )


def test_a_session_door_says_not_now_with_the_sessions_times_and_staff_may_admit_anyway(
    app, scan, forum, make_point, make_registration, later_session, badge
):
    door = make_point(forum, name="Salon 1", session=later_session)
    token = badge(forum, make_registration(forum))
    early = scan(token, door).get_json()
    assert early["outcome"] == "not_now"
    assert early["session"]["starts_at"] == _iso(later_session.starts_at)
    assert early["session"]["ends_at"] == _iso(later_session.ends_at)
    assert early["session"]["opens_at"] == _iso(later_session.starts_at - timedelta(minutes=30))
    anyway = scan(token, door, forced=True).get_json()
    assert (anyway["outcome"], anyway["forced"], anyway["reason"]) == ("admitted", True, "not_now")
    with app.app_context():
        rows = db.session.execute(select(Scan.outcome, Scan.forced).order_by(Scan.id)).all()
        audited = db.session.scalars(
            select(AuditLog.details).where(AuditLog.action == "scan.forced")
        ).all()
    assert rows == [(Outcome.NOT_NOW, False), (Outcome.ADMITTED, True)]
    assert [entry["reason"] for entry in audited] == ["not_now"]


def test_the_window_is_set_per_point(
    app, scan, forum, make_point, make_registration, later_session, badge
):
    wide = make_point(forum, name="Salon 1 erken", session=later_session, opens_minutes=180)
    assert scan(badge(forum, make_registration(forum)), wide).get_json()["outcome"] == "admitted"


def test_a_full_room_refuses_or_warns_by_the_points_policy(
    app, scan, forum, make_point, make_registration, make_session, badge
):
    now = datetime.now(UTC)
    session = make_session(
        forum, needs_booking=False, capacity=2, starts_at=now - timedelta(minutes=10)
    )
    door = make_point(forum, name="Salon 2", session=session, counts_exit=True)
    side = make_point(
        forum,
        name="Salon 2 yan kapı",
        session=session,
        counts_exit=True,
        full_policy=FullPolicy.WARN,
    )
    people = [badge(forum, make_registration(forum)) for _ in range(4)]
    assert [scan(p, door).get_json()["outcome"] for p in people[:2]] == ["admitted", "admitted"]
    full = scan(people[2], door).get_json()
    assert full["outcome"] == "room_full" and full["room"] == {"inside": 2, "capacity": 2}
    # Somebody already inside is still "already in", not "room full".
    assert scan(people[0], door).get_json()["outcome"] == "already_in"
    # The side door warns and admits (3 inside now).
    warned = scan(people[2], side).get_json()
    assert (warned["outcome"], warned["reason"], warned["forced"]) == (
        "admitted",
        "room_full",
        False,
    )
    # Two leave: there is room again.
    scan(people[0], door, direction="out")
    scan(people[1], side, direction="out")
    assert scan(people[3], door).get_json()["outcome"] == "admitted"
    # Staff admit anyway at a full room.
    scan(people[0], door)
    anyway = scan(people[1], door, forced=True).get_json()
    assert (anyway["outcome"], anyway["reason"], anyway["forced"]) == (
        "admitted",
        "room_full",
        True,
    )


def test_a_door_without_exits_has_no_room_rule(
    forum, make_point, make_registration, make_session, scan, badge
):
    now = datetime.now(UTC)
    session = make_session(
        forum, needs_booking=False, capacity=1, starts_at=now - timedelta(minutes=5)
    )
    door = make_point(forum, name="Salon 3", session=session)
    outcomes = [
        scan(badge(forum, make_registration(forum)), door).get_json()["outcome"] for _ in "ab"
    ]
    assert outcomes == ["admitted", "admitted"]


def test_the_bundle_carries_the_window_and_the_room_rule(
    client, door_token, forum, make_point, later_session
):
    door = make_point(forum, name="Salon 1", session=later_session, counts_exit=True)
    entrance = make_point(forum, name="Giriş")
    headers = {"Authorization": f"Bearer {door_token}"}
    data = client.get(f"/api/v1/points/{door.id}/bundle", headers=headers).get_json()
    assert data["window"]["starts_at"] == _iso(later_session.starts_at)
    assert data["window"]["closes_at"] == _iso(later_session.ends_at)
    assert data["room"] == {"capacity": 2, "policy": "refuse"}
    plain = client.get(f"/api/v1/points/{entrance.id}/bundle", headers=headers).get_json()
    assert (plain["window"], plain["room"]) == (None, None)


def test_an_offline_scan_is_judged_by_the_window_of_its_own_time(
    client, door_token, forum, make_point, make_registration, make_session, badge
):
    now = datetime.now(UTC)
    session = make_session(
        forum,
        needs_booking=False,
        starts_at=now - timedelta(hours=3),
        ends_at=now - timedelta(hours=1),
    )
    door = make_point(forum, name="Salon 4", session=session)
    token = badge(forum, make_registration(forum))
    items = [
        {"token": token, "point": door.id, "uuid": u, "scanned_at": _iso(at), "device": "t"}
        for u, at in (
            ("7d4c9a0e-0000-4000-8000-000000000001", now - timedelta(hours=2)),
            ("7d4c9a0e-0000-4000-8000-000000000002", now - timedelta(minutes=30)),
        )
    ]
    results = client.post(
        "/api/v1/scans/batch",
        json={"scans": items, "sent_at": now_iso()},
        headers={"Authorization": f"Bearer {door_token}"},
    ).get_json()["results"]
    assert [r["outcome"] for r in results] == ["admitted", "not_now"]
