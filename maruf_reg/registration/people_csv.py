"""Reading a people CSV for the import: every row checked, nothing written (importer.py writes).

Files come from anywhere, most often from Excel:
- encoding: UTF-8 with or without a BOM; UTF-16 with a BOM (Excel's "Unicode text"); otherwise,
  when the bytes are not valid UTF-8, Windows-1254 (cp1254), the code page Excel uses for "CSV"
  on Turkish Windows (it has ğ, ı, ş, İ, Ş, Ğ where Latin-1 has other letters).
- delimiter: whichever of `;` (Excel in Turkish and most European locales), `,` or a tab occurs
  most in the header line, outside quotes.
- header: the first non-empty line names the columns, in English or Turkish, in any order; the
  forum's questions may be columns too (their text in either language, or `q<id>`).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import force_locale

from maruf_reg.countries import country_choices, is_country
from maruf_reg.i18n import LANGUAGE_NAMES
from maruf_reg.models import NAME_MAX, Category
from maruf_reg.registration import answers
from maruf_reg.registration.answers import AnswerValue
from maruf_reg.registration.questions import QuestionError, QuestionSpec
from maruf_reg.registration.services import InvalidEmail, normalise_email
from maruf_reg.text import search_key

#: column → the header names that mean it (compared case- and accent-insensitively)
COLUMNS: dict[str, tuple[str, ...]] = {
    "given_name": ("given_name", "given name", "first name", "first_name", "ad", "adi", "isim"),
    "family_name": (
        "family_name",
        "family name",
        "last name",
        "last_name",
        "surname",
        "soyad",
        "soyadi",
    ),
    "email": ("email", "e-mail", "e-posta", "eposta", "mail"),
    "organisation": ("organisation", "organization", "kurum", "kurulus"),
    "position": ("position", "title", "gorev", "unvan", "pozisyon"),
    "country": ("country", "ulke"),
    "phone": ("phone", "telefon"),
    "language": ("language", "dil"),
    "category": ("category", "kategori"),
}
REQUIRED = ("given_name", "email")
LIMITS = {
    "given_name": NAME_MAX,
    "family_name": NAME_MAX,
    "organisation": 200,
    "position": 200,
    "phone": 40,
}
CATEGORY_WORDS = {
    "katilimci": Category.PARTICIPANT,
    "konusmaci": Category.SPEAKER,
    "moderator": Category.MODERATOR,
    "basin": Category.PRESS,
    "gorevli": Category.STAFF,
    **{c.value: c for c in Category},
}
MAX_ROWS = 100_000


@dataclass
class PersonRow:
    line: int
    values: dict[str, str]
    category: Category | None
    #: answers to the forum's questions (non-empty cells only)
    answers: list[AnswerValue] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, str]:
    """The text of the file and the encoding it was read with."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1254", errors="replace"), "cp1254"


def _delimiter(header: str) -> str:
    counts = dict.fromkeys((";", ",", "\t"), 0)
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _column_for(header: str, asked: Sequence[QuestionSpec] = ()) -> str | None:
    """The column a header names: a person's field, or a question (`q<id>`, by its text in
    Turkish or English, or written `q<id>` as the export heads it)."""
    key = search_key(header.replace("_", " ")).replace(" ", "")
    for column, names in COLUMNS.items():
        if key in {search_key(n.replace("_", " ")).replace(" ", "") for n in names}:
            return column
    for question in asked:
        names = (question.label_tr, question.label_en, f"q{question.id}")
        if key in {search_key(name).replace(" ", "") for name in names}:
            return f"q{question.id}"
    return None


def _country_code(value: str) -> str | None:
    if len(value) == 2 and is_country(value):
        return value.upper()
    wanted = search_key(value)
    for locale in ("en", "tr"):
        for code, name in country_choices(locale):
            if search_key(name) == wanted:
                return code
    return None


def _bad_characters(text: str) -> bool:
    return any(unicodedata.category(c) in ("Cc", "Cs") and c != "\t" for c in text)


