"""SQLite's writers queue on a lock file (`maruf_reg/database.py`): a lock found taken is tried again
for a moment, then waited for in a helper thread, and given up after the timeout."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from maruf_reg import database
from tests.conftest import lock_is_free

#: the tests' own threads, not counted as helper threads
RealThread = threading.Thread


@pytest.fixture
def lock_path(tmp_path: Path) -> str:
    return str(tmp_path / "db.sqlite3.write-lock")


@pytest.fixture
def connection_info(lock_path: str) -> Iterator[dict[str, Any]]:
    """What `_on_connect` keeps for a SQLite connection: its own open lock file."""
    info = {"write_lock_path": lock_path, "write_lock": database._open_lock_file(lock_path)}
    yield info
    os.close(info["write_lock"])


@pytest.fixture
def other_writer(lock_path: str) -> Iterator[int]:
    """Another connection (another open file of the same lock file) holding the lock."""
    handle = database._open_lock_file(lock_path)
    fcntl.flock(handle, fcntl.LOCK_EX)
    yield handle
    os.close(handle)


@pytest.fixture
def helper_threads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the helper threads `_wait_for_lock` starts."""
    started: list[str] = []

    def spy(*args: Any, **kwargs: Any) -> threading.Thread:
        started.append(kwargs.get("name", ""))
        return RealThread(*args, **kwargs)

    monkeypatch.setattr(database.threading, "Thread", spy)
    return started


def release_after(handle: int, seconds: float) -> threading.Thread:
    releaser = RealThread(target=lambda: (time.sleep(seconds), fcntl.flock(handle, fcntl.LOCK_UN)))
    releaser.start()
    return releaser


def test_a_free_lock_is_taken_at_once(connection_info, lock_path, helper_threads):
    assert database._wait_for_lock(connection_info, 1.0)
    assert not lock_is_free(lock_path)
    assert helper_threads == []


def test_a_lock_let_go_while_polling_is_taken_without_a_helper_thread(
    connection_info, lock_path, other_writer, helper_threads, monkeypatch
):
    monkeypatch.setattr(database, "LOCK_POLL_FOR", 10.0)  # the poll outlasts the other write
    releaser = release_after(other_writer, 0.05)
    assert database._wait_for_lock(connection_info, 10.0)
    releaser.join()
    assert not lock_is_free(lock_path)
    assert helper_threads == []


def test_a_longer_write_is_waited_for_in_a_helper_thread(
    connection_info, lock_path, other_writer, helper_threads, monkeypatch
):
    monkeypatch.setattr(database, "LOCK_POLL_FOR", 0.001)
    releaser = release_after(other_writer, 0.5)
    assert database._wait_for_lock(connection_info, 10.0)
    releaser.join()
    assert not lock_is_free(lock_path)
    assert helper_threads == ["write-lock-wait"]


def test_a_lock_held_past_the_timeout_is_given_up(
    connection_info, lock_path, other_writer, helper_threads
):
    first_file = connection_info["write_lock"]
    began = time.monotonic()
    assert not database._wait_for_lock(connection_info, 0.1)
    assert 0.1 <= time.monotonic() - began < 5
    assert helper_threads == ["write-lock-wait"]
    # The helper still waits on the old file; the connection goes on with a new one.
    assert connection_info["write_lock"] != first_file
    fcntl.flock(other_writer, fcntl.LOCK_UN)
    deadline = time.monotonic() + 5
    while not lock_is_free(lock_path) and time.monotonic() < deadline:
        time.sleep(0.01)  # the helper takes the lock, sees it was given up, lets go of it
    assert lock_is_free(lock_path)


def test_a_timeout_within_the_poll_starts_no_helper_thread(
    connection_info, other_writer, helper_threads
):
    began = time.monotonic()
    assert not database._wait_for_lock(connection_info, database.LOCK_POLL_FOR / 4)
    assert time.monotonic() - began < 5
    assert helper_threads == []
