"""The Huey queue for background jobs (mail, badge batches), bound to the app in `create_app`.

Huey keeps its queue in SQLite in the instance folder, or in Redis when `REDIS_URL` is set; with
`HUEY_IMMEDIATE` the tasks run inline (tests). `flask worker` runs the consumer.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, has_app_context
from huey import Huey
from huey.storage import RedisStorage, SqliteStorage

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

    def __init__(self) -> None:
        # In memory until an app binds it: importing the package opens no file and no socket.
        super().__init__("maruf", immediate=True)
        self.app: Flask | None = None

    def init_app(self, app: Flask) -> None:
        self.app = app
        if app.config["HUEY_IMMEDIATE"]:
            self._immediate = False
            self.immediate = True  # Huey switches to its in-memory storage.
            return
        self._immediate = False
        self.name = app.config["HUEY_NAME"]
        if app.config["REDIS_URL"]:
            self.storage = RedisStorage(self.name, url=app.config["REDIS_URL"])
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


huey = FlaskHuey()
