"""The scale curve: the same measures at 5,000, 50,000 and 200,000 registrations (PostgreSQL).

For each size it makes a database of its own (`flask demo --participants N --scans N`, a forum
that runs today; VACUUM ANALYZE as autovacuum would), serves it with gunicorn (2 workers) and
measures through HTTP, as the door, the desk and the organiser use it:
- first scans at 8 clients (each badge once; p99 and req/s), as bench/scans.py;
- name searches at 8 clients (`/api/v1/people?q=`; p99 and req/s);
- the dashboard (`/reports`, median of warm runs);
- the registrations CSV download (`/reports/export/registrations.csv`, time to the last byte);
- the app server's peak memory: the largest high-water mark (VmHWM) of its gunicorn workers.

    .venv/bin/python bench/scale.py
    .venv/bin/python bench/scale.py --sizes 5000,50000 --requests 1000

Goals (issue 12): scans and search flat (p99 ≤ 25 / 30 ms at 200,000), exports linear.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from common import CSRF_RE, ROOT, VENV_BIN, flask, free_port, postgres_database
from scans import drive, scan_requests

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SECRET = "bench-" + secrets.token_hex(16)
WARM_UP = 300


@dataclass
class Row:
    size: int
    scan_p99: float
    scan_rps: float
    search_p99: float
    search_rps: float
    dashboard_ms: float
    csv_ms: float
    csv_rows: int
    peak_mb: float


@contextlib.contextmanager
def app_server(env: dict[str, str]) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = free_port()
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level",
         "warning", "--timeout", "300", "maruf_reg:create_app()"],
        env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield port, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def peak_memory_mb(master: int) -> float:
    """The largest peak RSS (VmHWM) among the server's worker processes, in MB."""
    peak = 0
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    for pid in children:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
    return peak / 1024


class Organiser:
    """The demo organiser's browser, logged in (cookie kept)."""

    def __init__(self, port: int, email: str, password: str) -> None:
        self.port = port
        self.cookie = ""
        page = self.get("/login")[1].decode()
        match = CSRF_RE.search(page)
        assert match, "no log-in form"
        body = urllib.parse.urlencode(
            {"csrf_token": match.group(1), "email": email, "password": password}
        )
        status, _ = self.request("POST", "/login", body)
        assert status == 302, f"the organiser could not log in ({status})"

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        headers = {"Accept-Language": "en", "Cookie": self.cookie}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookie = header.split(";", 1)[0]
        connection.close()
        return response.status, data

    def get(self, path: str) -> tuple[int, bytes]:
        return self.request("GET", path)

    def median_ms(self, path: str, runs: int) -> tuple[float, bytes]:
        status, data = self.get(path)  # the first, warming run is not counted
        assert status == 200, (path, status)
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            status, data = self.get(path)
            times.append((time.perf_counter() - began) * 1000)
            assert status == 200, (path, status)
        return statistics.median(times), data


def seed(env: dict[str, str], size: int, url: str) -> dict[str, object]:
    """The demo forum of `size` participants (running today), badges and tokens for the load."""
    today = datetime.now(ZoneInfo("Europe/Istanbul")).date().isoformat()
    flask(env, "init-db")
    began = time.perf_counter()
    made = flask(env, "demo", "--participants", str(size), "--scans", str(size), "--start", today)
    print(f"  {made.splitlines()[0]} ({time.perf_counter() - began:.0f} s)", flush=True)
    from sqlalchemy import create_engine, select, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    door = flask(env, "create-token", "--role", "door").strip().splitlines()[-1]
    desk = flask(env, "create-token", "--role", "desk").strip().splitlines()[-1]
    os.environ.update({k: v for k, v in env.items() if k.startswith("MARUF_")})
    from maruf_reg import badge_tokens as tokens
    from maruf_reg import create_app
    from maruf_reg.extensions import db
    from maruf_reg.models import CheckInPoint, Forum, Person, PointKind, Registration, Scan

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        forum = db.session.scalars(select(Forum)).one()
        entrance = db.session.scalars(
            select(CheckInPoint).where(CheckInPoint.kind == PointKind.ENTRANCE).limit(1)
        ).one()
        # Badges of people not scanned anywhere yet (who is inside counts every entrance).
        scanned = select(Scan.registration_id).where(Scan.registration_id.is_not(None))
        rows = db.session.execute(
            select(Registration.id, Registration.badge_serial, Registration.category)
            .where(Registration.status == "confirmed", Registration.id.not_in(scanned))
            .order_by(Registration.id.desc())
            .limit(int(env["BENCH_BADGES"]))
        ).all()
        badges = [
            tokens.issue(
                forum, registration_id=r.id, serial=r.badge_serial, category=r.category,
                secret_key=SECRET,
            )
            for r in rows
        ]  # fmt: skip
        names = list(db.session.scalars(select(Person.family_name).limit(3000)))
        point = entrance.id
        db.engine.dispose()
    logins = {
        line.split("\t")[0]: line.split("\t")[1:]
        for line in (Path(env["MARUF_INSTANCE_PATH"]) / "demo-logins.txt").read_text().splitlines()
    }
    return {"door": door, "desk": desk, "point": point, "badges": badges, "names": names,
            "admin": logins["admin"]}  # fmt: skip


