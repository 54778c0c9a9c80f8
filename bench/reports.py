"""Report speed on a large forum: dashboard, all-sessions report, 50,000-row CSV and XLSX exports.

    .venv/bin/python bench/reports.py                       # SQLite in a temporary folder
    .venv/bin/python bench/reports.py postgresql+psycopg://postgres@127.0.0.1:5432/postgres
                                                           # PostgreSQL: its own database, dropped after
    options: --participants 50000 --scans 250000 --runs 7

It builds the forum with `flask demo --participants N --scans M --start TODAY` (the forum runs today,
so the dashboard's live part — today's entrance counts and who is inside now — is measured), runs
VACUUM ANALYZE on PostgreSQL (as autovacuum would on a live server), logs in as the demo organiser
and prints the median of several warm runs of each figure.
Targets (issue 6): dashboard and all-sessions report ≤ 300 ms warm, 50,000-row CSV ≤ 3 s.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from common import flask, postgres_database
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_ms(run: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        run()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url", nargs="?", help="a PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--participants", type=int, default=50_000)
    parser.add_argument("--scans", type=int, default=250_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="maruf-bench-reports-"))
    cleanup = contextlib.ExitStack()
    url = cleanup.enter_context(postgres_database(args.database_url)) if args.database_url else None
    env = {
        **os.environ,
        "MARUF_INSTANCE_PATH": str(folder),
        "MARUF_SECRET_KEY": secrets.token_hex(32),
        "MARUF_RATELIMIT_ENABLED": "false",
        "MARUF_HUEY_IMMEDIATE": "true",
    }
    if url:
        env["MARUF_DATABASE_URL"] = url
    try:
        today = datetime.now(ZoneInfo("Europe/Istanbul")).date().isoformat()
        flask(env, "init-db")
        began = time.perf_counter()
        made = flask(
            env,
            "demo",
            "--participants",
            str(args.participants),
            "--scans",
            str(args.scans),
            "--start",
            today,
        )
        print(made.splitlines()[0])
        print(f"(built in {time.perf_counter() - began:.0f} s)")
        if url:
            # What autovacuum does on a live server: statistics for the planner, and the visibility
            # map that lets PostgreSQL answer from the covering indexes alone.
            engine = create_engine(url, isolation_level="AUTOCOMMIT")
            with engine.connect() as connection:
                connection.execute(text("VACUUM ANALYZE"))
            engine.dispose()
        os.environ.update(env)
        measure(folder, args.runs, "postgresql" if url else "sqlite")
    finally:
        cleanup.close()
        shutil.rmtree(folder, ignore_errors=True)


def measure(folder: Path, runs: int, engine: str) -> None:
    from maruf_reg import create_app
    from maruf_reg.extensions import db
    from maruf_reg.forum import current_forum
    from maruf_reg.reports import exports

    app = create_app({"RATELIMIT_ENABLED": False})
    logins = {
        line.split("\t")[0]: line.split("\t")[1:]
        for line in (folder / "demo-logins.txt").read_text().splitlines()
    }
    email, password = logins["admin"]
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match
    response = client.post(
        "/login", data={"csrf_token": match.group(1), "email": email, "password": password}
    )
    assert response.status_code == 302, "the demo organiser could not log in"

    def get(url: str) -> Callable[[], object]:
        def run() -> object:
            response = client.get(url, headers={"Accept-Language": "en"})
            assert response.status_code == 200, (url, response.status_code)
            return response.get_data()

        return run

    print(f"\nengine: {engine}; medians of {runs} warm runs (first run not counted)")
    for label, url in (
        ("dashboard /reports", "/reports"),
        ("all sessions /reports/sessions", "/reports/sessions"),
    ):
        get(url)()
        median, times = median_ms(get(url), runs)
        print(f"{label:34} {median:8.0f} ms   (runs: {', '.join(f'{t:.0f}' for t in times)})")

    out = folder / "export"
    with app.app_context():
        forum = current_forum()
        assert forum is not None
        for fmt, repeat in ((exports.ExportFormat.CSV, runs), (exports.ExportFormat.XLSX, 3)):
            rows = 0

            def export(fmt: exports.ExportFormat = fmt) -> None:
                nonlocal rows
                rows = exports.export_to_file(
                    exports.ExportKind.REGISTRATIONS, fmt, forum, out.with_suffix(f".{fmt}")
                )
                db.session.rollback()

            export()
            median, times = median_ms(export, repeat)
            label = f"registrations {fmt.value.upper()} ({rows:,} rows)"
            print(f"{label:34} {median:8.0f} ms   (runs: {', '.join(f'{t:.0f}' for t in times)})")

    def download() -> object:
        response = client.get("/reports/export/registrations.csv")
        assert response.status_code == 200
        return response.get_data()

    download()
    median, times = median_ms(download, runs)
    label = "registrations CSV download"
    print(f"{label:34} {median:8.0f} ms   (runs: {', '.join(f'{t:.0f}' for t in times)})")
    print(f"\nmeasured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
