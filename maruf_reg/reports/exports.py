"""CSV and XLSX exports of registrations, scans and sessions, streamed row by row.

The database hands rows over in batches (`yield_per`: a server-side cursor on PostgreSQL) and each
batch is written before the next is read, so 50,000 registrations are never in memory at once.

Contract (the README's "Reports" section): UTF-8 with a BOM, comma-separated, English codes, times in ISO 8601 UTC.
A text cell that starts with = + - @ (or a tab or carriage return) gets a leading ' so that a
spreadsheet shows it as text instead of running it as a formula.
"""

from __future__ import annotations

import csv
import enum
import io
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from sqlalchemy import String, select, type_coerce

from maruf_reg.extensions import db
from maruf_reg.models import CheckInPoint, Forum, Person, Registration, Scan
from maruf_reg.names import display_name
from maruf_reg.reports import attendance
from maruf_reg.reports.files import write_with

BOM = "\ufeff"
#: Rows fetched from the database at a time, and written to a download at a time.
BATCH = 2000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 (so XLSX) cannot hold; a name pasted with a control character must not fail.
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class ExportKind(enum.StrEnum):
    REGISTRATIONS = "registrations"
    SCANS = "scans"
    SESSIONS = "sessions"


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


COLUMNS: dict[ExportKind, tuple[str, ...]] = {
    ExportKind.REGISTRATIONS: (
        "id",
        "given_name",
        "family_name",
        "email",
        "organisation",
        "country",
        "category",
        "status",
        "created_at",
    ),
    ExportKind.SCANS: (
        "uuid",
        "scanned_at",
        "received_at",
        "point",
        "registration_id",
        "name",
        "email",
        "category",
        "outcome",
        "device",
        "offline",
    ),
    ExportKind.SESSIONS: (
        "id",
        "title_en",
        "title_tr",
        "theme",
        "room",
        "kind",
        "starts_at",
        "ends_at",
        "capacity",
        "room_capacity",
        "booked",
        "waitlisted",
        "attended",
        "no_shows",
        "walk_ins",
        "peak",
        "peak_at",
    ),
}


def safe_text(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _code(column: Any) -> Any:
    # Enum columns read as their stored English code; skipping the enum conversion is also faster.
    return type_coerce(column, String)


def _registration_rows(forum: Forum) -> Iterator[Sequence[Any]]:
    query = (
        select(
            Registration.id,
            Person.given_name,
            Person.family_name,
            Person.email,
            Person.organisation,
            Person.country,
            _code(Registration.category),
            _code(Registration.status),
            Registration.created_at,
        )
        .join(Person, Person.id == Registration.person_id)
        .where(Registration.forum_id == forum.id)
        .order_by(Registration.id)
        .execution_options(yield_per=BATCH)
    )
    yield from db.session.execute(query)


def _scan_rows(forum: Forum) -> Iterator[Sequence[Any]]:
    query = (
        select(
            Scan.uuid,
            Scan.scanned_at,
            Scan.received_at,
            Scan.point_id,
            Scan.registration_id,
            Person.given_name,
            Person.family_name,
            Person.email,
            _code(Registration.category),
            _code(Scan.outcome),
            Scan.device,
            Scan.offline,
        )
        .join(CheckInPoint, CheckInPoint.id == Scan.point_id)
        .outerjoin(Registration, Registration.id == Scan.registration_id)
        .outerjoin(Person, Person.id == Registration.person_id)
        .where(CheckInPoint.forum_id == forum.id)
        .order_by(Scan.scanned_at, Scan.id)
        .execution_options(yield_per=BATCH)
    )
    for row in db.session.execute(query):
        uuid, scanned, received, point, rid, given, family, email, *rest = row
        name = display_name(given or "", family or "")
        yield (uuid, scanned, received, point, rid, name, email, *rest)


def _session_rows(forum: Forum) -> Iterator[Sequence[Any]]:
    # Forty-odd sessions: their figures are computed together, as on the report page.
    for s in attendance.session_figures(forum):
        yield (
            s.id,
            s.title_en,
            s.title_tr,
            s.theme_slug,
            s.room,
            s.kind.value,
            s.starts_at,
            s.ends_at,
            s.capacity,
            s.room_capacity,
            s.booked,
            s.waitlisted,
            s.attended,
            s.no_shows,
            s.walk_ins,
            s.peak,
            s.peak_at,
        )


ROWS: dict[ExportKind, Callable[[Forum], Iterator[Sequence[Any]]]] = {
    ExportKind.REGISTRATIONS: _registration_rows,
    ExportKind.SCANS: _scan_rows,
    ExportKind.SESSIONS: _session_rows,
}


def iso_utc(value: datetime) -> str:
    """`2030-10-01T09:12:03.123Z`, as the scanning API writes times."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, str):
        return safe_text(value)
    return value


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, datetime):
        # Excel has no time zones: the cell holds the UTC time (the CSV's "Z").
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, str):
        return safe_text(XML_ILLEGAL.sub("", value))
    return value


def csv_chunks(kind: ExportKind, forum: Forum) -> Iterator[str]:
    """The CSV file in pieces of BATCH rows: the BOM and header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(COLUMNS[kind])
    for n, row in enumerate(ROWS[kind](forum), start=1):
        writer.writerow([_csv_value(value) for value in row])
        if n % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_csv(kind: ExportKind, forum: Forum, handle: IO[str]) -> int:
    """Write the CSV to an open text file (opened with newline=""); returns the number of rows."""
    writer = csv.writer(handle, lineterminator="\r\n")
    handle.write(BOM)
    writer.writerow(COLUMNS[kind])
    rows = 0
    for row in ROWS[kind](forum):
        writer.writerow([_csv_value(value) for value in row])
        rows += 1
    return rows


def write_xlsx(kind: ExportKind, forum: Forum, handle: IO[bytes]) -> int:
    """Write the workbook (one sheet, openpyxl's write-only mode) to an open binary file."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=kind.value)
    sheet.append(list(COLUMNS[kind]))
    rows = 0
    for row in ROWS[kind](forum):
        sheet.append([_xlsx_value(value) for value in row])
        rows += 1
    workbook.save(handle)
    return rows


def export_to_file(kind: ExportKind, fmt: ExportFormat, forum: Forum, out: Path) -> int:
    """Write an export to `out` through a temporary file renamed at the end: `out` is either
    complete or untouched. Returns the number of rows; raises OutputError when it cannot write."""
    if fmt == ExportFormat.CSV:
        # newline="": the csv module writes its own line ends.
        return write_with(
            out, lambda handle: write_csv(kind, forum, handle), "w", encoding="utf-8", newline=""
        )
    return write_with(out, lambda handle: write_xlsx(kind, forum, handle))


def filename(kind: ExportKind, fmt: ExportFormat, forum: Forum, now: datetime) -> str:
    """`maruf-registrations-20301001-0912.csv` (local time of the forum)."""
    stamp = now.astimezone(forum.zone).strftime("%Y%m%d-%H%M")
    return f"{forum.slug}-{kind.value}-{stamp}.{fmt.value}"
