"""Check-in throughput on a real server: scans and name searches over 50,000 demo people.

    .venv/bin/python bench/scans.py                      # SQLite (a fresh database in /tmp)
    .venv/bin/python bench/scans.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/scans.py --requests 1000      # a quicker run

It seeds a database with `flask demo --participants 50000` (PostgreSQL: a database of its own,
dropped at the end), serves the app with gunicorn (2 workers), and drives it with 8 and 32
concurrent clients (threads, one keep-alive connection each): first scans (each badge once) at an
entrance, first scans at a session's door that counts exits (the session's window and its room's
capacity are judged on every scan), repeat scans (the same badges again: already in) and name
searches; at the end it counts the stored scans against those sent (scans lost: 0). Beside it
runs, served the same way, a bare Flask route doing one indexed INSERT as the ceiling, and a bare
first scan that keeps every guarantee and nothing else as the floor (`floor_app`: the badge's
signature, the lock, the person's moves, the stored answer; other badges than the app's): what a
scan costs on this stack before any of MARUF-Reg's own code. First scans are measured in six
slices taking turns with the ceiling's and the floor's (`interleaved`), so that a machine whose
speed drifts during the run weighs on all three alike. Prints req/s and p50/p95/p99 per case,
first scans against both. Goals (issue 16), at 8 clients: first scans ≥ 70 % of the
ceiling with p99 ≤ 20 ms; name search p99 ≤ 25 ms. `--profile DIR` samples the workers with
py-spy during the 8-client cases and prints where their time goes (the figures of such a run are
not comparable).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import secrets
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from common import (
    flask,
    gunicorn_server,
    postgres_cpu_seconds,
    postgres_database,
    process_cpu_seconds,
    profiled,
    report_memory,
    signed_badges,
)

ROOT = Path(__file__).resolve().parent.parent

SECRET = "bench-" + secrets.token_hex(16)
PARTICIPANTS = 50_000
#: requests sent before the measured ones, to warm the server's workers
WARM_UP = 400


# --- the ceiling: a bare Flask route doing one indexed INSERT -------------------------------------


def ceiling_app() -> Any:
    """A tiny app served like the real one: POST /ping inserts one row with a unique uuid."""
    from flask import Flask, request
    from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine, event
    from sqlalchemy.exc import DatabaseError

    url = os.environ["CEILING_DATABASE_URL"]
    engine = create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            connection.isolation_level = None
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
                connection.execute(f"PRAGMA {pragma}")

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    metadata = MetaData()
    pings = Table(
        "pings",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("uuid", String(64), unique=True),
        Column("at", DateTime),
    )
    # The other worker may create it at the same moment (PostgreSQL).
    with contextlib.suppress(DatabaseError):
        metadata.create_all(engine)
    app = Flask("ceiling")

    @app.post("/ping")
    def ping() -> Any:
        body = request.get_json()
        with engine.begin() as connection:
            connection.execute(pings.insert().values(uuid=body["uuid"], at=datetime.now(UTC)))
        return {"ok": True}

    return app


# --- the floor: what a first scan cannot skip, as bare as the ceiling ----------------------------


def floor_app() -> Any:
    """POST /scan: a first scan at the entrance with every guarantee kept and nothing else, written
    as barely as the ceiling (Flask, SQLAlchemy Core statements built once, the same driver).

    It checks the bearer token against the door token's digest, verifies the badge's Ed25519
    signature, and in one transaction that holds the write lock (SQLite: queued on a lock file,
    then `BEGIN IMMEDIATE`; PostgreSQL: the registration's row locked `FOR UPDATE`) reads the
    holder, reads the person's moves at the entrances that day, decides (admitted or already in),
    stores the scan with its uuid, fingerprint and JSON answer, and commits; it answers that JSON.
    What it leaves out is what MARUF-Reg adds around the guarantees: the token table and its cache,
    the point's rules read from the database, the request's language, user and id, the security
    headers, the answer's every field and reason, the checks of each field with their messages.
    Environment: MARUF_DATABASE_URL (the seeded database), FLOOR_TOKEN (the door's bearer token),
    FLOOR_POINT (the entrance's id).
    """
    import fcntl
    import hashlib
    import hmac

    from flask import Flask, Response, request
    from sqlalchemy import bindparam, create_engine, event, insert, select
    from sqlalchemy.exc import IntegrityError

    sys.path.insert(0, str(ROOT))
    from maruf_reg import badge_tokens
    from maruf_reg.models import CheckInPoint, Forum, Person, PointKind, Registration, Scan

    url = os.environ["MARUF_DATABASE_URL"]
    sqlite = url.startswith("sqlite")
    engine = create_engine(url, connect_args={"timeout": 30} if sqlite else {})
    if sqlite:
        lock_path = url.removeprefix("sqlite:///") + ".floor-lock"

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, record: Any) -> None:
            connection.isolation_level = None
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
                connection.execute(f"PRAGMA {pragma}")
            record.info["lock"] = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            # Writers queue on the lock file; the kernel wakes the next at once. (The app's do
            # too, within a time limit: a short poll first, then a helper thread.)
            fcntl.flock(connection.connection.info["lock"], fcntl.LOCK_EX)
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        def _end_then_unlock(end: str) -> Any:
            def handler(connection: Any) -> None:
                try:
                    getattr(connection.connection.dbapi_connection, end)()
                finally:
                    fcntl.flock(connection.connection.info["lock"], fcntl.LOCK_UN)

            return handler

        event.listen(engine, "commit", _end_then_unlock("commit"))
        event.listen(engine, "rollback", _end_then_unlock("rollback"))

    registrations, people, scans_, points = (
        Registration.__table__, Person.__table__, Scan.__table__, CheckInPoint.__table__
    )  # fmt: skip
    with engine.connect() as connection:
        forum = connection.execute(select(Forum.__table__)).one()
    entrance = int(os.environ["FLOOR_POINT"])
    zone = ZoneInfo(forum.timezone)
    door = hashlib.sha256(os.environ["FLOOR_TOKEN"].encode()).digest()
    holder_query = (
        select(
            registrations.c.id, registrations.c.category, registrations.c.status,
            registrations.c.badge_serial, people.c.given_name, people.c.family_name,
            people.c.organisation, people.c.country,
        )
        .select_from(registrations.join(people, people.c.id == registrations.c.person_id))
        .where(registrations.c.id == bindparam("id"), registrations.c.forum_id == forum.id)
        .with_for_update(of=registrations)
    )  # fmt: skip
    moves_query = (
        select(scans_.c.outcome, scans_.c.scanned_at, scans_.c.point_id, scans_.c.device)
        .select_from(scans_.join(points, points.c.id == scans_.c.point_id))
        .where(
            scans_.c.registration_id == bindparam("id"),
            (scans_.c.outcome == "admitted") | (scans_.c.outcome == "exited"),
            scans_.c.scanned_at >= bindparam("start"),
            scans_.c.scanned_at < bindparam("end"),
            points.c.forum_id == forum.id,
            points.c.kind == PointKind.ENTRANCE,
        )
        .order_by(scans_.c.scanned_at, scans_.c.id)
    )
    store = insert(Scan)
    app = Flask("floor")

    def refuse(status: int) -> Response:
        return Response('{"error":"refused"}', status, content_type="application/json")

    @app.post("/scan")
    def scan() -> Response:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(hashlib.sha256(given.encode()).digest(), door):
            return refuse(401)
        body = request.get_json()
        try:
            token, uuid_, device = str(body["token"]), str(uuid.UUID(body["uuid"])), body["device"]
            if int(body["point"]) != entrance:
                return refuse(404)
            scanned_at = datetime.fromisoformat(body["scanned_at"]).astimezone(UTC)
            claims = badge_tokens.verify(token, public_key=forum.public_key)
        except (KeyError, TypeError, ValueError, badge_tokens.BadTokenError):
            return refuse(400)
        day = datetime.combine(scanned_at.astimezone(zone).date(), datetime.min.time(), zone)
        start, end = day.astimezone(UTC), (day + timedelta(days=1)).astimezone(UTC)
        digest = hashlib.sha256(f"{token}|{entrance}|in".encode()).hexdigest()[:32]
        try:
            with engine.begin() as connection:
                holder = connection.execute(holder_query, {"id": claims.registration_id}).first()
                if holder is None or holder.status != "confirmed":
                    return refuse(409)
                if holder.badge_serial != claims.serial:
                    return refuse(409)
                inside = None
                for move in connection.execute(
                    moves_query, {"id": holder.id, "start": start, "end": end}
                ):
                    inside = move if move.outcome == "admitted" and inside is None else (
                        None if move.outcome == "exited" else inside
                    )  # fmt: skip
                answer = json.dumps(
                    {
                        "outcome": "admitted" if inside is None else "already_in",
                        "person": {
                            "id": holder.id, "given_name": holder.given_name,
                            "family_name": holder.family_name,
                            "category": holder.category, "organisation": holder.organisation,
                            "country": holder.country,
                        },
                        "previous": None if inside is None else {
                            "scanned_at": inside.scanned_at.isoformat(),
                            "point": inside.point_id, "device": inside.device,
                        },
                    },
                    ensure_ascii=False, separators=(",", ":"),
                )  # fmt: skip
                connection.execute(
                    store,
                    {
                        "uuid": uuid_, "point_id": entrance, "registration_id": holder.id,
                        "serial": claims.serial, "device": device, "scanned_at": scanned_at,
                        "received_at": datetime.now(UTC), "direction": "in",
                        "outcome": "admitted" if inside is None else "already_in",
                        "manual": False, "offline": False, "forced": False,
                        "response": answer, "fingerprint": digest,
                    },
                )  # fmt: skip
        except IntegrityError:
            return refuse(409)  # a uuid seen before (the app answers with the stored answer)
        return Response(answer, content_type="application/json")

    return app


# --- servers ------------------------------------------------------------------------------------


# --- load ----------------------------------------------------------------------------------------


def drive(
    port: int,
    clients: int,
    requests: list[tuple[str, str, bytes | None, dict[str, str]]],
    check: Callable[[int, bytes], bool],
    server: int | None = None,
) -> dict[str, Any]:
    """Send the requests from `clients` threads (keep-alive); latency of each, in ms. With the
    server's pid, also the CPU each request cost the server, PostgreSQL and these clients."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    cursor = iter(requests)
    barrier = threading.Barrier(clients)

    def worker() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        bad = 0
        barrier.wait()
        while True:
            with lock:
                item = next(cursor, None)
            if item is None:
                break
            method, path, body, headers = item
            began = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            mine.append((time.perf_counter() - began) * 1000)
            if not check(response.status, data):
                bad += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    cpu = (
        (process_cpu_seconds(server), postgres_cpu_seconds(), time.process_time())
        if server
        else None
    )
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    spent: dict[str, float] = {}
    if server and cpu:
        n = max(len(latencies), 1) / 1000
        spent = {
            "server_ms": (process_cpu_seconds(server) - cpu[0]) / n,
            "pg_ms": (postgres_cpu_seconds() - cpu[1]) / n,
            "client_ms": (time.process_time() - cpu[2]) / n,
        }
    return {**summary(latencies, elapsed, errors), **spent}


def summary(latencies: list[float], elapsed: float, errors: int) -> dict[str, Any]:
    """Requests over the time spent sending them, and the latencies' percentiles."""
    latencies = sorted(latencies)
    n = len(latencies)

    def pct(p: float) -> float:
        return latencies[min(n - 1, int(n * p))]

    return {
        "n": n,
        "rps": n / elapsed,
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "errors": errors,
        "elapsed": elapsed,
        "latencies": latencies,
    }


#: each interleaved case is sent in this many slices, one case's slice after the other's
SLICES = 6


def interleaved(
    clients: int,
    cases: list[
        tuple[
            int,
            list[tuple[str, str, bytes | None, dict[str, str]]],
            Callable[[int, bytes], bool],
            int,
        ]
    ],
) -> list[dict[str, Any]]:
    """Drive several servers (port, requests, check, server pid) in turn, a slice of each case's
    requests at a time, and sum each case's slices: a machine that speeds up or slows down during
    the run (seen here: the ceiling 1,715–2,008 req/s from one run to the next, the same code's
    CPU a scan 1.0–1.7 ms) weighs on every case alike, so their ratios hold."""
    parts: list[list[dict[str, Any]]] = [[] for _ in cases]
    for n in range(SLICES):
        for part, (port, requests, check, server) in zip(parts, cases, strict=True):
            size = -(-len(requests) // SLICES)
            part.append(drive(port, clients, requests[n * size : (n + 1) * size], check, server))
    return [merged(part) for part in parts]


def merged(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One case's slices as one: requests over the time spent sending them, percentiles of all
    the latencies, CPU a request weighed by each slice's requests."""
    result = summary(
        [value for part in parts for value in part["latencies"]],
        sum(part["elapsed"] for part in parts),
        sum(part["errors"] for part in parts),
    )
    n = result["n"]
    for key in ("server_ms", "pg_ms", "client_ms"):
        if all(key in part for part in parts):
            result[key] = sum(part[key] * part["n"] for part in parts) / max(n, 1)
    return result


def report(label: str, clients: int, result: dict[str, Any], goal: str = "") -> None:
    print(
        f"{label:<22} {clients:>3} clients  {result['n']:>6.0f} req  {result['rps']:>8.1f} req/s  "
        f"p50 {result['p50']:>6.1f} ms  p95 {result['p95']:>6.1f} ms  p99 {result['p99']:>6.1f} ms"
        f"  errors {result['errors']:.0f}  {goal}",
        flush=True,
    )
    if "server_ms" in result:
        print(
            f"{'':<22} CPU a request: server {result['server_ms']:.2f} ms, PostgreSQL "
            f"{result['pg_ms']:.2f} ms, the clients {result['client_ms']:.2f} ms",
            flush=True,
        )


# --- the database ---------------------------------------------------------------------------------


def prepare(env: dict[str, str], database_url: str, first: int) -> dict[str, Any]:
    """Seed the demo, make tokens and badges; returns what the load needs."""
    began = time.perf_counter()
    flask(env, "init-db")
    print(flask(env, "demo", "--participants", str(PARTICIPANTS)).splitlines()[0], flush=True)
    door = flask(env, "create-token", "--role", "door", "--name", "bench").strip().splitlines()[-1]
    desk = flask(env, "create-token", "--role", "desk", "--name", "bench").strip().splitlines()[-1]
    os.environ.update({k: v for k, v in env.items() if k.startswith("MARUF_")})
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import select

    from maruf_reg import create_app
    from maruf_reg.extensions import db
    from maruf_reg.models import (
        CheckInPoint,
        Forum,
        Person,
        PointKind,
        Registration,
        Session,
        SessionKind,
    )

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET})
    with app.app_context():
        forum = db.session.scalars(select(Forum)).one()
        entrance = db.session.scalars(
            select(CheckInPoint).where(CheckInPoint.kind == PointKind.ENTRANCE).limit(1)
        ).one()
        # A session going on now, open to every badge, whose door counts exits: the window and
        # the full-room rule (a capacity nobody reaches) are judged on every scan there.
        now = datetime.now(UTC)
        session = Session(
            forum_id=forum.id,
            kind=SessionKind.PANEL,
            title_tr="Ölçüm oturumu",
            title_en="Bench session",
            starts_at=now - timedelta(minutes=10),
            ends_at=now + timedelta(hours=4),
            capacity=PARTICIPANTS,
            needs_booking=False,
        )
        db.session.add(session)
        db.session.flush()
        session_door = CheckInPoint(
            forum_id=forum.id,
            name="Bench session door",
            kind=PointKind.SESSION,
            session_id=session.id,
            counts_exit=True,
        )
        db.session.add(session_door)
        db.session.commit()
        point_ids = {"point": entrance.id, "session_point": session_door.id}
        rows = db.session.execute(
            select(Registration.id, Registration.badge_serial, Registration.category)
            .where(Registration.status == "confirmed")
            .order_by(Registration.id)
            .limit(first)
        ).all()
        badges = signed_badges(forum, rows, SECRET)
        family = list(db.session.scalars(select(Person.family_name).limit(5000)))
        given = list(db.session.scalars(select(Person.given_name).limit(5000)))
        db.engine.dispose()
    print(f"Prepared in {time.perf_counter() - began:.1f} s: {len(badges)} badges.", flush=True)
    return {
        "door": door,
        "desk": desk,
        **point_ids,
        "badges": badges,
        "names": family + given,
    }


# --- the run ---------------------------------------------------------------------------------------


def scan_requests(
    badges: list[str], point: int, token: str, path: str = "/api/v1/scans"
) -> list[tuple[str, str, bytes | None, dict[str, str]]]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return [
        (
            "POST",
            path,
            json.dumps(
                {
                    "token": badge,
                    "point": point,
                    "uuid": str(uuid.uuid4()),
                    "scanned_at": now,
                    "device": "bench",
                }
            ).encode(),
            headers,
        )
        for badge in badges
    ]


def stored_scans(database_url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        count = int(connection.execute(text("SELECT count(*) FROM scans")).scalar_one())
    engine.dispose()
    return count


def first_goal(first: dict[str, Any], ceiling: dict[str, Any], clients: int) -> str:
    share = first["rps"] / ceiling["rps"] * 100
    if clients != 8:
        return f"[{share:.0f}% of ceiling]"
    met = first["p99"] <= 20 and share >= 70
    return f"[{share:.0f}% of ceiling; goal ≥70%, p99 ≤20 ms: {'met' if met else 'NOT met'}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--requests", type=int, default=3000, help="requests per case")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="sample the workers with py-spy during the 8-client cases; stacks in DIR",
    )
    options = parser.parse_args()
    per_case = options.requests
    work = Path(tempfile.mkdtemp(prefix="maruf-bench-"))
    (work / "instance").mkdir()
    cleanup = contextlib.ExitStack()
    if options.database_url:
        database_url = cleanup.enter_context(postgres_database(options.database_url))
        ceiling_url = cleanup.enter_context(postgres_database(options.database_url))
    else:
        database_url = f"sqlite:///{work / 'bench.sqlite3'}"
        ceiling_url = f"sqlite:///{work / 'ceiling.sqlite3'}"
    env = {
        **os.environ,
        "MARUF_INSTANCE_PATH": str(work / "instance"),
        "MARUF_SECRET_KEY": SECRET,
        "MARUF_DATABASE_URL": database_url,
        "MARUF_RATELIMIT_ENABLED": "false",
        "CEILING_DATABASE_URL": ceiling_url,
    }
    engine = "PostgreSQL" if options.database_url else "SQLite"
    print(f"Check-in bench on {engine}, {PARTICIPANTS:,} participants, gunicorn 2 workers.")
    try:
        seed = prepare(env, database_url, first=4 * per_case + 2 * WARM_UP)
        badges: list[str] = seed["badges"][WARM_UP : WARM_UP + 2 * per_case]
        warm_up: list[str] = seed["badges"][:WARM_UP]
        # The floor's badges are others: a badge it admitted would be already in for the app.
        floor_badges: list[str] = seed["badges"][WARM_UP + 2 * per_case :]
        ok_scan = lambda status, body: status == 200  # noqa: E731
        admitted = lambda s, b: s == 200 and b'"outcome":"admitted"' in b  # noqa: E731

        def pings(n: int) -> list[tuple[str, str, bytes | None, dict[str, str]]]:
            return [
                ("POST", "/ping", json.dumps({"uuid": str(uuid.uuid4())}).encode(),
                 {"Content-Type": "application/json"})
                for _ in range(n)
            ]  # fmt: skip

        floor_env = {**env, "FLOOR_TOKEN": seed["door"], "FLOOR_POINT": str(seed["point"])}
        # The three servers run side by side, each idle while another is driven; each case is
        # measured in slices taking turns with the ceiling's and the floor's (`interleaved`).
        servers = contextlib.ExitStack()
        with servers:
            ceiling_port, ceiling_server = servers.enter_context(
                gunicorn_server("scans:ceiling_app()", env, chdir=ROOT / "bench")
            )
            floor_port, floor_server = servers.enter_context(
                gunicorn_server("scans:floor_app()", floor_env, chdir=ROOT / "bench")
            )
            port, server = servers.enter_context(gunicorn_server("maruf_reg:create_app()", env))
            # Warm every worker (imports, caches, SQLite's page cache) with requests not measured.
            drive(ceiling_port, 8, pings(WARM_UP), ok_scan)
            drive(floor_port, 8, scan_requests(floor_badges[:WARM_UP], seed["point"],
                                               seed["door"], "/scan"), ok_scan)  # fmt: skip
            drive(port, 8, scan_requests(warm_up, seed["point"], seed["door"]), ok_scan)
            warm_searches = [
                ("GET", f"/api/v1/people?q={quote(name)}", None,
                 {"Authorization": f"Bearer {seed['desk']}"})
                for name in seed["names"][:WARM_UP]
            ]  # fmt: skip
            drive(port, 8, warm_searches, lambda s, b: s == 200)
            report_memory("The app server after warm-up (scans and searches):", server.pid)
            sent = 2 * WARM_UP
            floor_chunks = (
                floor_badges[WARM_UP : WARM_UP + per_case],
                floor_badges[WARM_UP + per_case :],
            )
            for clients, chunk, floor_chunk in (
                (8, badges[:per_case], floor_chunks[0]),
                (32, badges[per_case:], floor_chunks[1]),
            ):
                with profiled(server.pid, options.profile if clients == 8 else None, "first"):
                    ceiling, floor, first = interleaved(
                        clients,
                        [
                            (ceiling_port, pings(per_case), ok_scan, ceiling_server.pid),
                            (floor_port, scan_requests(floor_chunk, seed["point"], seed["door"],
                                                       "/scan"), admitted, floor_server.pid),
                            (port, scan_requests(chunk, seed["point"], seed["door"]), admitted,
                             server.pid),
                        ],
                    )  # fmt: skip
                sent += len(chunk) + len(floor_chunk)
                report("ceiling (1 INSERT)", clients, ceiling)
                share = floor["rps"] / ceiling["rps"]
                report("floor (a bare scan)", clients, floor, f"[{share:.0%} of ceiling]")
                goal = first_goal(first, ceiling, clients)
                report(
                    "first scans",
                    clients,
                    first,
                    f"{goal} [{first['rps'] / floor['rps']:.0%} of floor]",
                )
            # The same people at the session's door: first there (its scope is the session).
            for clients, chunk in ((8, badges[:per_case]),):
                requests = scan_requests(chunk, seed["session_point"], seed["door"])
                with profiled(server.pid, options.profile, "session-door"):
                    ceiling, first = interleaved(
                        clients,
                        [
                            (ceiling_port, pings(per_case), ok_scan, ceiling_server.pid),
                            (port, requests, admitted, server.pid),
                        ],
                    )
                sent += len(chunk)
                report("ceiling (1 INSERT)", clients, ceiling)
                report("first, session door", clients, first, first_goal(first, ceiling, clients))
            for clients, chunk in ((8, badges[:per_case]), (32, badges[per_case:])):
                sent += len(chunk)
                repeat = drive(
                    port,
                    clients,
                    scan_requests(chunk, seed["point"], seed["door"]),
                    lambda s, b: s == 200 and b'"outcome":"already_in"' in b,
                )
                report("repeat scans", clients, repeat)
            rng = random.Random(2019)
            headers = {"Authorization": f"Bearer {seed['desk']}"}
            for clients in (8, 32):
                searches = [
                    ("GET", f"/api/v1/people?q={quote(rng.choice(seed['names']))}", None, headers)
                    for _ in range(per_case)
                ]
                with profiled(server.pid, options.profile if clients == 8 else None, "search"):
                    result = drive(
                        port, clients, searches, lambda s, b: s == 200, server=server.pid
                    )
                goal = ""
                if clients == 8:
                    met = result["p99"] <= 25
                    goal = f"[goal p99 ≤25 ms: {'met' if met else 'NOT met'}]"
                report("name search", clients, result, goal)
        lost = sent - stored_scans(database_url)
        print(f"scans sent {sent}, stored {sent - lost}: scans lost {lost}", flush=True)
    finally:
        cleanup.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
