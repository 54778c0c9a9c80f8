"""Where a request's CPU goes, by library: a first scan, the ceiling's one-INSERT route, a sign-up.

    .venv/bin/python bench/breakdown.py                  # SQLite (a fresh database in /tmp)
    .venv/bin/python bench/breakdown.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

The requests run in this process, straight through the app's WSGI callable (no HTTP server, no
socket: what gunicorn adds is the server's CPU a request in `scans.py` minus the figure here). It
seeds a demo forum (5,000 people), then for each case times N requests without a profiler (the
CPU a request, and PostgreSQL's), and N more under cProfile, and splits the profiled time by
where each function lives: this project's code, Flask, Werkzeug, the Flask extensions,
SQLAlchemy, the database driver (the time inside its C calls included: SQLite's own work happens
there), cryptography, the standard library; a built-in (isinstance, dict.get …) counts for the
code that called it; the time spent waiting for PostgreSQL's replies is set apart. The split is
scaled to the unprofiled CPU a request (cProfile slows Python calls more than C ones: read the
shares as approximate).
On PostgreSQL it also counts the round trips a request makes (libpq's trace: BEGIN, COMMIT and
each statement end with the server's "ready for query"). The cases: a first scan at an entrance
(bearer token, Ed25519 badge, the decision's statements, the stored answer), a name search at
the desk (`/api/v1/people?q=`, a demo name, as `scans.py` asks), the bench's ceiling
(`scans.ceiling_app`: a JSON body and one INSERT), and a sign-up as a browser does it (GET
/register, then POST with the CSRF token, the cookie and 0–3 sessions).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import pstats
import random
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from common import browser_sign_up, environ, postgres_cpu_seconds, postgres_database, wsgi

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = 5000

#: (group, test on a pstats key's file and function name), first match wins
WAITING = "(waiting for PostgreSQL: wall time, not CPU)"
ROUND_TRIPS = "(round trips to PostgreSQL)"
#: libpq's trace of every PostgreSQL connection this process opens: each round trip ends with the
#: server's ReadyForQuery message (BEGIN, COMMIT and each statement alike)
ROUND_TRIP_LOG = Path(tempfile.mkstemp(prefix="maruf-breakdown-", suffix=".trace")[1])


def trace_postgresql() -> None:
    """Have libpq log the messages of every PostgreSQL connection opened from now on."""
    from sqlalchemy import Engine, event

    log = ROUND_TRIP_LOG.open("a")  # kept open for the process's life

    @event.listens_for(Engine, "connect")
    def _trace(dbapi_connection: Any, _record: Any) -> None:
        pgconn = getattr(dbapi_connection, "pgconn", None)
        if pgconn is not None:
            from psycopg import pq

            pgconn.trace(log.fileno())
            pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)


GROUPS: list[tuple[str, Callable[[str, str], bool]]] = [
    # psycopg's Connection.wait: the query sent, it waits for the reply (and reads it).
    (WAITING, lambda f, n: ("psycopg/connection.py" in f and n == "wait") or "waiting.py" in f),
    ("MARUF-Reg (this project)", lambda f, n: "/maruf_reg/" in f),
    (
        "database driver and engine",
        lambda f, n: "/psycopg" in f or "sqlite3" in n or "psycopg" in n,
    ),
    ("cryptography (Ed25519)", lambda f, n: "cryptography" in f or "cryptography" in n),
    ("SQLAlchemy", lambda f, n: "/sqlalchemy/" in f),
    (
        "Flask extensions",
        lambda f, n: any(
            f"/{x}/" in f
            for x in (
                "flask_sqlalchemy",
                "flask_login",
                "flask_wtf",
                "flask_limiter",
                "flask_babel",
            )
        ),
    ),
    ("Flask", lambda f, n: "/flask/" in f),
    ("Werkzeug", lambda f, n: "/werkzeug/" in f),
    (
        "WTForms, Jinja, Babel, itsdangerous",
        lambda f, n: any(
            f"/{x}/" in f for x in ("wtforms", "jinja2", "babel", "itsdangerous", "markupsafe")
        ),
    ),
    ("Huey (the mail queue)", lambda f, n: "/huey/" in f),
    ("other libraries", lambda f, n: "site-packages" in f),
    ("Python's standard library", lambda f, n: f != "~"),
    (BUILT_INS := "built-ins", lambda f, n: True),
]


def group_of(key: tuple[str, int, str]) -> str:
    filename, _line, name = key
    return next(label for label, test in GROUPS if test(filename, name))


#: --top N: the case's N functions of most CPU of their own, and this project's N of most CPU in all
TOP = 0


def timed(
    calls: list[Callable[[], None]], database: bool, case: str = ""
) -> tuple[float, float, dict[str, float]]:
    """CPU a call (ms) unprofiled, PostgreSQL's CPU a call (ms), and the profiled split: each
    group's share of the profiled CPU, for WAITING its wall time a call in ms, and ROUND_TRIPS a
    call (PostgreSQL's "ready for query" messages in libpq's trace, unprofiled calls)."""
    trips = 0.0
    half = len(calls) // 2
    replies = ROUND_TRIP_LOG.read_text().count("\tReadyForQuery\t") if database else 0
    began, pg = time.process_time(), postgres_cpu_seconds() if database else 0.0
    for call in calls[:half]:
        call()
    cpu = (time.process_time() - began) / half * 1000
    pg_ms = (postgres_cpu_seconds() - pg) / half * 1000 if database else 0.0
    if database:
        trips = (ROUND_TRIP_LOG.read_text().count("\tReadyForQuery\t") - replies) / half
    # cProfile's own clock (wall time, cheap to read): a slower clock would weigh the many small
    # Python calls more than the few C ones. Only PostgreSQL's replies are waited for here.
    profile = cProfile.Profile()
    profile.enable()
    for call in calls[half:]:
        call()
    profile.disable()
    if TOP:
        report = pstats.Stats(profile, stream=sys.stderr)
        print(f"\n== {case}: own time ==", file=sys.stderr)
        report.sort_stats("tottime").print_stats(TOP)
        print(f"\n== {case}: this project's, time in all ==", file=sys.stderr)
        report.sort_stats("cumulative").print_stats("/maruf_reg/", TOP)
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    split: dict[str, float] = {}
    for key, (_cc, _nc, own, _cum, callers) in stats.items():
        group = group_of(key)
        if group == BUILT_INS and callers:
            # A built-in (isinstance, dict.get …) counts for the code that called it.
            called = sum(entry[2] for entry in callers.values()) or 1.0
            for caller, entry in callers.items():
                by = group_of(caller)
                split[by] = split.get(by, 0.0) + own * entry[2] / called
            continue
        split[group] = split.get(group, 0.0) + own
    waited = split.pop(WAITING, 0.0)
    total = sum(split.values()) or 1.0
    shares = {label: share / total for label, share in split.items()}
    profiled = len(calls) - half
    return cpu, pg_ms, {**shares, WAITING: waited / profiled * 1000, ROUND_TRIPS: trips}


@contextlib.contextmanager
def scratch(url: str | None) -> Iterator[tuple[str, str]]:
    """A fresh database for the app and one for the ceiling: (app URL, ceiling URL)."""
    if url is None:
        folder = Path(tempfile.mkdtemp(prefix="maruf-breakdown-"))
        yield f"sqlite:///{folder / 'app.sqlite3'}", f"sqlite:///{folder / 'ceiling.sqlite3'}"
        return
    with postgres_database(url) as app_url, postgres_database(url) as ceiling_url:
        yield app_url, ceiling_url


def ceiling_case(n: int) -> None:
    """The ceiling's route (CEILING_DATABASE_URL), timed here; prints the result as JSON."""
    import scans

    database = not os.environ["CEILING_DATABASE_URL"].startswith("sqlite")
    if database:
        trace_postgresql()
    ceiling = scans.ceiling_app()
    pings = [
        environ("POST", "/ping", json.dumps({"uuid": str(uuid.uuid4())}).encode(),
                {"Content-Type": "application/json"})
        for _ in range(n + 100)
    ]  # fmt: skip

    def ping(e: Any) -> Callable[[], None]:
        def call() -> None:
            status, _h, _data = wsgi(ceiling, e)
            assert status.startswith("200"), status

        return call

    for call in [ping(e) for e in pings[:100]]:
        call()
    print(json.dumps(timed([ping(e) for e in pings[100:]], database)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--requests", type=int, default=2000, help="requests per case (even)")
    parser.add_argument(
        "--top", type=int, default=0, metavar="N",
        help="also print (on stderr) each case's N hottest functions and this project's N costliest",
    )  # fmt: skip
    parser.add_argument("--ceiling", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    n = options.requests
    global TOP
    TOP = options.top
    if options.ceiling:
        ceiling_case(n)
        return
    database = options.database_url is not None
    with scratch(options.database_url) as (url, ceiling_url):
        instance = tempfile.mkdtemp(prefix="maruf-breakdown-instance-")
        env = {
            **os.environ,
            "MARUF_INSTANCE_PATH": instance,
            "MARUF_DATABASE_URL": url,
            "MARUF_RATELIMIT_ENABLED": "false",
            "MARUF_MAIL_SERVER": "",
            "MARUF_BASE_URL": "http://127.0.0.1",
            "MARUF_HUEY_IMMEDIATE": "false",
            "CEILING_DATABASE_URL": ceiling_url,
        }
        import registration_rush
        import scans

        env["MARUF_SECRET_KEY"] = scans.SECRET
        scans.PARTICIPANTS = PEOPLE
        seed = scans.prepare(env, url, first=2 * n + 100)
        os.environ.update(env)
        if database:
            trace_postgresql()
        from maruf_reg import create_app

        app = create_app()
        engine = "PostgreSQL" if database else "SQLite"
        print(f"Where a request's CPU goes ({engine}, {PEOPLE:,} people, in-process, no HTTP):")

        # First scans at an entrance: each badge once.
        requests = scans.scan_requests(seed["badges"], seed["point"], seed["door"])
        prepared = [environ(*r) for r in requests]

        def scan(e: Any) -> Callable[[], None]:
            def call() -> None:
                status, _h, data = wsgi(app, e)
                assert status.startswith("200") and b'"admitted"' in data, (status, data)

            return call

        for call in [scan(e) for e in prepared[:100]]:
            call()
        results = {
            "first scan": timed([scan(e) for e in prepared[100 : 100 + n]], database, "first scan")
        }

        # Name searches at the desk: a name of the demo, as the scans bench asks.
        rng = random.Random(2019)
        desk = {"Authorization": f"Bearer {seed['desk']}"}
        asked = [
            environ("GET", f"/api/v1/people?q={urllib.parse.quote(rng.choice(seed['names']))}",
                    None, desk)
            for _ in range(n + 100)
        ]  # fmt: skip

        def search(e: Any) -> Callable[[], None]:
            def call() -> None:
                status, _h, data = wsgi(app, e)
                assert status.startswith("200") and data.startswith(b"{"), (status, data)

            return call

        for call in [search(e) for e in asked[:100]]:
            call()
        results["name search"] = timed([search(e) for e in asked[100:]], database, "name search")

        # The ceiling in a process of its own: this one has the app's engine hooks (every engine's).
        ceiling = subprocess.run(
            [sys.executable, __file__, "--ceiling", "--requests", str(n)],
            env={**env, "PYTHONPATH": str(ROOT / "bench")},
            capture_output=True,
            text=True,
            check=True,
        )
        results["ceiling"] = tuple(json.loads(ceiling.stdout.splitlines()[-1]))  # type: ignore[assignment]

        # Sign-ups: the form, then the POST with its token and cookie (a browser's two requests).
        plans = registration_rush.plan_sign_ups(
            registration_rush.bookable_sessions(env), n + 40, seed=2019
        )

        def sign_up(fields: dict[str, object]) -> Callable[[], None]:
            return lambda: browser_sign_up(app, fields)

        for call in [sign_up(p) for p in plans[:40]]:
            call()
        results["sign-up (GET + POST)"] = timed(
            [sign_up(p) for p in plans[40:]], database, "sign-up"
        )

    cases = list(results)
    print(f"  {'µs of CPU a request':<44}" + "".join(f"{c:>22}" for c in cases))
    for label, _test in GROUPS[1:]:
        cells = [results[c][2].get(label, 0.0) * results[c][0] * 1000 for c in cases]
        if any(cell >= 0.5 for cell in cells):
            row = "".join(
                f"{cell:>15.0f} {100 * results[c][2].get(label, 0.0):4.0f} %"
                for c, cell in zip(cases, cells, strict=True)
            )
            print(f"  {label:<44}{row}")
    totals = "".join(f"{results[c][0] * 1000:>22.0f}" for c in cases)
    print(f"  {'= this process (unprofiled)':<44}{totals}")
    if database:
        print(f"  {'+ PostgreSQL':<44}" + "".join(f"{results[c][1] * 1000:>22.0f}" for c in cases))
        waits = "".join(f"{results[c][2].get(WAITING, 0.0) * 1000:>22.0f}" for c in cases)
        print(f"  {WAITING:<44}{waits}")
        trips = "".join(f"{results[c][2].get(ROUND_TRIPS, 0.0):>22.1f}" for c in cases)
        print(f"  {ROUND_TRIPS:<44}{trips}")
    print(
        "  (what gunicorn, the socket and the HTTP parsing add: scans.py's server CPU a request "
        "minus this process's)"
    )


if __name__ == "__main__":
    main()
