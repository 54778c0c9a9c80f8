"""What the benchmarks share: a scratch PostgreSQL database, the `flask` command, a free port."""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
    app_spec: str, env: dict[str, str], *, workers: int = 2, chdir: Path | None = None
) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """gunicorn with `workers` sync workers on a free loopback port; yields (port, master process)."""
    import time

    port = free_port()
    args = [str(VENV_BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    args += ["--log-level", "warning", "--timeout", "300"]
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
