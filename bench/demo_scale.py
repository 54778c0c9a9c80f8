"""How long `flask demo --participants 50000` takes on a fresh database, and how long the full
timetable page then takes to render (warm: the median of several requests through the test client).

    .venv/bin/python bench/demo_scale.py [--participants 50000] [--requests 15]

SQLite always; PostgreSQL too when MARUF_TEST_DATABASE_URL points at a server
(postgresql+psycopg://postgres@127.0.0.1:5432/test): the script makes a database of its own there
and drops it at the end. The machine may be shared: read the figures as rough.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import flask, postgres_database

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-" + secrets.token_hex(16)


def measure(engine: str, url: str, participants: int, requests: int) -> None:
    with tempfile.TemporaryDirectory(prefix="maruf-bench-") as instance:
        env = {
            **os.environ,
            "MARUF_INSTANCE_PATH": instance,
            "MARUF_SECRET_KEY": SECRET,
            "MARUF_DATABASE_URL": url,
            "MARUF_RATELIMIT_ENABLED": "false",
        }
        flask(env, "init-db")
        began = time.perf_counter()
        output = flask(env, "demo", "--participants", str(participants))
        wall = time.perf_counter() - began
        inside = re.search(r"made in ([\d.]+) s", output)
        print(
            f"{engine:10} seed {participants:,} participants: {wall:6.1f} s wall "
            f"(the command reports {inside.group(1) if inside else '?'} s without start-up)"
        )
        os.environ.update({k: env[k] for k in ("MARUF_INSTANCE_PATH", "MARUF_SECRET_KEY")})
        from maruf_reg import create_app
        from maruf_reg.extensions import db

        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
        client = app.test_client()
        for path in ("/program", "/program.ics", "/sessions/3"):
            response = client.get(path, headers={"Accept-Language": "en"})  # warm-up
            assert response.status_code == 200, (path, response.status_code)
            times = []
            for _ in range(requests):
                began = time.perf_counter()
                response = client.get(path, headers={"Accept-Language": "en"})
                times.append(time.perf_counter() - began)
            print(
                f"{engine:10} GET {path:14} median {statistics.median(times) * 1000:7.1f} ms, "
                f"best {min(times) * 1000:7.1f} ms over {requests} requests "
                f"({len(response.data) // 1024} KiB)"
            )
        with app.app_context():
            db.engine.dispose()


def main() -> None:
    sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the app package is beside bench/
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=15)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="maruf-bench-db-") as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        measure("SQLite", url, options.participants, options.requests)
    server = os.environ.get("MARUF_TEST_DATABASE_URL")
    if server:
        with postgres_database(server) as url:
            measure("PostgreSQL", url, options.participants, options.requests)
    else:
        print("PostgreSQL skipped: set MARUF_TEST_DATABASE_URL to measure it too.")


if __name__ == "__main__":
    main()
