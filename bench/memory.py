"""The app server's memory after it served every page once: gunicorn's master and 2 workers.

Seeds the demo forum (SQLite in a temporary folder, 5,000 participants), serves it with gunicorn
and the production settings (`deploy/gunicorn.conf.py`: its logger class in the master) but 2 sync
workers (the file runs two per core, and one), logs in as the demo's admin and
walks every page reachable by links from the front page and the staff home (HTML only: no PDF,
CSV, XLSX or iCalendar download), each page asked by both workers at once. Then prints the RSS and
the PSS (shared pages split between the processes that share them) of the master and each worker,
and their sums. Then it checks two badges in at the entrance, two at once, and prints the sums
again: what a worker carries once it has read a signed badge (cryptography). Last, it draws one
PDF (the programme booklet) and prints them again: what the PDF stack costs a worker that draws one.

    .venv/bin/python bench/memory.py [--pages 400]

Goal (issue 16): ≤ 230 MB RSS for master + 2 workers after serving every page once.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from common import CSRF_RE, flask, gunicorn_server, report_memory, signed_badges

SECRET = "bench-" + secrets.token_hex(16)
HREF_RE = re.compile(r'href="(/[^"#]*)"')
SKIP = re.compile(
    r"\.(pdf|csv|xlsx|ics|jpg|png|svg|ico|js|css|webmanifest)$|^/static/|logout|/export/"
)


def crawl(base: str, opener: urllib.request.OpenerDirector, limit: int) -> Counter[int]:
    """Every page reachable from / and /staff (up to `limit`), each asked by two clients at once."""
    seen: set[str] = set()
    queue = ["/", "/staff", "/reports", "/checkin/", "/admin/"]
    statuses: Counter[int] = Counter()
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen or SKIP.search(path.split("?")[0]):
            continue
        seen.add(path)
        bodies: list[str] = []

        def fetch(path: str = path, bodies: list[str] = bodies) -> None:
            try:
                with opener.open(base + path, timeout=60) as answer:
                    statuses[answer.status] += 1
                    if "text/html" in answer.headers.get("Content-Type", ""):
                        bodies.append(answer.read().decode("utf-8", "replace"))
            except urllib.error.HTTPError as error:
                statuses[error.code] += 1

        threads = [threading.Thread(target=fetch) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for body in bodies[:1]:
            for link in HREF_RE.findall(body):
                link = link.replace("&amp;", "&")
                if link not in seen:
                    queue.append(link)
    print(f"Pages walked: {len(seen)}; answers: {dict(sorted(statuses.items()))}")
    return statuses


def log_in(base: str, opener: urllib.request.OpenerDirector, email: str, password: str) -> None:
    with opener.open(base + "/login") as answer:
        token = CSRF_RE.search(answer.read().decode())
    assert token, "no CSRF token on /login"
    body = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "email": email, "password": password}
    )
    with opener.open(base + "/login", data=body.encode()) as answer:
        if "/login" in answer.url:
            raise SystemExit("the demo admin could not log in")


def door_scans(env: dict[str, str], database_url: str) -> tuple[str, int, list[str]]:
    """A door token, the entrance's id and eight signed badges, made before the server starts."""
    door = flask(env, "create-token", "--role", "door", "--name", "bench").strip().splitlines()[-1]
    os.environ.update({k: v for k, v in env.items() if k.startswith("MARUF_")})
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from sqlalchemy import select

    from maruf_reg import create_app
    from maruf_reg.extensions import db
    from maruf_reg.models import CheckInPoint, Forum, PointKind, Registration

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        forum = db.session.scalars(select(Forum)).one()
        entrance = db.session.scalars(
            select(CheckInPoint.id).where(CheckInPoint.kind == PointKind.ENTRANCE).limit(1)
        ).one()
        rows = db.session.execute(
            select(Registration.id, Registration.badge_serial, Registration.category)
            .where(Registration.status == "confirmed")
            .limit(8)
        ).all()
        badges = signed_badges(forum, rows, SECRET)
        db.engine.dispose()
    return door, entrance, badges


def scan_twice_at_once(base: str, door: str, entrance: int, badges: list[str]) -> Counter[int]:
    """The badges scanned at the entrance, two requests at a time (both workers get one)."""
    statuses: Counter[int] = Counter()

    def scan(badge: str) -> None:
        body = {
            "token": badge,
            "point": entrance,
            "uuid": str(uuid.uuid4()),
            "scanned_at": datetime.now(UTC).isoformat(),
            "device": "bench",
        }
        request = urllib.request.Request(  # noqa: S310 (http on loopback, built here)
            base + "/api/v1/scans",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {door}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
                statuses[answer.status] += 1
        except urllib.error.HTTPError as error:
            statuses[error.code] += 1

    for pair in zip(badges[::2], badges[1::2], strict=True):
        threads = [threading.Thread(target=scan, args=(badge,)) for badge in pair]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=400, help="at most this many pages")
    parser.add_argument("--participants", type=int, default=5000)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="maruf-memory-"))
    (work / "instance").mkdir()
    env = {
        **os.environ,
        "MARUF_INSTANCE_PATH": str(work / "instance"),
        "MARUF_SECRET_KEY": SECRET,
        "MARUF_DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
        "MARUF_RATELIMIT_ENABLED": "false",
    }
    flask(env, "init-db")
    flask(env, "demo", "--participants", str(options.participants))
    door, entrance, badges = door_scans(env, env["MARUF_DATABASE_URL"])
    logins = (work / "instance" / "demo-logins.txt").read_text(encoding="utf-8").splitlines()
    admin = next(line.split("\t") for line in logins if line.startswith("admin"))
    config = Path(__file__).resolve().parent.parent / "deploy" / "gunicorn.conf.py"
    with gunicorn_server("maruf_reg:create_app()", env, workers=2, config=config) as (
        port,
        process,
    ):
        base = f"http://127.0.0.1:{port}"
        time.sleep(1)
        report_memory("Started (before the first request):", process.pid)
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        log_in(base, opener, admin[1], admin[2])
        statuses = crawl(base, opener, options.pages)
        report_memory("After serving every page once (HTML):", process.pid)
        scanned = scan_twice_at_once(base, door, entrance, badges)
        print(f"Badges scanned at the entrance: {dict(scanned)}")
        report_memory("After checking badges in at the door (both workers):", process.pid)
        for _ in range(2):
            with opener.open(base + "/program/booklet.pdf", timeout=120) as answer:
                answer.read()
        report_memory(
            "After drawing the booklet (PDF) in each worker that got the request:", process.pid
        )
        if statuses.get(500):
            raise SystemExit(f"{statuses[500]} pages answered 500")
        if set(scanned) != {200}:
            raise SystemExit(f"the door scans answered {dict(scanned)}")


if __name__ == "__main__":
    main()
