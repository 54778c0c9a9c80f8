"""The sign-up rush: many people registering at once, through a real server.

Starts gunicorn (2 workers) on a fresh database with the demo forum (SQLite file in a temporary
folder; or PostgreSQL when a server URL is given: it creates its own database and drops it after),
rate limits off and mail written to the outbox. Then 32 concurrent clients each open /register (for
the CSRF token and the session cookie) and post a sign-up with a few sessions, 5,000 in total, as a
person's browser would. Prints sign-ups/s and the latency of the sign-up POST (p50, p99), then
checks that every sign-up exists exactly once, every mail was written, and no session is oversold.

    .venv/bin/python bench/registration_rush.py
    .venv/bin/python bench/registration_rush.py --database postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/registration_rush.py --signups 1000 --clients 16 --threads 4

Goals (issue 16): on SQLite ≥ 300 sign-ups/s; on PostgreSQL ≥ 250/s with the POST's p99 ≤ 150 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from common import (
    CSRF_RE,
    flask,
    free_port,
    postgres_cpu_seconds,
    postgres_database,
    process_cpu_seconds,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
EMAIL_DOMAIN = "rush.example.org"
GIVEN = ["Ayşe", "İlkay", "Şükrü", "محمد", "فاطمة", "Ana", "Νίκος", "Дмитрий", "Jean-Luc", "美玲"]
FAMILY = ["Öztürk", "Işıkoğlu", "Çağlayan", "الحلبي", "حداد", "Müller", "Παπαδόπουλος", "Петров"]
COUNTRIES = ["TR", "TR", "TR", "SY", "LB", "DE", "GR", "RU", "FR", "CN"]


@dataclass
class Results:
    post_ms: list[float] = field(default_factory=list)
    get_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    #: how many sign-ups got each refusal (429 …)
    statuses: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Client:
    """One browser at a time on a kept-alive connection: GET the form, POST the sign-up."""

    def __init__(
        self,
        port: int = 0,
        *,
        connect: Callable[[], http.client.HTTPConnection] | None = None,
        referer: str = "",
    ) -> None:
        self.connect = connect or (
            lambda: http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        )
        self.connection = self.connect()
        #: the page's URL, sent as a browser does (the app checks it on https)
        self.referer = referer

    def request(
        self, method: str, path: str, headers: dict[str, str], body: str | None = None
    ) -> tuple[int, dict[str, list[str]], str]:
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                found: dict[str, list[str]] = {}
                for name, value in response.getheaders():
                    found.setdefault(name.lower(), []).append(value)
                if response.will_close:
                    self.connection.close()
                return response.status, found, text
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed a kept-alive connection between two requests: open a new one.
                self.connection.close()
                self.connection = self.connect()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def sign_up(self, fields: dict[str, object], results: Results) -> None:
        began = time.perf_counter()
        status, headers, page = self.request("GET", "/register", {"Accept-Language": "tr"})
        got = time.perf_counter()
        match = CSRF_RE.search(page)
        if status != 200 or not match:
            raise RuntimeError(f"GET /register answered {status}")
        cookie = "; ".join(c.split(";", 1)[0] for c in headers.get("set-cookie", []))
        body = urllib.parse.urlencode({"csrf_token": match.group(1), **fields}, doseq=True)
        sent = time.perf_counter()
        status, headers, _text = self.request(
            "POST",
            "/register",
            {
                "Accept-Language": "tr",
                "Cookie": cookie,
                "Content-Type": "application/x-www-form-urlencoded",
                **({"Referer": self.referer} if self.referer else {}),
            },
            body,
        )
        done = time.perf_counter()
        location = headers.get("location", [""])[0]
        with results.lock:
            results.get_ms.append((got - began) * 1000)
            results.post_ms.append((done - sent) * 1000)
            if status != 302 or not location.endswith("/register/sent"):
                results.failures.append(f"{fields['email']}: POST answered {status}")
                results.statuses[status] = results.statuses.get(status, 0) + 1


def plan_sign_ups(
    sessions: list[tuple[int, float, float]], count: int, seed: int
) -> list[dict[str, object]]:
    """Form fields for each sign-up: names in several scripts and 0–3 non-overlapping sessions."""
    rng = random.Random(seed)
    plans = []
    for n in range(count):
        chosen: list[tuple[int, float, float]] = []
        for session in rng.sample(sessions, k=min(len(sessions), rng.choice([0, 1, 2, 3, 3]))):
            if all(session[2] <= c[1] or c[2] <= session[1] for c in chosen):
                chosen.append(session)
        plans.append(
            {
                "given_name": rng.choice(GIVEN),
                "family_name": rng.choice(FAMILY),
                "email": f"rush{n}@{EMAIL_DOMAIN}",
                "organisation": "Marmara Belediyeler Birliği",
                "position": "Uzman",
                "country": rng.choice(COUNTRIES),
                "phone": "",
                "language": rng.choice(["tr", "en"]),
                "category": "participant",
                "consent_data": "y",
                "sessions": [s[0] for s in chosen],
            }
        )
    return plans


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def wait_until_up(port: int, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped before it served a page")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/register")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer in time")


def bookable_sessions(env: dict[str, str]) -> list[tuple[int, float, float]]:
    os.environ.update(env)
    from maruf_reg import create_app
    from maruf_reg.extensions import db
    from maruf_reg.registration.seats import bookable_sessions as bookable

    app = create_app()
    with app.app_context():
        from maruf_reg.forum import current_forum

        forum = current_forum()
        assert forum is not None
        found = [(s.id, s.starts_at.timestamp(), s.ends_at.timestamp()) for s in bookable(forum.id)]
        db.engine.dispose()
    return found


def drain_mail(env: dict[str, str], outbox: Path, expected: int, timeout: float = 600) -> None:
    """Run the worker until every queued mail is in the outbox (or the time is up)."""
    began = time.perf_counter()
    worker = subprocess.Popen(
        [str(VENV_BIN / "flask"), "--app", "maruf_reg", "worker", "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while time.perf_counter() - began < timeout:
            count = len(list(outbox.glob("*.eml"))) if outbox.is_dir() else 0
            if count >= expected or worker.poll() is not None:
                break
            time.sleep(0.5)
    finally:
        os.killpg(worker.pid, signal.SIGINT)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
    print(
        f"Mail:            the worker sent the queued mail in {time.perf_counter() - began:.0f} s"
    )


def check(env: dict[str, str], plans: list[dict[str, object]], mails: int) -> list[str]:
    """Every sign-up exactly once with the seats it asked for; no session oversold."""
    from sqlalchemy import func, select

    from maruf_reg import create_app
    from maruf_reg.extensions import db
    from maruf_reg.models import Person, Registration, Seat, SeatStatus, Session

    problems: list[str] = []
    app = create_app()
    with app.app_context():
        people = dict(
            db.session.execute(
                select(Person.email, func.count(Registration.id))
                .join(Registration, Registration.person_id == Person.id)
                .where(Person.email.like(f"%@{EMAIL_DOMAIN}"))
                .group_by(Person.email)
            ).all()
        )
        missing = [p["email"] for p in plans if people.get(str(p["email"])) != 1]
        if missing:
            problems.append(f"{len(missing)} sign-ups missing or doubled, e.g. {missing[:3]}")
        seats = db.session.scalar(
            select(func.count())
            .select_from(Seat)
            .join(Registration, Registration.id == Seat.registration_id)
            .join(Person, Person.id == Registration.person_id)
            .where(Person.email.like(f"%@{EMAIL_DOMAIN}"))
        )
        wanted = sum(len(p["sessions"]) for p in plans)  # type: ignore[arg-type]
        if seats != wanted:
            problems.append(f"{seats} seats or waitlist places for {wanted} asked")
        oversold = db.session.execute(
            select(Session.id, Session.capacity, func.count(Seat.id))
            .join(Seat, Seat.session_id == Session.id)
            .where(Seat.status == SeatStatus.BOOKED)
            .group_by(Session.id, Session.capacity)
            .having(func.count(Seat.id) > Session.capacity)
        ).all()
        for session_id, capacity, count in oversold:
            problems.append(f"session {session_id}: {count} booked for {capacity} seats")
        waitlisted = db.session.scalar(
            select(func.count()).select_from(Seat).where(Seat.status == SeatStatus.WAITLISTED)
        )
        print(f"Seats asked: {wanted}; waitlisted now (all people): {waitlisted}")
        db.engine.dispose()
    if mails != len(plans):
        problems.append(f"{mails} mails sent for {len(plans)} sign-ups")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="PostgreSQL server URL (default: SQLite in a temp dir)")
    parser.add_argument("--signups", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, default=1, help="gunicorn threads per worker (>1: gthread)"
    )
    parser.add_argument("--participants", type=int, default=2000, help="demo participants")
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument(
        "--mail",
        choices=["queue", "inline"],
        default="queue",
        help="queue: sign-ups queue their mail (Huey) and `flask worker` sends it after the rush "
        "(production's way); inline: each sign-up builds and writes its mail itself",
    )
    parser.add_argument("--redis", help="Redis URL for the mail queue (default: Huey on SQLite)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="maruf-rush-"))
    env = {
        **os.environ,
        "MARUF_INSTANCE_PATH": str(instance),
        "MARUF_SECRET_KEY": secrets.token_urlsafe(32),
        "MARUF_RATELIMIT_ENABLED": "false",
        # No SMTP server: the worker writes each mail to instance/outbox/ (checked at the end).
        "MARUF_MAIL_SERVER": "",
        "MARUF_BASE_URL": "http://127.0.0.1",
        "MARUF_HUEY_IMMEDIATE": "true" if args.mail == "inline" else "false",
    }
    env.pop("MARUF_REDIS_URL", None)
    if args.redis:
        env["MARUF_REDIS_URL"] = args.redis
        # A queue of its own: other processes on the same Redis must not take its mail.
        env["MARUF_HUEY_NAME"] = f"maruf-rush-{secrets.token_hex(4)}"
    cleanup = contextlib.ExitStack()
    if args.database:
        env["MARUF_DATABASE_URL"] = cleanup.enter_context(
            postgres_database(args.database, "maruf_rush")
        )
    engine = "PostgreSQL" if args.database else "SQLite"
    server = None
    try:
        flask(env, "init-db")
        flask(env, "demo", "--participants", str(args.participants), "--speakers", "250")
        sessions = bookable_sessions(env)
        plans = plan_sign_ups(sessions, args.signups, args.seed)
        port = free_port()
        command = [
            str(VENV_BIN / "gunicorn"),
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ]
        if args.threads > 1:
            command += ["--threads", str(args.threads)]
        command.append("maruf_reg:create_app()")
        server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        wait_until_up(port, server)
        # Warm both workers (imports, templates, catalogues) before the clock starts.
        warm = Client(port)
        for _ in range(args.workers * 4):
            warm.request("GET", "/register", {"Accept-Language": "tr"})

        results = Results()
        queue = list(range(len(plans)))
        queue_lock = threading.Lock()
        errors: list[BaseException] = []

        def run() -> None:
            client = Client(port)
            while True:
                with queue_lock:
                    if not queue:
                        return
                    n = queue.pop()
                try:
                    client.sign_up(plans[n], results)
                except Exception as error:
                    errors.append(error)
                    client = Client(port)

        print(
            f"{engine}: {args.signups} sign-ups, {args.clients} clients, gunicorn "
            f"{args.workers} workers × {args.threads} thread(s), mail {args.mail}, "
            f"{len(sessions)} bookable sessions, {args.participants} demo participants"
        )
        threads = [threading.Thread(target=run) for _ in range(args.clients)]
        server_cpu = process_cpu_seconds(server.pid)
        database_cpu = postgres_cpu_seconds() if args.database else 0.0
        client_cpu = time.process_time()
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        server_cpu = process_cpu_seconds(server.pid) - server_cpu
        database_cpu = postgres_cpu_seconds() - database_cpu if args.database else 0.0
        client_cpu = time.process_time() - client_cpu

        done = len(results.post_ms)
        print(f"Sign-ups:        {done} in {elapsed:.1f} s = {done / elapsed:.0f} sign-ups/s")
        print(
            f"POST /register:  p50 {statistics.median(results.post_ms):.0f} ms, "
            f"p99 {percentile(results.post_ms, 0.99):.0f} ms, max {max(results.post_ms):.0f} ms"
        )
        print(
            f"GET /register:   p50 {statistics.median(results.get_ms):.0f} ms, "
            f"p99 {percentile(results.get_ms, 0.99):.0f} ms"
        )
        print(
            f"CPU:             server {server_cpu * 1000 / max(done, 1):.1f} ms per sign-up "
            f"(GET + POST), "
            + (f"PostgreSQL {database_cpu * 1000 / max(done, 1):.1f} ms, " if args.database else "")
            + f"this client {client_cpu * 1000 / max(done, 1):.1f} ms; "
            f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
        )
        problems = [*results.failures[:5], *(repr(e) for e in errors[:5])]
        if results.failures:
            problems.append(f"{len(results.failures)} sign-ups did not answer 302")
        if errors:
            problems.append(f"{len(errors)} client errors")
        if args.mail == "queue":
            drain_mail(env, instance / "outbox", len(plans))
        outbox = instance / "outbox"
        problems += check(env, plans, len(list(outbox.glob("*.eml"))) if outbox.is_dir() else 0)
        if problems:
            print("PROBLEMS:")
            for problem in problems:
                print(f"  {problem}")
            return 1
        print("Checked: every sign-up exists exactly once with its seats; no session oversold.")
        rate, p99 = done / elapsed, percentile(results.post_ms, 0.99)
        if args.database:
            goal, wanted = rate >= 250 and p99 <= 150, "≥ 250 sign-ups/s, p99 ≤ 150 ms"
        else:
            goal, wanted = rate >= 300, "≥ 300 sign-ups/s"
        print(f"Goal ({wanted}): {'met' if goal else 'NOT met'}")
        return 0
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        cleanup.close()
        if args.keep:
            print(f"Kept {instance}")
        else:
            shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
