"""Database engine set-up: SQLite in WAL mode with foreign keys on, write transactions that queue.

On SQLite a transaction that has read and then wants to write fails at once ("database is locked")
when another connection wrote meanwhile; waiting does not help it. So a request that may write
(any method but GET/HEAD/OPTIONS), and any block inside `write_intent()`, begins its transaction with
`BEGIN IMMEDIATE`: it waits for the write lock up front (busy timeout) and then cannot fail that way.
PostgreSQL needs none of this; services take row locks (`with_for_update`) where a rule could race.

Writers queue on a lock file beside the database (`flock`) before they ask SQLite for its write
lock. SQLite's own wait sleeps 1, 2, 5, 10 … ms between tries, so two busy app processes would
idle milliseconds at every clash; the kernel wakes the next writer the moment the lock is free.
A write holds the lock for a fraction of a millisecond (a first scan's: 0.5 ms), so a writer that
finds it taken first tries again every 0.1 ms for 2 ms, and only then queues in the kernel: the helper
thread below costs ~60 µs of CPU each time (its start, and the GIL handed to it and back), paid
at every clash of two busy app processes (`bench/scans.py`, SQLite: 4–5 % of the first scans).

The wait is bounded (`WRITE_LOCK_TIMEOUT` seconds): a writer that cannot have the lock in time
raises `WriteLockTimeout`, which a request answers with 503 and `Retry-After` (web.py) instead of
hanging. `flock` itself has no time limit, so a contended lock is waited for in a helper thread:
the kernel still wakes it at once, and a waiter that gives up leaves the thread to take the lock
on a file of its own and let go of it straight away. PostgreSQL gets the same bound as its
`lock_timeout` (row locks, advisory locks); `init-db` waits without one.

So that work which needs no database never holds the lock, slow steps (hashing a password, parsing
an import, rendering) run after `end_reading()` and before the first write.

A pooled PostgreSQL connection is checked (`SELECT 1`) before use only when it has been idle in the
pool for `DATABASE_PING_AFTER` seconds: a server restarted, a firewall that dropped a quiet
connection, are found there and the connection is replaced unseen. One in steady use is not
checked (SQLAlchemy's `pool_pre_ping` would add a round trip to every request: a scan has five);
if the server went away under it, the request's first statement fails, SQLAlchemy renews the
whole pool, and the request answers 503 with Retry-After (web.py): the scanner sends the scan
again with its uuid, a person presses the button again. `DATABASE_PING_AFTER = 0` checks every
time (`pool_pre_ping`).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from flask import Flask, request
from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from maruf_reg.extensions import db

_write_intent: ContextVar[bool] = ContextVar("maruf_write_intent", default=False)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: PostgreSQL's SQLSTATE for a lock wait that ran out of `lock_timeout`, and for a full disk
_PG_LOCK_NOT_AVAILABLE = "55P03"
_PG_DISK_FULL = "53100"


class WriteLockTimeout(Exception):
    """The database's write lock could not be had within WRITE_LOCK_TIMEOUT seconds."""


def _has_changes(session: Session) -> bool:
    """Objects added, changed or deleted in the session and not yet flushed."""
    return bool(session.new or session.dirty or session.deleted)


def end_reading() -> None:
    """End the session's transaction if it has only read: SQLite's write lock (taken by the first
    query of a POST) is let go before slow work that needs no database. A transaction that has
    written (or holds changes not yet written) is left alone."""
    if not db.session.registry.has():
        return  # no session made in this request yet: no transaction to end
    session = db.session()
    if not session.in_transaction() or session.info.get(_WROTE):
        return
    if not _has_changes(session):
        session.commit()


def session_holds_writes() -> bool:
    """After `end_reading()`: the request's session still has a transaction open (so one that has
    written) or changes not yet flushed, which work on another connection would not see."""
    if not db.session.registry.has():
        return False
    session = db.session()
    return session.in_transaction() or _has_changes(session)


#: set in a session's info once its transaction has written (flush or an ORM-level DML statement)
_WROTE = "maruf_wrote"


def mark_written() -> None:
    """Say that the session's transaction has written through its connection (Core statements,
    which the ORM does not see): `end_reading()` must then leave it alone."""
    db.session.info[_WROTE] = True


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, flush_context: Any) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)


@contextlib.contextmanager
def write_intent() -> Iterator[None]:
    """Make the transactions begun inside this block take SQLite's write lock at once.

    A transaction that has only read so far is ended on entry: begun deferred, it could not take
    the write lock later (a rendered badge, a request's first look-ups).
    """
    token = _write_intent.set(True)
    end_reading()
    try:
        yield
    finally:
        _write_intent.reset(token)


