"""Crash safety: the server and the worker are killed (SIGKILL) in the middle of their work.

After a restart nothing is half-written: every sign-up is whole or absent, a badge batch that was
cut off is marked failed with nothing recorded, and no temporary file is left behind.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from maruf_reg.extensions import db
from maruf_reg.models import (
    BadgePrint,
    Job,
    JobStatus,
    Person,
    Registration,
    Seat,
    SeatStatus,
    StoredFile,
)
from maruf_reg.workers import work_prefix
from tests.conftest import TEST_SECRET, free_port

BIN = Path(sys.executable).parent
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

pytestmark = pytest.mark.slow


def server_env(app) -> dict[str, str]:
    return {
        **os.environ,
        "MARUF_INSTANCE_PATH": app.instance_path,
        "MARUF_SECRET_KEY": TEST_SECRET,
        "MARUF_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "MARUF_RATELIMIT_ENABLED": "false",
        "MARUF_REDIS_URL": "",
        "MARUF_PASSWORD_HASH_METHOD": '"pbkdf2:sha256:1000"',
    }


@contextmanager
def process(command: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    child = subprocess.Popen(
        command, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield child
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=10)


def kill(child: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process and everything it started (gunicorn's workers, render processes)."""
    os.killpg(child.pid, signal.SIGKILL)
    child.wait(timeout=10)


def wait_until_up(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server did not start")


def sign_up(port: int, n: int, session_id: int) -> int:
    """One sign-up as a browser does it; the status of the POST."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/register")
    page = connection.getresponse()
    html = page.read().decode()
    cookie = "; ".join(v.split(";")[0] for k, v in page.getheaders() if k.lower() == "set-cookie")
    body = urllib.parse.urlencode(
        {
            "csrf_token": CSRF_RE.search(html).group(1),
            "given_name": "Şule",
            "family_name": f"Işık {n}",
            "email": f"crash{n}@example.org",
            "country": "TR",
            "language": "tr",
            "category": "participant",
            "consent_data": "y",
            "sessions": str(session_id),
        }
    )
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(
        "POST", "/register", body=body,
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    return connection.getresponse().status


def assert_whole(app, capacity: int) -> None:
    with app.app_context():
        people = db.session.scalar(select(func.count()).select_from(Person))
        registrations = db.session.scalar(select(func.count()).select_from(Registration))
        assert people == registrations, "a person without a registration, or the reverse"
        booked = db.session.scalar(
            select(func.count()).select_from(Seat).where(Seat.status == SeatStatus.BOOKED)
        )
        assert booked <= capacity
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        db.session.rollback()


def test_killing_the_server_during_a_sign_up_burst_leaves_no_half_registration(
    app, forum, make_room, make_session
):
    session = make_session(forum, room=make_room(forum, capacity=25), capacity=25)
    port = free_port()
    command = [
        str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
        "maruf_reg:create_app()",
    ]  # fmt: skip
    done: list[int] = []
    failed: list[int] = []
    stop = threading.Event()

    def client(first: int) -> None:
        n = first
        while not stop.is_set():
            try:
                status = sign_up(port, n, session.id)
            except (OSError, http.client.HTTPException, AttributeError):
                failed.append(n)
            else:
                (done if status == 302 else failed).append(n)
            n += 100

    with process(command, server_env(app)) as server:
        wait_until_up(port)
        threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while len(done) < 40 and time.monotonic() < deadline:
            time.sleep(0.01)
        kill(server)  # in the middle of the burst
        stop.set()
        for thread in threads:
            thread.join()
    assert len(done) >= 40
    assert_whole(app, capacity=25)
    with app.app_context():
        emails = set(db.session.scalars(select(Person.email)))
    assert {f"crash{n}@example.org" for n in done} <= emails  # every answered sign-up is kept

    with process(command, server_env(app)):
        wait_until_up(port)
        assert sign_up(port, 99_999, session.id) == 302  # the restarted server works
    assert_whole(app, capacity=25)


def test_killing_the_worker_during_a_badge_batch_fails_the_job_and_leaves_no_files(
    make_app, forum, make_registration
):
    from maruf_reg.badges import batches, tasks

    queueing = make_app(HUEY_IMMEDIATE=False)
    for _ in range(300):
        make_registration(forum)
    env = {**server_env(queueing), "MARUF_BADGE_CHUNK_SIZE": "20", "MARUF_BADGE_WORKERS": "2"}
    with queueing.app_context():
        job = batches.start_batch_job(
            forum.id, batches.Selection(), layout="a6", staff_user_id=None
        )
        tasks.render_badge_batch(job.id)  # into the SQLite queue in the instance folder
        job_id = job.id
    with queueing.app_context():
        prefix = work_prefix(job_id)

    def work_folders() -> list[Path]:
        return list(Path(tempfile.gettempdir()).glob(f"{prefix}*"))

    def job_now() -> Job:
        with queueing.app_context():
            found = db.session.get(Job, job_id)
            db.session.expunge(found)
            return found

    worker_command = [str(BIN / "flask"), "--app", "maruf_reg", "worker", "--workers", "1"]
    with process(worker_command, env) as worker:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = job_now()
            if state.status == JobStatus.RUNNING and 0 < state.done < state.total:
                assert work_folders(), "the batch renders in a working folder of its own"
                break
            assert state.status != JobStatus.DONE, "the batch ended before it could be cut off"
            time.sleep(0.05)
        else:
            raise AssertionError("the batch never got under way")
        kill(worker)
    assert job_now().status == JobStatus.RUNNING  # as the dead worker left it

    with process(worker_command, env):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if job_now().status != JobStatus.RUNNING and not work_folders():
                break
            time.sleep(0.05)
    cut_off = job_now()
    assert cut_off.status == JobStatus.FAILED
    assert "start it again" in cut_off.error
    assert work_folders() == []  # no PDF, no partial file, no chunk folder
    with queueing.app_context():
        assert db.session.scalar(select(func.count()).select_from(BadgePrint)) == 0
        assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0
    assert sorted(p.name for p in Path(queueing.instance_path).iterdir()) == [
        "huey.sqlite3",
        "huey.sqlite3-shm",
        "huey.sqlite3-wal",
    ]  # the queue, and nothing generated
