"""Check-in throughput on a real server: scans and name searches over 50,000 demo people.

    .venv/bin/python bench/scans.py                      # SQLite (a fresh database in /tmp)
    .venv/bin/python bench/scans.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/scans.py --requests 1000      # a quicker run

It seeds a database with `flask demo --participants 50000` (PostgreSQL: a database of its own,
dropped at the end), serves the app with gunicorn (2 workers), and drives it with 8 and 32
concurrent clients (threads, one keep-alive connection each): first scans (each badge once) at an
entrance, first scans at a session's door that counts exits (the session's window and its room's
capacity are judged on every scan), repeat scans (the same badges again: already in) and name
searches; at the end it counts the stored scans against those sent (scans lost: 0). In the same run it serves a
bare Flask route doing one indexed INSERT, the same way, as the ceiling. Prints req/s and
p50/p95/p99 per case. Goals (issue 16), at 8 clients: first scans ≥ 70 % of the ceiling with
p99 ≤ 20 ms; name search p99 ≤ 25 ms. `--profile DIR` samples the workers with py-spy during the
8-client cases and prints where their time goes (the figures of such a run are not comparable).
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


# --- servers ------------------------------------------------------------------------------------


# --- load ----------------------------------------------------------------------------------------


def drive(
    port: int,
    clients: int,
    requests: list[tuple[str, str, bytes | None, dict[str, str]]],
    check: Callable[[int, bytes], bool],
    server: int | None = None,
) -> dict[str, float]:
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
    latencies.sort()
    spent: dict[str, float] = {}
    if server and cpu:
        n = max(len(latencies), 1) / 1000
        spent = {
            "server_ms": (process_cpu_seconds(server) - cpu[0]) / n,
            "pg_ms": (postgres_cpu_seconds() - cpu[1]) / n,
            "client_ms": (time.process_time() - cpu[2]) / n,
        }

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))]

    return {
        "n": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "errors": errors,
        **spent,
    }


def report(label: str, clients: int, result: dict[str, float], goal: str = "") -> None:
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
    badges: list[str], point: int, token: str
) -> list[tuple[str, str, bytes | None, dict[str, str]]]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return [
        (
            "POST",
            "/api/v1/scans",
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


def first_goal(first: dict[str, float], ceiling: dict[str, float], clients: int) -> str:
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
        seed = prepare(env, database_url, first=2 * per_case + WARM_UP)
        badges: list[str] = seed["badges"][WARM_UP:]
        warm_up: list[str] = seed["badges"][:WARM_UP]
        ok_scan = lambda status, body: status == 200  # noqa: E731
        results: dict[tuple[str, int], dict[str, float]] = {}
        with gunicorn_server("scans:ceiling_app()", env, chdir=ROOT / "bench") as (
            port,
            ceiling_server,
        ):
            warm_pings = [
                ("POST", "/ping", json.dumps({"uuid": str(uuid.uuid4())}).encode(),
                 {"Content-Type": "application/json"})
                for _ in range(WARM_UP)
            ]  # fmt: skip
            drive(port, 8, warm_pings, ok_scan)
            for clients in (8, 32):
                pings = [
                    ("POST", "/ping", json.dumps({"uuid": str(uuid.uuid4())}).encode(),
                     {"Content-Type": "application/json"})
                    for _ in range(per_case)
                ]  # fmt: skip
                results[("ceiling", clients)] = drive(
                    port, clients, pings, ok_scan, server=ceiling_server.pid
                )
                report("ceiling (1 INSERT)", clients, results[("ceiling", clients)])
        with gunicorn_server("maruf_reg:create_app()", env) as (port, server):
            # Warm both workers (imports, caches, SQLite's page cache) with badges not measured.
            drive(port, 8, scan_requests(warm_up, seed["point"], seed["door"]), ok_scan)
            warm_searches = [
                ("GET", f"/api/v1/people?q={quote(name)}", None,
                 {"Authorization": f"Bearer {seed['desk']}"})
                for name in seed["names"][:WARM_UP]
            ]  # fmt: skip
            drive(port, 8, warm_searches, lambda s, b: s == 200)
            report_memory("The app server after warm-up (scans and searches):", server.pid)
            sent = WARM_UP
            admitted = lambda s, b: s == 200 and b'"outcome":"admitted"' in b  # noqa: E731
            for clients, chunk in ((8, badges[:per_case]), (32, badges[per_case:])):
                with profiled(server.pid, options.profile if clients == 8 else None, "first"):
                    first = drive(
                        port,
                        clients,
                        scan_requests(chunk, seed["point"], seed["door"]),
                        admitted,
                        server=server.pid,
                    )
                sent += len(chunk)
                goal = first_goal(first, results[("ceiling", clients)], clients)
                report("first scans", clients, first, goal)
            # The same people at the session's door: first there (its scope is the session).
            for clients, chunk in ((8, badges[:per_case]),):
                requests = scan_requests(chunk, seed["session_point"], seed["door"])
                with profiled(server.pid, options.profile, "session-door"):
                    first = drive(port, clients, requests, admitted, server=server.pid)
                sent += len(chunk)
                goal = first_goal(first, results[("ceiling", clients)], clients)
                report("first, session door", clients, first, goal)
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