@contextlib.contextmanager
def reading() -> Iterator[None]:
    """Begin the transactions inside this block as readers (no write lock, even in a POST), and
    end them on the way out: for the look-ups that prepare a large write."""
    token = _write_intent.set(False)
    end_reading()
    try:
        yield
    finally:
        end_reading()
        _write_intent.reset(token)


@dataclass(frozen=True)
class Prepared:
    """A statement to run once for each of many rows, with its parameters already in the database
    driver's own form: made before the write lock is taken, run under it with no work left for
    Python (SQLAlchemy's conversion of 20,000 rows' values takes longer than SQLite's writing)."""

    sql: str
    params: list[Any]
    #: the parameters' names in the order of a row's tuple (positional drivers: SQLite)
    order: tuple[str, ...] | None

    def run(self) -> None:
        if self.params:
            db.session.connection().exec_driver_sql(self.sql, self.params)

    def filled(self, name: str, values: Sequence[Any]) -> Prepared:
        """The rows with parameter `name` set (ids known only under the lock), one value a row;
        rows whose value is None are left out."""
        rows: list[Any] = []
        at = self.order.index(name) if self.order is not None else -1
        for row, value in zip(self.params, values, strict=True):
            if value is None:
                continue
            if at >= 0:
                rows.append((*row[:at], value, *row[at + 1 :]))
            else:
                rows.append({**row, name: value})
        return Prepared(self.sql, rows, self.order)


def prepare(statement: Any, rows: Sequence[Mapping[str, Any]]) -> Prepared:
    """`statement` (with a bind parameter for each key of the rows) ready to run for every row."""
    dialect = db.engine.dialect
    compiled = statement.compile(dialect=dialect)
    processors = {
        name: bind.type.dialect_impl(dialect).bind_processor(dialect)
        for name, bind in compiled.binds.items()
    }

    def value(row: Mapping[str, Any], name: str) -> Any:
        processor = processors[name]
        raw = row.get(name)
        return processor(raw) if processor and raw is not None else raw

    if compiled.positional:
        order = tuple(compiled.positiontup or ())
        params: list[Any] = [tuple(value(row, name) for name in order) for row in rows]
        return Prepared(compiled.string, params, order)
    params = [{name: value(row, name) for name in processors} for row in rows]
    return Prepared(compiled.string, params, None)


def is_lock_timeout(error: BaseException) -> bool:
    """A write that gave up waiting for a lock (either engine): the request may be tried again."""
    if isinstance(error, WriteLockTimeout):
        return True
    if isinstance(error, OperationalError):
        original = error.orig
        if isinstance(original, sqlite3.OperationalError):
            return "database is locked" in str(original)
        return getattr(original, "sqlstate", None) == _PG_LOCK_NOT_AVAILABLE
    return False


def is_disconnect(error: BaseException) -> bool:
    """The database server went away under a connection in use (SQLAlchemy has renewed the pool):
    the request may be tried again."""
    return isinstance(error, DBAPIError) and error.connection_invalidated


def is_disk_full(error: BaseException) -> bool:
    """The disk (of the database, or of a file being written) is full."""
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return True
    if isinstance(error, OperationalError):
        original = error.orig
        if isinstance(original, sqlite3.OperationalError):
            return "database or disk is full" in str(original)
        return getattr(original, "sqlstate", None) == _PG_DISK_FULL
    return False


def _database_file(dbapi_connection: sqlite3.Connection) -> str | None:
    for _seq, name, path in dbapi_connection.execute("PRAGMA database_list"):
        if name == "main":
            return str(path) or None
    return None


def _open_lock_file(path: str) -> int:
    # One open file per connection: flock locks of two open files exclude each other, also
    # between threads of one process.
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)


#: SQLite's files beside the database; it makes the WAL, shared memory and journal with the
#: database file's own mode
_SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def protect_sqlite_files(path: str) -> None:
    """The database and its WAL, shared memory and journal: readable by the app's user alone."""
    for suffix in _SQLITE_SUFFIXES:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path + suffix, 0o600)


def protect_instance_folder(folder: str) -> None:
    """The instance folder (database, keys, queue, outbox): the app's user alone may enter it."""
    os.makedirs(folder, mode=0o700, exist_ok=True)
    try:
        os.chmod(folder, 0o700)
    except PermissionError:
        # A folder that belongs to another user (a read-only mount): say so, do not stop.
        logging.getLogger(__name__).warning("cannot make %s private (chmod 0700)", folder)


