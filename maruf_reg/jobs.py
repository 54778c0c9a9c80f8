"""The job queues (Huey), bound to the app in `create_app`: one for mail, one for rendering.

A confirmation mail must not wait behind a 5,000-badge batch, so each queue has its own consumers
(`flask worker --queues mail,render`; see workers.py): `huey` carries mail, `render_queue` badge
batches and other heavy rendering. Huey keeps the queues in SQLite in the instance folder, or in
Redis when `REDIS_URL` is set (what several hosts share); with `HUEY_IMMEDIATE` the tasks run
inline (tests).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from flask import Flask, has_app_context

#: clients Huey's storage module imports, when installed, for storages a worker may never use:
#: PostgreSQL's (the queues live in SQLite or Redis; 9 MB in every web worker on SQLite; on
#: PostgreSQL, SQLAlchemy imports it as its driver) and Redis's (6 MB with the asyncio it pulls in;
#: a one-host install without `REDIS_URL` never talks to Redis). The Redis client is handed to
#: Huey when an app asks for its Redis storage (`_redis_storage`).
UNUSED_BY_HUEY = ("psycopg", "redis")


@contextlib.contextmanager
def _without(names: tuple[str, ...]) -> Iterator[None]:
    """Imports inside see `names` as not installed (unless already imported); after, they are."""
    hidden = [name for name in names if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # `import name` raises ImportError
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name) is None:
                del sys.modules[name]


with _without(UNUSED_BY_HUEY):
    from huey import Huey
    from huey.storage import SqliteStorage


def _redis_storage(name: str, url: str) -> Any:
    """Huey's Redis storage. Huey's storage module reads the client's names once, as it is imported
    (`from redis import Redis` …); it was imported with `redis` hidden, so they are given to it here.
    tests/test_lazy_imports.py checks, in a fresh interpreter, that a queue in Redis still works."""
    import redis
    from huey import storage

    if storage.Redis is None:
        storage.ConnectionPool = redis.ConnectionPool
        storage.Redis = storage.RedisStorage.redis_client = redis.Redis
        storage.ConnectionError = redis.exceptions.ConnectionError
        storage.TimeoutError = redis.exceptions.TimeoutError
    return storage.RedisStorage(name, url=url)


F = TypeVar("F", bound=Callable[..., Any])


class QueueStorage(SqliteStorage):  # type: ignore[misc]
    """Huey's SQLite queue, as durable as the app's database: WAL with synchronous=NORMAL.

    (Huey's default syncs the disk on every enqueue: a wait in each sign-up.)
    """

    def _create_connection(self) -> Any:
        connection = super()._create_connection()
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection


class FlaskHuey(Huey):  # type: ignore[misc]
    """A Huey whose storage is chosen by the app's config and whose tasks run in an app context."""

    def __init__(self, queue: str) -> None:
        # In memory until an app binds it: importing the package opens no file and no socket.
        super().__init__("maruf", immediate=True)
        #: the queue's name for `flask worker --queues`
        self.queue = queue
        self.app: Flask | None = None

    def init_app(self, app: Flask) -> None:
        self.app = app
        if app.config["HUEY_IMMEDIATE"]:
            self._immediate = False
            self.immediate = True  # Huey switches to its in-memory storage.
            return
        self._immediate = False
        # The mail queue keeps the plain name: mail queued before the queues were split still goes.
        base = app.config["HUEY_NAME"]
        self.name = base if self.queue == MAIL else f"{base}.{self.queue}"
        if app.config["REDIS_URL"]:
            self.storage = _redis_storage(self.name, app.config["REDIS_URL"])
        else:
            path = os.path.join(app.instance_path, "huey.sqlite3")
            self.storage = QueueStorage(self.name, filename=path)

    def app_task(self, **options: Any) -> Callable[[F], Any]:
        """Like `huey.task`, but the function runs inside the bound app's context."""

        def decorator(func: F) -> Any:
            @functools.wraps(func)
            def run(*args: Any, **kwargs: Any) -> Any:
                if has_app_context() or self.app is None:
                    return func(*args, **kwargs)
                with self.app.app_context():
                    return func(*args, **kwargs)

            return self.task(**options)(run)

        return decorator


MAIL = "mail"
RENDER = "render"
#: mail (confirmations, links, notices): many small tasks that must go out at once
huey = FlaskHuey(MAIL)
#: badge batches and other long rendering
render_queue = FlaskHuey(RENDER)
QUEUES: dict[str, FlaskHuey] = {MAIL: huey, RENDER: render_queue}


def init_app(app: Flask) -> None:
    for queue in QUEUES.values():
        queue.init_app(app)
