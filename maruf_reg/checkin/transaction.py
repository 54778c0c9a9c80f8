"""A scan's transaction: on a pooled connection of its own, or the ORM session's when it must take
part (`scan_transaction`). The scan path (`maruf_reg/checkin/scans.py`) runs Core statements built
once; they need none of the session's bookkeeping (7 % of a first scan's instructions), and a
token's scan request then makes no session at all."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection

from maruf_reg.database import session_holds_writes
from maruf_reg.extensions import db


class Decision:
    """The transaction a scan is decided and stored in: on its own connection, or (None) in the
    ORM session's."""

    def __init__(self, connection: Connection | None) -> None:
        self._own = connection

    @property
    def connection(self) -> Connection:
        # the session's is asked for each time: after a rollback it is another
        return self._own if self._own is not None else db.session.connection()

    def run(self, statement: Any, **values: Any) -> Any:
        return self.connection.execute(statement, values)

    def commit(self) -> None:
        (self._own if self._own is not None else db.session).commit()

    def rollback(self) -> None:
        (self._own if self._own is not None else db.session).rollback()


@contextlib.contextmanager
def scan_transaction(*, forced: bool) -> Iterator[Decision]:
    """A scan's transaction (the decision's; on SQLite also the room's count read before it).
    A forced scan writes its audit entry through the session (`audit.record`), and a caller's
    writes not yet committed must be seen and committed with the scan (on SQLite a second
    connection would wait for the caller's own write lock): those are decided in the session's
    transaction. Every other scan on a connection of its own, given back to the pool at the end
    (rolled back, and SQLite's write lock let go, if it was not committed)."""
    if forced or session_holds_writes():
        yield Decision(None)
        return
    with db.engine.connect() as connection:
        yield Decision(connection)