def _header(
    record: list[str], line: int, asked: Sequence[QuestionSpec]
) -> tuple[list[str | None], list[tuple[int, str]]]:
    """The columns the header line names, or why it cannot be read."""
    columns = [_column_for(cell, asked) for cell in record]
    errors = []
    unknown = [
        cell for cell, col in zip(record, columns, strict=True) if col is None and cell.strip()
    ]
    if unknown:
        known = ", ".join(COLUMNS)
        errors.append((line, f"unknown column(s) {', '.join(unknown)}; known columns: {known}"))
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        errors.append((line, f"missing column(s): {', '.join(missing)}"))
    return columns, errors


def parse(
    data: bytes, asked: Sequence[QuestionSpec] = ()
) -> tuple[list[PersonRow], list[tuple[int, str]], str, str]:
    """Read and check every row: (rows, errors as (line, reason), encoding, delimiter); `asked`:
    the forum's questions, whose answers may come as columns."""
    text, encoding = decode(data)
    lines = text.splitlines()
    start = next((n for n, line in enumerate(lines) if line.strip()), None)
    if start is None:
        return [], [(1, "the file is empty")], encoding, ","
    delimiter = _delimiter(lines[start])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    errors: list[tuple[int, str]] = []
    rows: list[PersonRow] = []
    columns: list[str | None] = []
    seen: dict[str, int] = {}
    line = 1
    try:
        for record in reader:
            record_line, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if not columns:
                columns, errors = _header(record, record_line, asked)
                if errors:
                    return [], errors, encoding, delimiter
                continue
            if len(rows) >= MAX_ROWS:
                errors.append((record_line, f"more than {MAX_ROWS} rows; split the file"))
                break
            row, problems = _check_row(record_line, record, columns, seen)
            if row is not None:
                problems += _read_answers(row, asked)
            errors.extend((record_line, p) for p in problems)
            if row is not None:
                rows.append(row)
    except csv.Error as error:
        errors.append((line, f"cannot read the line: {error}"))
    if not columns and not errors:
        errors.append((1, "the file has no header line"))
    return rows, errors, encoding, delimiter


def _check_row(  # noqa: C901, PLR0912  (one check per column, in the order of the README's table)
    line: int, record: list[str], columns: list[str | None], seen: dict[str, int]
) -> tuple[PersonRow | None, list[str]]:
    problems: list[str] = []
    if len(record) > len(columns):
        extra = record[len(columns) :]
        if any(cell.strip() for cell in extra):
            problems.append(f"{len(record)} cells but the header has {len(columns)} columns")
    values: dict[str, str] = {}
    for column, cell in zip(columns, record, strict=False):
        if column is not None:
            values[column] = cell.strip()
    for column, value in values.items():
        if _bad_characters(value):
            problems.append(f"{column}: contains control characters")
        limit = LIMITS.get(column)
        if limit is not None and len(value) > limit:
            problems.append(f"{column}: longer than {limit} characters ({len(value)})")
    if not values.get("given_name"):
        problems.append("given_name: empty")
    try:
        values["email"] = normalise_email(values.get("email", ""))
    except InvalidEmail as error:
        problems.append(f"email: {values.get('email') or 'empty'}: {error}")
    else:
        first = seen.setdefault(values["email"], line)
        if first != line:
            problems.append(f"email: {values['email']} is also on line {first}")
    if values.get("country"):
        code = _country_code(values["country"])
        if code is None:
            problems.append(f"country: unknown country {values['country']!r}")
        else:
            values["country"] = code
    language = values.get("language", "").lower()
    if language and language not in LANGUAGE_NAMES:
        problems.append(f"language: {values['language']!r} is not tr, en or ar")
    values["language"] = language
    category = None
    if values.get("category"):
        category = CATEGORY_WORDS.get(search_key(values["category"]))
        if category is None:
            choices = ", ".join(c.value for c in Category)
            problems.append(f"category: {values['category']!r} is not one of {choices}")
    values.pop("category", None)
    return (PersonRow(line, values, category) if not problems else None), problems


def _read_answers(row: PersonRow, asked: Sequence[QuestionSpec]) -> list[str]:
    """Move the row's question cells into typed answers; the problems, in English."""
    problems = []
    for question in asked:
        cell = row.values.pop(f"q{question.id}", "")
        if not cell:
            continue
        try:
            row.answers.append(answers.read_answer(question, cell))
        except QuestionError as error:
            with force_locale("en"):
                problems.append(f"{question.label_en}: {error.translated()}")
    return problems
