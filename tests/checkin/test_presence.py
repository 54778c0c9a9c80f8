"""One rule for who is inside (maruf_reg/checkin/presence.py), in every form it takes.

The same scans — entries, exits, repeats, two doors, a refused badge, offline scans synced late —
go through the scan path (the JSON API), and then the live counts, the offline bundle, the reports
and the scanner's JavaScript copy (static/js/checkin/presence.js) are asked who is inside and who
attended. Every answer is compared with what a person working it out by hand finds.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from maruf_reg.checkin.bundle import bundle
from maruf_reg.checkin.counts import live_counts
from maruf_reg.checkin.presence import Presence
from maruf_reg.extensions import db
from maruf_reg.models import Forum, PointKind, RegistrationStatus
from maruf_reg.reports import attendance, certificates, services
from tests.conftest import one_forum_day

ROOT = Path(__file__).resolve().parents[2]
ISTANBUL = ZoneInfo("Europe/Istanbul")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.fixture
def today_forum(make_forum):
    today = datetime.now(ISTANBUL).date()
    return make_forum(
        slug="today", starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=1)
    )


@pytest.fixture
def door_scene(today_forum, make_session, make_point, make_registration, make_person):
    """A running forum: two entrances, a session with two doors, an exhibition, five people."""
    # The test's "now": its probes come 10 s after the last scan at most, before the session ends.
    now = one_forum_day(lookahead=timedelta(minutes=2))
    midnight = datetime.combine(now.astimezone(ISTANBUL).date(), datetime.min.time(), ISTANBUL)
    # Every scan falls between `base` and now, on today's forum day, whatever the hour.
    base = max(midnight.astimezone(UTC) + timedelta(seconds=1), now - timedelta(minutes=20))
    session = make_session(
        today_forum,
        starts_at=midnight.astimezone(UTC),
        ends_at=midnight + timedelta(hours=23, minutes=59),
        needs_booking=False,
    )
    people = {
        name: make_registration(today_forum, person=make_person(given_name=name))
        for name in ("Ali", "Zeynep", "Jürgen", "Muhammad")
    }
    people["Li"] = make_registration(
        today_forum, person=make_person(given_name="Li"), status=RegistrationStatus.CANCELLED
    )
    points = {
        "A": make_point(today_forum, name="Ana Giriş", counts_exit=True),
        "B": make_point(today_forum, name="B Kapısı"),
        "S1": make_point(today_forum, name="Salon 1 kapı 1", session=session, counts_exit=True),
        "S2": make_point(today_forum, name="Salon 1 kapı 2", session=session),
        "X": make_point(today_forum, name="Sergi", kind=PointKind.OTHER, counts_exit=True),
    }
    return {
        "forum": today_forum,
        "session": session,
        "people": people,
        "points": points,
        "base": base,
        # After the last scan (at base + 8 s), whatever the hour.
        "now": max(now, base + timedelta(seconds=10)),
    }


# (step, point, person, direction, offline): steps are seconds after `base`, in the order they
# happened; offline scans are synced after all the others.
SCANS = [
    (1, "A", "Ali", "in", False),
    (2, "B", "Zeynep", "in", False),
    (3, "A", "Ali", "in", False),  # a repeat: already in
    (4, "A", "Ali", "out", False),
    (5, "A", "Jürgen", "in", False),
    (6, "B", "Ali", "in", False),  # back in through the other door
    (7, "A", "Zeynep", "out", False),  # out through a door she did not come in by
    (8, "A", "Li", "in", False),  # cancelled: refused, moves nobody
    (1, "S1", "Ali", "in", False),
    (2, "S2", "Zeynep", "in", False),
    (3, "S1", "Jürgen", "in", False),
    (4, "S1", "Ali", "out", False),
    (5, "S1", "Zeynep", "in", False),  # came in at the other door already: already in
    (6, "S2", "Muhammad", "in", False),
    (7, "S1", "Jürgen", "out", False),
    (2, "X", "Ali", "in", False),
    (3, "X", "Ali", "out", False),
    (8, "S2", "Jürgen", "in", True),  # back in, on a phone without network
    (0, "X", "Zeynep", "in", True),  # before everybody else, synced last
]
# What working it out by hand gives.
INSIDE = {
    "entrances": {"Ali", "Jürgen"},
    "session": {"Zeynep", "Jürgen", "Muhammad"},
    "exhibition": {"Zeynep"},
}
# Per door (the live counts): (people admitted there today, people inside by that door's scans).
DOORS = {"A": (2, 1), "B": (2, 2), "X": (2, 1)}
ATTENDED = {"Ali", "Zeynep", "Jürgen", "Muhammad"}
# The session's occupancy after each change: Ali, Zeynep, Jürgen in; Ali out; Muhammad in;
# Jürgen out; Jürgen in again (offline).
OCCUPANCY = [1, 2, 3, 2, 3, 2, 3]


def _feed(client, door_token, badge, scene):
    online, offline = [], []
    for step, point, name, direction, is_offline in SCANS:
        item = {
            "token": badge(scene["forum"], scene["people"][name]),
            "point": scene["points"][point].id,
            "uuid": str(uuid.uuid4()),
            "scanned_at": _iso(scene["base"] + timedelta(seconds=step)),
            "device": "tablet",
            "direction": direction,
            "offline": is_offline,
        }
        (offline if is_offline else online).append(item)
    online.sort(key=lambda item: item["scanned_at"])
    headers = {"Authorization": f"Bearer {door_token}"}
    outcomes = []
    for item in online:
        outcomes.append(
            client.post("/api/v1/scans", json=item, headers=headers).get_json()["outcome"]
        )
    synced = client.post("/api/v1/scans/batch", json={"scans": offline}, headers=headers).get_json()
    outcomes += [answer["outcome"] for answer in synced["results"]]
    return outcomes


def _names(scene, ids):
    by_id = {registration.id: name for name, registration in scene["people"].items()}
    return {by_id[i] for i in ids}


def test_every_form_of_the_rule_finds_the_same_people_inside(
    app, client, door_token, badge, door_scene
):
    scene = door_scene
    outcomes = _feed(client, door_token, badge, scene)
    assert outcomes.count("already_in") == 2 and outcomes.count("revoked") == 1
    points = scene["points"]
    with app.app_context():
        forum = db.session.get_one(Forum, scene["forum"].id)
        # The offline bundle: who is inside in each point's scope.
        now = scene["now"]
        bundles = {key: bundle(points[key].id, now=now) for key in ("A", "B", "S1", "S2", "X")}
        # The live counts at each door.
        live = live_counts(forum, [points[key].id for key in DOORS], now=now, last=0)
        # The reports: the venue's entrances today, and the session.
        venue = services.entrance_figures(forum, now=now)
        report = attendance.session_report(forum, scene["session"].id)
        attended = {
            name
            for name, registration in scene["people"].items()
            if scene["session"].id
            in {s.id for s in certificates.attended_sessions(registration.id)}
        }
    assert (
        _names(scene, bundles["A"]["inside"])
        == _names(scene, bundles["B"]["inside"])
        == INSIDE["entrances"]
    )
    assert (
        _names(scene, bundles["S1"]["inside"])
        == _names(scene, bundles["S2"]["inside"])
        == INSIDE["session"]
    )
    assert _names(scene, bundles["X"]["inside"]) == INSIDE["exhibition"]
    for key, expected in DOORS.items():
        answer = live[points[key].id].as_json()
        assert (answer["admitted_today"], answer["inside_now"]) == expected, key
    assert (venue.people, venue.inside) == (
        3,
        len(INSIDE["entrances"]),
    )  # Muhammad came only to the session
    assert [inside for _at, inside in report.occupancy] == OCCUPANCY
    assert (report.figures.attended, report.figures.peak) == (len(ATTENDED), 3)
    assert report.occupancy[-1][1] == len(INSIDE["session"])
    assert attended == ATTENDED

    # The scan path, last (its probes admit those who are not inside): already in ⇔ inside.
    for scope, key in (("entrances", "B"), ("session", "S2"), ("exhibition", "X")):
        for name in ("Ali", "Zeynep", "Jürgen", "Muhammad"):
            answer = client.post(
                "/api/v1/scans",
                json={
                    "token": badge(scene["forum"], scene["people"][name]),
                    "point": points[key].id,
                    "uuid": str(uuid.uuid4()),
                    "scanned_at": _iso(scene["now"]),
                    "device": "probe",
                },
                headers={"Authorization": f"Bearer {door_token}"},
            ).get_json()
            assert (answer["outcome"] == "already_in") == (name in INSIDE[scope]), (scope, name)


def _moves(scope_points):
    """The scans of a scope in the order they happened, as (person, outcome) pairs."""
    moves = []
    for _step, point, name, direction, _offline in sorted(SCANS, key=lambda scan: scan[0]):
        if point in scope_points:
            outcome = (
                "exited" if direction == "out" else ("admitted" if name != "Li" else "revoked")
            )
            moves.append((name, outcome))
    return moves


SCOPES = {"entrances": {"A", "B"}, "session": {"S1", "S2"}, "exhibition": {"X"}}


def test_the_python_fold_matches_the_hand_count():
    for scope, scope_points in SCOPES.items():
        presence: Presence[None] = Presence()
        for name, outcome in _moves(scope_points):
            presence.apply(hash(name), outcome, None)
        assert presence.inside == {hash(name) for name in INSIDE[scope]}, scope


@pytest.mark.skipif(
    shutil.which("node") is None, reason="Node.js is not installed: the JavaScript copy is not run"
)
def test_the_scanners_javascript_copy_agrees_with_python():
    cases = {scope: _moves(points) for scope, points in SCOPES.items()}
    # The same moves, and edge cases: an exit with nobody inside, a repeat after an exit.
    cases["edges"] = [
        ("Ali", "exited"),
        ("Ali", "admitted"),
        ("Ali", "already_in"),
        ("Ali", "exited"),
        ("Ali", "admitted"),
    ]
    script = (
        f"import {{ Presence }} from {json.dumps((ROOT / 'static/js/checkin/presence.js').as_uri())};\n"
        f"const cases = {json.dumps(cases)};\n"
        "const out = {};\n"
        "for (const [scope, moves] of Object.entries(cases)) {\n"
        "  const p = new Presence(); const deltas = [];\n"
        "  for (const [name, outcome] of moves) deltas.push(p.apply(name, outcome, name));\n"
        "  out[scope] = { inside: [...p.inside.keys()].sort(), deltas };\n"
        "}\n"
        "console.log(JSON.stringify(out));\n"
    )
    result = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    from_js = json.loads(result.stdout)
    for scope, moves in cases.items():
        presence: Presence[str] = Presence()
        deltas = [presence.apply(name, outcome, name) for name, outcome in moves]
        assert from_js[scope] == {"inside": sorted(presence.inside), "deltas": deltas}, scope
    assert from_js["edges"]["deltas"] == [0, 1, 0, -1, 1]
