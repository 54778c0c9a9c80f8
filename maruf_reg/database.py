"""Database engine set-up: SQLite in WAL mode with foreign keys on, write transactions that queue.

On SQLite a transaction that has read and then wants to write fails at once ("database is locked")
when another connection wrote meanwhile; waiting does not help it. So a request that may write
(any method but GET/HEAD/OPTIONS), and any block inside `write_intent()`, begins its transaction with
`BEGIN IMMEDIATE`: it waits for the write lock up front (busy timeout) and then cannot fail that way.
PostgreSQL needs none of this; services take row locks (`with_for_update`) where a rule could race.

Writers queue on a lock file beside the database (`flock`) before they ask SQLite for its write
lock. SQLite's own wait sleeps 1, 2, 5, 10 … ms between tries, so two busy app processes would
idle milliseconds at every clash; the kernel wakes the next writer the moment the lock is free.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from flask import Flask, request
from sqlalchemy import Engine, event

from maruf_reg.extensions import db

_write_intent: ContextVar[bool] = ContextVar("maruf_write_intent", default=False)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SQLITE_BUSY_TIMEOUT_S = 30


@contextlib.contextmanager
def write_intent() -> Iterator[None]:
    """Make the transactions begun inside this block take SQLite's write lock at once.

    A transaction that has only read so far is ended on entry: begun deferred, it could not take
    the write lock later (a rendered badge, a request's first look-ups).
    """
    token = _write_intent.set(True)
    session = db.session()
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.commit()
    try:
        yield
    finally:
        _write_intent.reset(token)


def _database_file(dbapi_connection: sqlite3.Connection) -> str | None:
    for _seq, name, path in dbapi_connection.execute("PRAGMA database_list"):
        if name == "main":
            return str(path) or None
    return None


@event.listens_for(Engine, "connect")
def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        path = _database_file(dbapi_connection)
        if path:
            # One open file per connection: flock locks of two open files exclude each other,
            # also between threads of one process.
            connection_record.info["write_lock"] = os.open(
                path + ".write-lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600
            )
        # We emit BEGIN ourselves (see _on_begin); pysqlite's own would be deferred.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.close()


@event.listens_for(Engine, "begin")
def _on_begin(connection: Any) -> None:
    if connection.dialect.name != "sqlite":
        return
    if not _write_intent.get():
        connection.exec_driver_sql("BEGIN")
        return
    info = connection.connection.info
    lock = info.get("write_lock")
    if lock is not None:
        fcntl.flock(lock, fcntl.LOCK_EX)
        info["write_locked"] = True
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        _release(connection)
        raise


def _release(connection: Any) -> None:
    info = connection.connection.info
    if info.pop("write_locked", False):
        fcntl.flock(info["write_lock"], fcntl.LOCK_UN)


def _end_then_release(end: str) -> Any:
    def handler(connection: Any) -> None:
        # SQLAlchemy calls this just before it ends the transaction; end it here so that the
        # next writer is let in only afterwards (SQLAlchemy's own COMMIT/ROLLBACK then finds no
        # transaction and does nothing).
        if connection.dialect.name == "sqlite" and connection.connection.info.get("write_locked"):
            try:
                getattr(connection.connection.dbapi_connection, end)()
            finally:
                _release(connection)

    return handler


event.listen(Engine, "commit", _end_then_release("commit"))
event.listen(Engine, "rollback", _end_then_release("rollback"))


@event.listens_for(Engine, "close")
def _on_close(dbapi_connection: Any, connection_record: Any) -> None:
    lock = connection_record.info.pop("write_lock", None)
    if lock is not None:
        connection_record.info.pop("write_locked", None)
        os.close(lock)  # closing the file also lets go of its lock


def render_migration_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write our column types as plain SQLAlchemy ones, so migrations never import the app."""
    from maruf_reg.models.base import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def init_app(app: Flask) -> None:
    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("sqlite"):
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_S)
        options["connect_args"] = connect_args
    else:
        options.setdefault("pool_pre_ping", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    import maruf_reg.models  # noqa: F401  (the models must be known before the first query)

    @app.before_request
    def _mark_write_intent() -> None:
        if request.method not in SAFE_METHODS:
            _write_intent.set(True)

    @app.teardown_request
    def _clear_write_intent(exc: BaseException | None) -> None:
        _write_intent.set(False)
