"""CSV and XLSX exports of registrations, scans and sessions, streamed row by row.

The rows come from `maruf_reg/reports/export_rows.py` in batches and each batch is written before
the next is read, so 50,000 registrations are never in memory at once; the columns are in
`export_columns.py`.

Contract (the README's "Reports" section): UTF-8 with a BOM, comma-separated, English codes, times
in ISO 8601 UTC, the contract's column codes as the header. For people, the same export can carry
the forum's local times and a header in their language (`ExportOptions`).
A text cell that starts with = + - @ (or a tab or carriage return) gets a leading ' so that a
spreadsheet shows it as text instead of running it as a formula. A CSV cell that holds a separator
(`,`, `;`, a tab) is quoted; and since Excel on a Turkish or German Windows splits a comma file at
`;` whatever the quotes, a formula character after a `;` or a tab inside a cell gets the ' too
(`x;=2+5` is written `"x;'=2+5"`): no piece of a cell starts a formula (`csv_line`, the one CSV
writer).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from flask_babel import force_locale

from maruf_reg.models import Forum
from maruf_reg.reports import export_rows
from maruf_reg.reports.export_columns import (
    Column,
    ExportFormat,
    ExportKind,
    ExportOptions,
    Times,
)
from maruf_reg.reports.export_rows import BATCH
from maruf_reg.reports.files import write_with

__all__ = [
    "ExportFormat",
    "ExportKind",
    "ExportOptions",
    "Times",
    "csv_chunks",
    "csv_line",
    "export_to_file",
    "filename",
    "safe_text",
    "write_csv",
    "write_xlsx",
]

BOM = "\ufeff"
#: how local times are written in a CSV for people (a spreadsheet reads it as a date-time)
LOCAL_FORMAT = "%Y-%m-%d %H:%M:%S"
DEFAULT = ExportOptions()
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 (so XLSX) cannot hold; a name pasted with a control character must not fail.
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_text(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


#: what makes a CSV cell quoted: a separator some spreadsheet splits at, a quote, a line end
_NEEDS_QUOTES = re.compile(r'[",;\t\r\n]')


#: a formula character where a `;`-splitting spreadsheet starts a new cell inside ours
_SPLIT_FORMULA = re.compile(r"([;\t][\s\"]*)(?=[=+\-@\t\r])")


def _csv_field(value: Any) -> str:
    text = _SPLIT_FORMULA.sub(r"\1'", str(value))
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(cells: Sequence[Any]) -> str:
    """One CSV line (RFC 4180, CRLF): cells with a separator, quote or line end are quoted."""
    return ",".join(_csv_field(cell) for cell in cells) + "\r\n"


def iso_utc(value: datetime) -> str:
    """`2030-10-01T09:12:03.123Z`, as the scanning API writes times."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _csv_value(value: Any, zone: ZoneInfo | None) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime(LOCAL_FORMAT) if zone else iso_utc(value)
    if isinstance(value, str):
        return safe_text(value)
    return value


def _xlsx_value(value: Any, zone: ZoneInfo | None) -> Any:
    if isinstance(value, datetime):
        # Excel has no time zones: the cell holds UTC (the CSV's "Z"), or the forum's local time.
        return value.astimezone(zone or UTC).replace(tzinfo=None)
    if isinstance(value, str):
        return safe_text(XML_ILLEGAL.sub("", value))
    return value


def _zone(forum: Forum, options: ExportOptions) -> ZoneInfo | None:
    return forum.zone if options.times == Times.LOCAL else None


def header(columns: Sequence[Column], options: ExportOptions) -> list[str]:
    """The header line: the contract's codes, or labels in the chosen language."""
    if options.language is None:
        return [column.code for column in columns]
    with force_locale(options.language):
        return [safe_text(str(column.label)) for column in columns]


def csv_chunks(kind: ExportKind, forum: Forum, options: ExportOptions = DEFAULT) -> Iterator[str]:
    """The CSV file in pieces of BATCH rows: the BOM and header first."""
    buffer = io.StringIO()
    buffer.write(BOM)
    buffer.write(csv_line(header(export_rows.columns(kind, forum, options), options)))
    zone = _zone(forum, options)
    for n, row in enumerate(export_rows.rows(kind, forum, options), start=1):
        buffer.write(csv_line([_csv_value(value, zone) for value in row]))
        if n % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_csv(
    kind: ExportKind, forum: Forum, handle: IO[str], options: ExportOptions = DEFAULT
) -> int:
    """Write the CSV to an open text file (opened with newline=""); returns the number of rows."""
    rows = 0
    for chunk in csv_chunks(kind, forum, options):
        handle.write(chunk)
        rows += chunk.count("\r\n")
    return rows - 1


def write_xlsx(
    kind: ExportKind, forum: Forum, handle: IO[bytes], options: ExportOptions = DEFAULT
) -> int:
    """Write the workbook to an open binary file: one sheet (openpyxl's write-only mode), a bold
    frozen header with filters, columns wide enough to read, date-times formatted as such."""
    # openpyxl is imported here, not at the top: a web worker that never writes a workbook does
    # not carry it (tests/test_lazy_imports.py).
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    columns = export_rows.columns(kind, forum, options)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=kind.value)
    sheet.freeze_panes = "A2"
    for n, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = column.width
    bold = Font(bold=True)
    cells = []
    for text in header(columns, options):
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    zone = _zone(forum, options)
    rows = 0
    for row in export_rows.rows(kind, forum, options):
        sheet.append([_xlsx_cell(sheet, _xlsx_value(value, zone)) for value in row])
        rows += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{rows + 1}"
    workbook.save(handle)
    return rows


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    if isinstance(value, datetime):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
        return cell
    return value


def export_to_file(
    kind: ExportKind,
    fmt: ExportFormat,
    forum: Forum,
    out: Path,
    options: ExportOptions = DEFAULT,
) -> int:
    """Write an export to `out` through a temporary file renamed at the end: `out` is either
    complete or untouched. Returns the number of rows; raises OutputError when it cannot write."""
    if fmt == ExportFormat.CSV:
        # newline="": the csv module writes its own line ends.
        return write_with(
            out,
            lambda handle: write_csv(kind, forum, handle, options),
            "w",
            encoding="utf-8",
            newline="",
        )
    return write_with(out, lambda handle: write_xlsx(kind, forum, handle, options))


def filename(kind: ExportKind, fmt: ExportFormat, forum: Forum, now: datetime) -> str:
    """`maruf-registrations-20301001-0912.csv` (local time of the forum)."""
    stamp = now.astimezone(forum.zone).strftime("%Y%m%d-%H%M")
    return f"{forum.slug}-{kind.value}-{stamp}.{fmt.value}"