@event.listens_for(Engine, "connect")
def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        path = _database_file(dbapi_connection)
        if path:
            protect_sqlite_files(path)
            connection_record.info["write_lock_path"] = path + ".write-lock"
            connection_record.info["write_lock"] = _open_lock_file(path + ".write-lock")
        # We emit BEGIN ourselves (see _on_begin); pysqlite's own would be deferred.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # The busy timeout was set from WRITE_LOCK_TIMEOUT (init_app): the flock wait uses it too.
        busy_ms = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
        connection_record.info["lock_timeout"] = busy_ms / 1000
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


#: a write lock found taken is tried again this often (s), for this long, before queueing for it
LOCK_POLL_EVERY = 0.0001
LOCK_POLL_FOR = 0.002


def _try_lock(lock: int) -> bool:
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _wait_for_lock(info: dict[str, Any], timeout: float) -> bool:
    """Take the connection's flock within `timeout` seconds; False if it could not be had."""
    lock = info["write_lock"]
    if _try_lock(lock):
        return True
    # Most writes are over within a poll or two: tried again here, no thread started.
    began = time.monotonic()
    polled_until = began + min(LOCK_POLL_FOR, timeout)
    while time.monotonic() < polled_until:
        time.sleep(LOCK_POLL_EVERY)
        if _try_lock(lock):
            return True
    timeout -= time.monotonic() - began
    if timeout <= 0:
        return False
    taken = threading.Event()
    handover = threading.Lock()
    abandoned = False

    def wait() -> None:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with handover:
            if not abandoned:
                taken.set()
                return
        os.close(lock)  # nobody uses this file any more: closing it lets go of the lock

    threading.Thread(target=wait, name="write-lock-wait", daemon=True).start()
    if taken.wait(timeout):
        return True
    with handover:
        if taken.is_set():
            return True
        abandoned = True
    # The waiting thread keeps the old file; the connection gets a new one.
    info["write_lock"] = _open_lock_file(info["write_lock_path"])
    return False


@event.listens_for(Engine, "begin")
def _on_begin(connection: Any) -> None:
    if connection.dialect.name != "sqlite":
        return
    if not _write_intent.get():
        connection.exec_driver_sql("BEGIN")
        return
    info = connection.connection.info
    if "write_lock" in info:
        if not _wait_for_lock(info, info["lock_timeout"]):
            raise WriteLockTimeout(
                f"no write lock within {info['lock_timeout']:g} s: another write holds it"
            )
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


#: in a pooled connection's info: when it was last given back to the pool (time.monotonic())
_IDLE_SINCE = "maruf_idle_since"


def _ping_when_idle(engine: Engine, after: float) -> None:
    """Check a connection that sat in the pool for `after` seconds or more before handing it out;
    a dead one is replaced (the pool retries on DisconnectionError). See the module's doc."""
    dbapi_error = engine.dialect.loaded_dbapi.Error

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection: Any, connection_record: Any) -> None:
        if dbapi_connection is not None:
            connection_record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, connection_record: Any, proxy: Any) -> None:
        idle_since = connection_record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < after:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_connection.rollback()
        except dbapi_error as error:
            raise DisconnectionError(f"an idle connection was found closed: {error}") from error


def init_app(app: Flask) -> None:
    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    timeout = float(app.config["WRITE_LOCK_TIMEOUT"])
    connect_args = dict(options.get("connect_args") or {})
    if uri.startswith("sqlite"):
        connect_args.setdefault("timeout", timeout)
    else:
        ping_after = float(app.config["DATABASE_PING_AFTER"])
        options.setdefault("pool_pre_ping", ping_after <= 0)
        if uri.startswith("postgresql"):
            bound = f"-c lock_timeout={round(timeout * 1000)}"
            connect_args["options"] = f"{connect_args.get('options', '')} {bound}".strip()
    options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    if not uri.startswith("sqlite") and not options["pool_pre_ping"]:
        with app.app_context():
            _ping_when_idle(db.engine, ping_after)
    import maruf_reg.models  # (the models must be known before the first query)

    if uri.startswith("postgresql"):
        maruf_reg.models.people.for_postgresql()

    @app.before_request
    def _mark_write_intent() -> None:
        if request.method not in SAFE_METHODS:
            _write_intent.set(True)

    @app.teardown_request
    def _clear_write_intent(exc: BaseException | None) -> None:
        _write_intent.set(False)
