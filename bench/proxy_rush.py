"""The sign-up rush through the production topology: nginx (TLS) in front of two app servers and
two workers, PostgreSQL and Redis (the loopback cluster of `make cluster`, scripts/cluster.py).

5,000 sign-ups as browsers make them (GET the form, POST it with its CSRF token, over a kept-alive
TLS connection) from 200 distinct loopback source addresses (127.0.0.2 …), one client each, with
the rate limits on (counted in Redis, by address and by e-mail) or off. The workers are paused
during the rush (SIGSTOP: in production they run on hosts of their own; here they would take the
app servers' two cores) and then send every confirmation to the cluster's SMTP server
(`--mail-during` lets them send meanwhile). Prints sign-ups/s, the CPU each part spent, the sign-up POST's p50
and p99, how many were refused (429 or else), then checks every sign-up exists exactly once with
its seats, every mail arrived, and no session is oversold.

    .venv/bin/python bench/proxy_rush.py                 # limits on
    .venv/bin/python bench/proxy_rush.py --no-limits     # the same with the limits off
    .venv/bin/python bench/proxy_rush.py --signups 1000 --sources 50

Goal: ≥ 200 sign-ups/s with the limits on, 0 refused, nothing lost or oversold.
"""

from __future__ import annotations

import argparse
import functools
import http.client
import os
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from registration_rush import (
    Client,
    Results,
    bookable_sessions,
    check,
    percentile,
    plan_sign_ups,
    postgres_cpu_seconds,
    process_cpu_seconds,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
print = functools.partial(print, flush=True)  # lines as they come, also in a pipe

from cluster import DEFAULT_DATABASE_SERVER, Cluster, ClusterError, free_port  # noqa: E402


def wait_for_mail(folder: Path, expected: int, timeout: float = 900) -> int:
    """How many mails the cluster's SMTP server kept, once all came (or the time is up)."""
    began = time.perf_counter()
    count = 0
    while time.perf_counter() - began < timeout:
        count = len(list((folder / "new").glob("*"))) if (folder / "new").is_dir() else 0
        if count >= expected:
            break
        time.sleep(0.5)
    print(f"Mail:            all sent {time.perf_counter() - began:.0f} s after the rush ended")
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signups", type=int, default=5000)
    parser.add_argument("--sources", type=int, default=200, help="client addresses (≤ 250)")
    parser.add_argument("--no-limits", action="store_true", help="MARUF_RATELIMIT_ENABLED=false")
    parser.add_argument("--participants", type=int, default=2000, help="demo participants")
    parser.add_argument("--gunicorn-workers", type=int, default=2, help="per app server")
    parser.add_argument("--database", default=DEFAULT_DATABASE_SERVER, help="PostgreSQL server")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument(
        "--mail-during", action="store_true", help="let the workers send mail during the rush"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="maruf-proxy-rush-"))
    cluster = Cluster(
        folder=folder,
        https_port=free_port("127.0.0.1"),
        database_server=args.database,
        redis_url=args.redis,
        settings={"RATELIMIT_ENABLED": "false" if args.no_limits else "true"},
        participants=args.participants,
        speakers=250,
        gunicorn_workers=args.gunicorn_workers,
    )
    try:
        cluster.start()
    except ClusterError as error:
        sys.exit(f"The cluster did not start: {error}")
    try:
        env = cluster.environment("bench")
        plans = plan_sign_ups(bookable_sessions(env), args.signups, args.seed)
        workers = [cluster.processes[name] for name in ("worker1", "worker2")]
        if not args.mail_during:
            for worker in workers:
                os.killpg(worker.pid, signal.SIGSTOP)
        try:
            results = run_rush(cluster, plans, args.sources, limits=not args.no_limits)
        finally:
            for worker in workers:
                os.killpg(worker.pid, signal.SIGCONT)
        mails = wait_for_mail(folder / "mail", len(plans))
        problems = [*results.failures[:5]]
        problems += check(env, plans, mails)
        if problems:
            print("PROBLEMS:")
            for problem in problems:
                print(f"  {problem}")
            return 1
        print("Checked: every sign-up exists exactly once with its seats; no session oversold.")
        return 0
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def run_rush(
    cluster: Cluster, plans: list[dict[str, object]], sources: int, *, limits: bool
) -> Results:
    context = cluster.ssl_context()
    port = cluster.https_port
    referer = f"{cluster.url}/register"

    def client(source: str) -> Client:
        return Client(
            connect=lambda: http.client.HTTPSConnection(
                "127.0.0.1", port, timeout=60, context=context, source_address=(source, 0)
            ),
            referer=referer,
        )

    # Warm every gunicorn process (imports, templates, catalogues) before the clock starts.
    warm = client("127.0.0.1")
    for _ in range(cluster.gunicorn_workers * 8):
        warm.request("GET", "/register", {"Accept-Language": "tr"})
    results = Results()
    errors: list[BaseException] = []

    def run(index: int) -> None:
        person = client(f"127.0.0.{2 + index}")
        for n in range(index, len(plans), sources):
            try:
                person.sign_up(plans[n], results)
            except Exception as error:
                errors.append(error)
                person = client(f"127.0.0.{2 + index}")

    print(
        f"Through nginx (TLS) to 2 app servers × {cluster.gunicorn_workers} gunicorn workers, "
        f"2 workers, PostgreSQL, Redis: {len(plans)} sign-ups from {sources} addresses, "
        f"limits {'on' if limits else 'off'}"
    )
    threads = [threading.Thread(target=run, args=(i,)) for i in range(sources)]
    database_cpu = postgres_cpu_seconds()
    server_cpu = sum(process_cpu_seconds(cluster.processes[n].pid) for n in ("app1", "app2"))
    proxy_cpu = process_cpu_seconds(cluster.processes["nginx"].pid)
    client_cpu = time.process_time()
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    database_cpu = postgres_cpu_seconds() - database_cpu
    server_cpu = (
        sum(process_cpu_seconds(cluster.processes[n].pid) for n in ("app1", "app2")) - server_cpu
    )
    proxy_cpu = process_cpu_seconds(cluster.processes["nginx"].pid) - proxy_cpu
    client_cpu = time.process_time() - client_cpu
    done = len(results.post_ms)
    refused = sum(results.statuses.values())
    print(f"Sign-ups:        {done} in {elapsed:.1f} s = {done / elapsed:.0f} sign-ups/s")
    print(
        f"POST /register:  p50 {statistics.median(results.post_ms):.0f} ms, "
        f"p99 {percentile(results.post_ms, 0.99):.0f} ms, max {max(results.post_ms):.0f} ms"
    )
    print(f"Refused:         {refused} ({results.statuses or 'none'}); client errors {len(errors)}")
    each = 1000 / max(done, 1)
    print(
        f"CPU per sign-up: app servers {server_cpu * each:.1f} ms, nginx {proxy_cpu * each:.1f} ms, "
        f"PostgreSQL {database_cpu * each:.1f} ms, these clients {client_cpu * each:.1f} ms; "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
    )
    goal = done / elapsed >= 200 and refused == 0 and not errors
    print(f"Goal (≥ 200 sign-ups/s, 0 refused): {'met' if goal else 'NOT met'}")
    results.failures += [repr(e) for e in errors[:5]]
    return results


if __name__ == "__main__":
    sys.exit(main())
