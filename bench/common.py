"""What the benchmarks share: a scratch PostgreSQL database, the `flask` command, a free port."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: the venv the bench runs in (`.venv/bin/python bench/…`)
VENV_BIN = Path(sys.executable).parent


@contextmanager
def postgres_database(server_url: str, prefix: str = "maruf_bench") -> Iterator[str]:
    """A new empty database on the server, dropped afterwards; yields its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def flask(env: dict[str, str], *args: str) -> str:
    """Run `flask --app maruf_reg ARGS` from the repository root; its output, or exit saying why."""
    done = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "maruf_reg", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn_server(
    app_spec: str,
    env: dict[str, str],
    *,
    workers: int = 2,
    chdir: Path | None = None,
    config: Path | None = None,
) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """gunicorn with `workers` sync workers on a free loopback port; yields (port, master process).

    With `config` (deploy/gunicorn.conf.py), gunicorn reads its settings from that file first (the
    arguments here still choose the port, the workers and the log level; no access log)."""
    import time

    port = free_port()
    args = [str(VENV_BIN / "gunicorn")]
    if config:
        args += ["-c", str(config), "--access-logfile", "/dev/null"]
    args += ["-w", str(workers), "-b", f"127.0.0.1:{port}"]
    args += ["--log-level", "warning", "--timeout", "300"]
    # gunicornc's control socket is one path per user ($HOME/.gunicorn): servers side by side
    # would fight over it, and no bench uses it
    args += ["--no-control-socket"]
    if chdir:
        args += ["--chdir", str(chdir)]
    process = subprocess.Popen([*args, app_spec], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"{app_spec} did not start")
        yield port, process
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- CPU time --------------------------------------------------------------------------------------


def process_cpu_seconds(root_pid: int) -> float:
    """User + system CPU of a process and its children (gunicorn's master and workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [root_pid]
    try:
        children = Path(f"/proc/{root_pid}/task/{root_pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        return float("nan")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def postgres_cpu_seconds() -> float:
    """User + system CPU of every PostgreSQL server process on this machine, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, fields = stat.read_text().split(" (", 1)[1].rsplit(")", 1)
        except (OSError, IndexError, ValueError):
            continue
        if name.startswith("postgres"):
            values = fields.split()
            total += (int(values[11]) + int(values[12])) / ticks
    return total


# --- the server's memory ---------------------------------------------------------------------------


def proc_memory(pid: int) -> tuple[int, int]:
    """RSS and PSS of one process, in kB."""
    rss = pss = 0
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    return rss, pss


def server_processes(master: int) -> list[int]:
    children: list[int] = []
    for task in os.listdir(f"/proc/{master}/task"):
        with open(f"/proc/{master}/task/{task}/children", encoding="ascii") as handle:
            children += [int(pid) for pid in handle.read().split()]
    return [master, *sorted(children)]


def report_memory(label: str, master: int) -> None:
    """Print the RSS and PSS of a gunicorn master and its workers, and their sums."""
    rows = [(pid, *proc_memory(pid)) for pid in server_processes(master)]
    print(label)
    for n, (pid, rss, pss) in enumerate(rows):
        role = "master" if n == 0 else f"worker {n}"
        print(f"  {role:9} pid {pid:>7}: RSS {rss / 1024:6.1f} MB, PSS {pss / 1024:6.1f} MB")
    total_rss = sum(row[1] for row in rows) / 1024
    total_pss = sum(row[2] for row in rows) / 1024
    print(f"  together: RSS {total_rss:.1f} MB (goal ≤ 230), PSS {total_pss:.1f} MB", flush=True)


# --- where the workers' time goes ------------------------------------------------------------------


