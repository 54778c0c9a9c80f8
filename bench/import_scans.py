"""Doors scanning while the office imports 20,000 people (SQLite: one write lock for everybody).

Seeds a demo forum (SQLite in a temporary folder), serves it with gunicorn (2 workers), and has 4
door devices scan badges one after another (each badge once) while `flask import-people` reads
and writes a 20,000-row CSV. Prints the import's time and the scans' latency before and during
it: p50, p99 and the longest wait. Before issue 12 the import held the write lock 18 s.

    .venv/bin/python bench/import_scans.py [--rows 20000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from common import ROOT, VENV_BIN, flask
from scale import app_server

SECRET = "bench-" + secrets.token_hex(16)


def badges(env: dict[str, str], count: int) -> tuple[list[str], int]:
    os.environ.update({k: v for k, v in env.items() if k.startswith("MARUF_")})
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import select

    from maruf_reg import badge_tokens as tokens
    from maruf_reg import create_app
    from maruf_reg.extensions import db
    from maruf_reg.models import CheckInPoint, Forum, PointKind, Registration

    app = create_app()
    with app.app_context():
        forum = db.session.scalars(select(Forum)).one()
        point = db.session.scalars(
            select(CheckInPoint).where(CheckInPoint.kind == PointKind.ENTRANCE).limit(1)
        ).one()
        rows = db.session.execute(
            select(Registration.id, Registration.badge_serial, Registration.category)
            .where(Registration.status == "confirmed")
            .limit(count)
        ).all()
        found = [
            tokens.issue(forum, registration_id=r.id, serial=r.badge_serial,
                         category=r.category, secret_key=SECRET)
            for r in rows
        ]  # fmt: skip
        point_id = point.id
        db.engine.dispose()
    return found, point_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--doors", type=int, default=4)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="maruf-bench-import-"))
    env = {
        **os.environ,
        "MARUF_INSTANCE_PATH": str(folder),
        "MARUF_SECRET_KEY": SECRET,
        "MARUF_RATELIMIT_ENABLED": "false",
        "MARUF_HUEY_IMMEDIATE": "true",
    }
    env.pop("MARUF_DATABASE_URL", None)
    try:
        flask(env, "init-db")
        flask(env, "demo", "--participants", "4000", "--speakers", "50")
        token = flask(env, "create-token", "--role", "door").strip().splitlines()[-1]
        queue, point = badges(env, 4000)
        csv = folder / "people.csv"
        lines = ["given_name;family_name;email;organisation;country"]
        lines += [
            f"Ayşe {n};Öztürk;kisi{n}@import.example.org;Belediye {n % 40};TR"
            for n in range(args.rows)
        ]
        csv.write_text("\n".join(lines), encoding="utf-8")
        with app_server(env) as (port, _process):
            before, during, import_seconds = run(port, token, point, queue, args.doors, csv, env)
        print(f"SQLite, gunicorn 2 workers, {args.doors} doors scanning; {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
        print(f"Import of {args.rows:,} rows: {import_seconds:.1f} s")
        for label, times in (
            ("scans before the import", before),
            ("scans during the import", during),
        ):
            ordered = sorted(times)
            p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
            print(
                f"{label:<26} {len(times):>5} scans  p50 {statistics.median(times):6.1f} ms  "
                f"p99 {p99:6.1f} ms  longest {max(times):6.1f} ms"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(
    port: int, token: str, point: int, queue: list[str], doors: int, csv: Path, env: dict[str, str]
) -> tuple[list[float], list[float], float]:
    lock = threading.Lock()
    phase = {"name": "warm"}
    times: dict[str, list[float]] = {"warm": [], "before": [], "during": [], "after": []}
    stop = threading.Event()

    def door() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        while not stop.is_set():
            with lock:
                if not queue:
                    return
                badge = queue.pop()
            body = json.dumps({
                "token": badge, "point": point, "uuid": str(uuid.uuid4()), "device": "bench",
                "scanned_at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            })  # fmt: skip
            began = time.perf_counter()
            connection.request("POST", "/api/v1/scans", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                times[phase["name"]].append(elapsed)

    threads = [threading.Thread(target=door) for _ in range(doors)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    phase["name"] = "before"
    time.sleep(5)
    phase["name"] = "during"
    began = time.perf_counter()
    subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "maruf_reg", "import-people", str(csv)],
        env=env, cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    import_seconds = time.perf_counter() - began
    phase["name"] = "after"
    stop.set()
    for thread in threads:
        thread.join()
    return times["before"], times["during"], import_seconds


if __name__ == "__main__":
    main()
