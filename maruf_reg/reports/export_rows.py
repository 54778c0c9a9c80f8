"""The rows of each export, read from the database in batches (`yield_per`; a server-side cursor
on PostgreSQL) and handed to the writer as they come: 50,000 registrations are never in memory.

A registration's extra columns (sessions, badge, attendance, answers) are read per batch of rows,
one query each, by the rules that own them (attendance: `maruf_reg/reports/attendance.py`;
answers: `maruf_reg/registration/answers.py`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any

from flask_babel import force_locale
from sqlalchemy import String, select, type_coerce

from maruf_reg.extensions import db
from maruf_reg.models import (
    BadgePrint,
    CheckInPoint,
    Forum,
    Person,
    Registration,
    Scan,
    Seat,
    SeatStatus,
    Session,
)
from maruf_reg.names import display_name
from maruf_reg.registration import answers, listing, questions
from maruf_reg.registration.questions import QuestionSpec
from maruf_reg.reports import attendance
from maruf_reg.reports.export_columns import (
    COLUMNS,
    PHONE,
    Column,
    ExportKind,
    ExportOptions,
)

#: rows fetched from the database at a time, and written to a download at a time
BATCH = 2000


def _code(column: Any) -> Any:
    # Enum columns read as their stored English code; skipping the enum conversion is also faster.
    return type_coerce(column, String)


def columns(kind: ExportKind, forum: Forum, options: ExportOptions) -> list[Column]:
    """The columns of an export: the contract's, the later ones, and each question's."""
    found = list(COLUMNS[kind])
    if kind == ExportKind.REGISTRATIONS:
        if options.phone:
            found.append(PHONE)
        language = options.language or "en"
        found += [
            Column(f"q{q.id}", q.label(language), 24)
            for q in questions.specs(forum.id, include_retired=True)
        ]
    return found


def rows(kind: ExportKind, forum: Forum, options: ExportOptions) -> Iterator[Sequence[Any]]:
    if kind == ExportKind.REGISTRATIONS:
        return _registration_rows(forum, options)
    if kind == ExportKind.SCANS:
        return _scan_rows(forum)
    return _session_rows(forum)


def _registration_rows(forum: Forum, options: ExportOptions) -> Iterator[Sequence[Any]]:
    filters = options.filters or listing.Filters()
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
            Person.position,
            Person.language,
            Registration.source,
            Person.phone,
        )
        .join(Person, Person.id == Registration.person_id)
        .where(*listing.conditions(forum.id, filters))
        .order_by(Registration.id)
        .execution_options(yield_per=BATCH)
    )
    language = options.language or "en"
    asked = questions.specs(forum.id, include_retired=True)
    result = iter(db.session.execute(query))
    while batch := list(islice(result, BATCH)):
        extras = _Extras(forum, [row[0] for row in batch], language, asked)
        for row in batch:
            *contract, position, person_language, source, phone = row
            yield (
                *contract,
                position,
                person_language,
                source,
                *extras.of(row[0]),
                *((phone,) if options.phone else ()),
                *extras.answers(row[0]),
            )


class _Extras:
    """A batch of registrations' sessions, badges, attendance and answers (one query each)."""

    def __init__(
        self, forum: Forum, ids: list[int], language: str, asked: Sequence[QuestionSpec]
    ) -> None:
        self.language, self.asked = language, asked
        sessions = {
            s.id: s for s in db.session.scalars(select(Session).where(Session.forum_id == forum.id))
        }
        self.titles = {sid: s.title(language) for sid, s in sessions.items()}
        self.order = {sid: (s.starts_at, sid) for sid, s in sessions.items()}
        self.seats: dict[int, dict[SeatStatus, list[int]]] = defaultdict(lambda: defaultdict(list))
        for rid, sid, status in db.session.execute(
            select(Seat.registration_id, Seat.session_id, Seat.status).where(
                Seat.registration_id.in_(ids)
            )
        ):
            self.seats[rid][SeatStatus(status)].append(sid)
        self.printed = set(
            db.session.scalars(
                select(BadgePrint.registration_id).where(BadgePrint.registration_id.in_(ids))
            )
        )
        self.attended = attendance.attended_by(forum.id, ids)
        self.given = answers.answers_by(ids) if asked else {}

    def _titles(self, session_ids: Any) -> str:
        return "; ".join(
            self.titles[sid] for sid in sorted(session_ids, key=self.order.__getitem__)
        )

    def of(self, rid: int) -> tuple[Any, ...]:
        seats = self.seats.get(rid, {})
        return (
            self._titles(seats.get(SeatStatus.BOOKED, [])),
            self._titles(seats.get(SeatStatus.WAITLISTED, [])),
            rid in self.printed,
            self._titles(self.attended.get(rid, ())),
        )

    def answers(self, rid: int) -> list[str]:
        given = self.given.get(rid, {})
        with force_locale(self.language):
            return [answers.answer_text(q, given.get(q.id), self.language) for q in self.asked]


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
            Scan.forced,
            Scan.clock_skew,
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
            s.no_shows if s.started else None,
            s.walk_ins,
            s.peak,
            s.peak_at,
        )