@contextmanager
def profiled(master: int, folder: Path | None, label: str) -> Iterator[None]:
    """Sample the gunicorn workers with py-spy while the block runs (nothing if `folder` is None).

    Writes FOLDER/LABEL-wN.txt (py-spy's collapsed stacks, one per worker) and prints the functions
    holding the most samples, self and total, summed over the workers. Needs `py-spy` on PATH
    (`pip install py-spy`; it reads the workers' memory: run as their owner or as root). Sampling
    costs the workers a little: compare figures from unprofiled runs only.
    """
    import shutil
    import signal
    from collections import Counter

    if folder is None:
        yield
        return
    spy = shutil.which("py-spy") or str(VENV_BIN / "py-spy")
    folder.mkdir(parents=True, exist_ok=True)
    outputs = []
    samplers = []
    for n, pid in enumerate(server_processes(master)[1:], start=1):
        output = folder / f"{label}-w{n}.txt"
        outputs.append(output)
        samplers.append(
            subprocess.Popen(
                [spy, "record", "--pid", str(pid), "--rate", "250", "--nonblocking",
                 "--format", "raw", "--output", str(output)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        )  # fmt: skip
    try:
        yield
    finally:
        for sampler in samplers:
            sampler.send_signal(signal.SIGINT)
        for sampler in samplers:
            sampler.wait(timeout=60)
    own: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    samples = 0
    for output in outputs:
        if not output.exists():
            continue
        # A frame's file name may hold line breaks (functions that a library compiles from
        # source at run time): a stack ends at the line that ends with its count.
        for stack, count in re.findall(r"^(.*?) (\d+)$", output.read_text("utf-8"), re.M | re.S):
            samples += int(count)
            # py-spy's frames read "function (path/file.py:line)": named here without the line.
            frames = [
                (frame.rsplit(" (", 1)[0], frame.rsplit(" (", 1)[-1].rsplit(":", 1)[0])
                for frame in stack.split(";")
            ]
            function, path = frames[-1]
            own[f"{function} ({path.rsplit('/', 1)[-1]})"] += int(count)
            for function, path in {f for f in frames if "maruf_reg/" in f[1]}:
                ours[f"{function} ({path.split('maruf_reg/', 1)[1]})"] += int(count)
    if not samples:
        print(f"  profile {label}: no samples (is py-spy installed?)")
        return
    print(
        f"  profile {label}: {samples} samples. % of them in the function itself (any code), then"
    )
    print("  % inside each of this project's functions (callees included):")
    for (a, n), (b, m) in zip(own.most_common(20), ours.most_common(20), strict=False):
        print(f"    {100 * n / samples:5.1f} {a[:58]:<58} {100 * m / samples:5.1f} {b[:58]}")


def signed_badges(forum: Any, rows: Any, secret_key: str) -> list[str]:
    """Badge tokens for registration rows (id, badge_serial, category), signed as badges are."""
    from maruf_reg import badge_tokens

    return [
        badge_tokens.issue(
            forum,
            registration_id=row.id,
            serial=row.badge_serial,
            category=row.category,
            secret_key=secret_key,
        )
        for row in rows
    ]


# --- in-process requests (breakdown.py, instructions.py) -----------------------------------------


def wsgi(app: Any, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """Call a WSGI app in this process: (status, headers, body)."""
    answer: list[Any] = []
    body = app(environ, lambda status, headers, exc_info=None: answer.extend((status, headers)))
    try:
        data = b"".join(body)
    finally:
        getattr(body, "close", lambda: None)()
    return answer[0], answer[1], data


def environ(method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Any:
    """The WSGI environ of a request, as a server would pass it."""
    from werkzeug.test import EnvironBuilder

    return EnvironBuilder(path=path, method=method, data=body, headers=headers).get_environ()


#: the CSRF token in the sign-up page's form
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def browser_sign_up(app: Any, fields: dict[str, object]) -> None:
    """A sign-up as a browser makes it, in-process: GET /register, then the POST with the page's
    CSRF token and the cookie it set (Turkish pages); fails unless the POST redirects."""
    import urllib.parse

    status, headers, page = wsgi(app, environ("GET", "/register", None, {"Accept-Language": "tr"}))
    match = CSRF_RE.search(page.decode())
    assert status.startswith("200") and match, status
    cookie = "; ".join(v.split(";", 1)[0] for k, v in headers if k.lower() == "set-cookie")
    body = urllib.parse.urlencode({"csrf_token": match.group(1), **fields}, doseq=True)
    post = environ(
        "POST",
        "/register",
        body.encode(),
        {
            "Accept-Language": "tr",
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    status, _headers, _page = wsgi(app, post)
    assert status.startswith("302"), status
