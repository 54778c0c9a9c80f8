"""SQL pieces the reports need that SQLite and PostgreSQL spell differently."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


class time_bucket(FunctionElement[int]):
    """Whole `seconds`-long slices since 1970 of a stored UTC time: `time_bucket(column, 900)`.

    Grouping by a quarter of an hour in UTC and mapping each slice to the forum's local day or hour in
    Python keeps the database out of time-zone rules (SQLite has none) and is exact for every zone
    (all UTC offsets in use are whole quarters of an hour).
    """

    type = BigInteger()
    inherit_cache = True
    name = "time_bucket"

    def __init__(
        self, column: ColumnElement[Any] | InstrumentedAttribute[Any], seconds: int
    ) -> None:
        if int(seconds) <= 0:
            raise ValueError("a bucket lasts at least a second")
        # A literal, not a bound parameter: PostgreSQL must see the same text in SELECT and GROUP BY.
        super().__init__(column, literal_column(str(int(seconds))))


def _parts(element: time_bucket, compiler: Any, **kw: Any) -> tuple[str, str]:
    column, seconds = list(element.clauses)
    return compiler.process(column, **kw), compiler.process(seconds, **kw)


@compiles(time_bucket, "sqlite")
def _sqlite_bucket(element: time_bucket, compiler: Any, **kw: Any) -> str:
    column, seconds = _parts(element, compiler, **kw)
    # Stored times are UTC text ('2030-10-01 09:12:03.123000'); %s reads them as UTC.
    return f"(CAST(strftime('%s', {column}) AS INTEGER) / {seconds})"


@compiles(time_bucket, "postgresql")
def _postgresql_bucket(element: time_bucket, compiler: Any, **kw: Any) -> str:
    column, seconds = _parts(element, compiler, **kw)
    # The column is a timestamp without time zone holding UTC: date_part reads it as UTC, and as
    # a double (EXTRACT's numeric is slower).
    return f"CAST(FLOOR(date_part('epoch', {column}) / {seconds}) AS BIGINT)"
