"""Instructions a request costs, counted by valgrind's callgrind: the same figure on a busy machine.

    .venv/bin/python bench/instructions.py                    # every case, 100 requests each
    .venv/bin/python bench/instructions.py --cases sign-up --requests 200

CPU time on a shared machine varies by 40 % between runs minutes apart; the number of instructions
a request executes does not (within about 5 %: hash seeds are fixed, but tokens and uuids are new
each run). Use it to compare two commits (run it in each checkout, one after the other), not to
predict throughput: cache misses and system calls are not in it.

It seeds a demo forum (5,000 people, SQLite) once, then runs each case in a process of its own
under `valgrind --tool=callgrind --instr-atstart=no`: the app is built and warmed with 20 requests
uninstrumented, instrumentation is switched on (`callgrind_control -i on`) for the measured requests
only, which go straight through the app's WSGI callable (no server, as `breakdown.py`). The cases:
a first scan at an entrance, the same scan done barely with its guarantees (`scans.floor_app`),
a name search at the desk, a sign-up (GET + POST, as a browser), and the ceiling's route
(`scans.ceiling_app`, one INSERT). The sign-up page and rules stay kept for
the whole run (MARUF_SIGNUP_PAGE_SECONDS), as in a rush, however slow valgrind makes a request.
Needs valgrind (Debian: `apt-get install valgrind`); a case takes about 20 s for 100 requests.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the app package beside bench/, whichever checkout this is
PEOPLE = 5000
WARM_UP = 20
CASES = ("first scan", "floor (bare scan)", "name search", "sign-up (GET + POST)", "ceiling")


def child(case: str, seed_file: str, n: int) -> None:
    """Run under callgrind: warm up uninstrumented, then count the measured requests only."""
    from common import browser_sign_up, environ, wsgi

    seed = json.loads(Path(seed_file).read_text())
    calls: list[Callable[[], None]] = []
    if case == "ceiling":
        import scans

        app = scans.ceiling_app()

        def ping() -> None:
            body = json.dumps({"uuid": str(uuid.uuid4())}).encode()
            e = environ("POST", "/ping", body, {"Content-Type": "application/json"})
            status, _h, _data = wsgi(app, e)
            assert status.startswith("200"), status

        calls = [ping] * (n + WARM_UP)
    elif case.startswith("floor"):
        import scans

        os.environ.update({"FLOOR_TOKEN": seed["door"], "FLOOR_POINT": str(seed["point"])})
        app = scans.floor_app()

        def bare_scan(r: Any) -> Callable[[], None]:
            def call() -> None:
                status, _h, data = wsgi(app, environ(*r))
                assert status.startswith("200") and b'"admitted"' in data, (status, data)

            return call

        requests = scans.scan_requests(seed["badges"], seed["point"], seed["door"], "/scan")
        calls = [bare_scan(r) for r in requests[: n + WARM_UP]]
    else:
        import scans

        from maruf_reg import create_app

        app = create_app()
        if case == "first scan":
            requests = scans.scan_requests(seed["badges"], seed["point"], seed["door"])

            def scan(r: Any) -> Callable[[], None]:
                def call() -> None:
                    status, _h, data = wsgi(app, environ(*r))
                    assert status.startswith("200") and b'"admitted"' in data, (status, data)

                return call

            calls = [scan(r) for r in requests[: n + WARM_UP]]
        elif case == "name search":
            rng = random.Random(2019)
            desk = {"Authorization": f"Bearer {seed['desk']}"}

            def search(name: str) -> Callable[[], None]:
                def call() -> None:
                    path = f"/api/v1/people?q={urllib.parse.quote(name)}"
                    status, _h, data = wsgi(app, environ("GET", path, None, desk))
                    assert status.startswith("200") and data.startswith(b"{"), status

                return call

            calls = [search(rng.choice(seed["names"])) for _ in range(n + WARM_UP)]
        else:

            def sign_up(fields: dict[str, Any]) -> Callable[[], None]:
                return lambda: browser_sign_up(app, fields)

            calls = [sign_up(p) for p in seed["plans"][: n + WARM_UP]]
    for call in calls[:WARM_UP]:
        call()
    control = ["callgrind_control", "-i"]
    subprocess.run([*control, "on", str(os.getpid())], check=True, capture_output=True)
    for call in calls[WARM_UP:]:
        call()
    subprocess.run([*control, "off", str(os.getpid())], check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100, help="measured requests per case")
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES), metavar="CASE")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--seed-file", help=argparse.SUPPRESS)
    options = parser.parse_args()
    n = options.requests
    if options.child:
        child(options.child, options.seed_file, n)
        return
    for tool in ("valgrind", "callgrind_control"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (Debian: apt-get install valgrind)")
    import registration_rush
    import scans

    folder = Path(tempfile.mkdtemp(prefix="maruf-instructions-"))
    url = f"sqlite:///{folder / 'app.sqlite3'}"
    env = {
        **os.environ,
        "MARUF_INSTANCE_PATH": str(folder / "instance"),
        "MARUF_DATABASE_URL": url,
        "MARUF_RATELIMIT_ENABLED": "false",
        "MARUF_MAIL_SERVER": "",
        "MARUF_BASE_URL": "http://127.0.0.1",
        "MARUF_HUEY_IMMEDIATE": "false",
        "MARUF_SECRET_KEY": scans.SECRET,
        "CEILING_DATABASE_URL": f"sqlite:///{folder / 'ceiling.sqlite3'}",
        "PYTHONPATH": str(ROOT / "bench"),
        "PYTHONHASHSEED": "0",
        # Under valgrind a sign-up takes ~0.2 s: the page and rules kept for a second would be
        # made again every few sign-ups, as many times as the machine's speed says. Kept for the
        # whole run, as in a rush (a worker makes them about once a second, for hundreds).
        "MARUF_SIGNUP_PAGE_SECONDS": "3600",
    }
    try:
        scans.PARTICIPANTS = PEOPLE
        seed = scans.prepare(env, url, first=n + WARM_UP)
        seed["plans"] = registration_rush.plan_sign_ups(
            registration_rush.bookable_sessions(env), n + WARM_UP, seed=2019
        )
        seed_file = folder / "seed.json"
        seed_file.write_text(json.dumps(seed, default=str))
        # Each case from the same database: a copy as seeded.
        database = folder / "app.sqlite3"
        pristine = folder / "seeded.sqlite3"
        shutil.copy(database, pristine)
        print(
            f"Instructions a request (callgrind; SQLite, {PEOPLE:,} people, in-process, {n} each):"
        )
        for case in options.cases:
            shutil.copy(pristine, database)
            out = folder / f"callgrind.{case.split()[0]}.out"
            done = subprocess.run(
                [
                    "valgrind", "--tool=callgrind", "--instr-atstart=no",
                    f"--callgrind-out-file={out}",
                    sys.executable, __file__, "--child", case,
                    "--seed-file", str(seed_file), "--requests", str(n),
                ],
                env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
            totals = re.search(r"^totals:\s*(\d+)", out.read_text() if out.exists() else "", re.M)
            if done.returncode != 0 or totals is None:
                raise SystemExit(f"{case}: valgrind failed\n{done.stderr[-2000:]}")
            print(f"  {case:<24}{int(totals.group(1)) / n / 1e6:8.2f} M", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