def measure(size: int, server_url: str, requests: int, runs: int) -> Row:
    folder = Path(tempfile.mkdtemp(prefix="maruf-bench-scale-"))
    try:
        with postgres_database(server_url, "maruf_scale") as url:
            env = {
                **os.environ,
                "MARUF_INSTANCE_PATH": str(folder),
                "MARUF_SECRET_KEY": SECRET,
                "MARUF_DATABASE_URL": url,
                "MARUF_RATELIMIT_ENABLED": "false",
                "MARUF_HUEY_IMMEDIATE": "true",
                "BENCH_BADGES": str(requests + WARM_UP),
            }
            data = seed(env, size, url)
            badges: list[str] = data["badges"]  # type: ignore[assignment]
            names: list[str] = data["names"]  # type: ignore[assignment]
            with app_server(env) as (port, process):
                ok = lambda status, body: status == 200  # noqa: E731
                point, door, desk = data["point"], data["door"], data["desk"]
                drive(port, 8, scan_requests(badges[:WARM_UP], point, door), ok)  # type: ignore[arg-type]
                scans = drive(
                    port, 8, scan_requests(badges[WARM_UP:], point, door),  # type: ignore[arg-type]
                    lambda s, b: s == 200 and b'"outcome":"admitted"' in b,
                )  # fmt: skip
                headers = {"Authorization": f"Bearer {desk}"}
                searches = [
                    ("GET", f"/api/v1/people?q={urllib.parse.quote(names[n % len(names)])}",
                     None, headers)
                    for n in range(requests + WARM_UP)
                ]  # fmt: skip
                drive(port, 8, searches[:WARM_UP], ok)
                search = drive(port, 8, searches[WARM_UP:], ok)
                organiser = Organiser(port, *data["admin"])  # type: ignore[misc]
                dashboard, _ = organiser.median_ms("/reports", runs)
                csv_ms, csv = organiser.median_ms(
                    "/reports/export/registrations.csv", max(3, runs // 2)
                )
                peak = peak_memory_mb(process.pid)
            if scans["errors"] or search["errors"]:
                print(f"  errors: scans {scans['errors']:.0f}, searches {search['errors']:.0f}")
            return Row(
                size, scans["p99"], scans["rps"], search["p99"], search["rps"], dashboard,
                csv_ms, csv.count(b"\n") - 1, peak,
            )  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=DEFAULT_SERVER, help="PostgreSQL server URL")
    parser.add_argument("--sizes", default="5000,50000,200000")
    parser.add_argument("--requests", type=int, default=2000, help="scans and searches per size")
    parser.add_argument("--runs", type=int, default=5, help="warm runs of each page")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        print(f"{size:,} registrations …", flush=True)
        rows.append(measure(size, args.database, args.requests, args.runs))
    print(
        f"\nPostgreSQL, gunicorn 2 workers, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f}; 8 clients for scans and searches\n"
    )
    print(
        f"{'registrations':>13} | {'first scan p99':>14} | {'scans/s':>7} | {'search p99':>10} | "
        f"{'searches/s':>10} | {'dashboard':>9} | {'CSV (rows)':>18} | {'peak memory':>11}"
    )
    for r in rows:
        print(
            f"{r.size:>13,} | {r.scan_p99:>11.1f} ms | {r.scan_rps:>7.0f} | {r.search_p99:>7.1f} ms | "
            f"{r.search_rps:>10.0f} | {r.dashboard_ms:>6.0f} ms | {r.csv_ms:>6.0f} ms ({r.csv_rows:>7,}) | "
            f"{r.peak_mb:>8.0f} MB"
        )
    last = rows[-1]
    met = last.scan_p99 <= 25 and last.search_p99 <= 30
    print(
        f"\nGoal at {last.size:,} (scan p99 ≤ 25 ms, search p99 ≤ 30 ms): {'met' if met else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
