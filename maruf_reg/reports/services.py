"""Organisers' figures. Every number is an SQL aggregate over the rows the other capabilities write
(registrations, seats, scans, badge prints): nothing is counted by hand, so nothing can drift.

Definitions (the README's "Reports" section says the same):
- A registration counts in seats, countries and themes unless it is cancelled.
- Booked / waitlisted: seats with that status whose registration is not cancelled.
- Attended (scanned in): distinct registrations with an `admitted` scan at a point whose session is
  the session, inside the door's window, or a forced one at any time (`reports/attended.py`).
  No-shows: booked, never admitted there, once the session has started ("upcoming" before;
  `reports/tallies.py`). Walk-ins: admitted without a booked seat (at a session that needs no
  booking, everyone who came is a walk-in).
- Occupancy: the session's points' admitted and exited scans in scan-time order; an admitted scan
  puts a person inside, an exited scan outside, a repeat changes nothing. Points that do not count
  exits never see anyone leave: occupancy then only grows, and the peak is the number of people
  admitted, reached at the last new admission.
- Inside now (a point, or the venue's entrances together): people whose last admitted/exited scan
  there today — the forum's local day — is `admitted`. Only points that count exits can say it;
  the venue's figure takes every entrance's scans once at least one entrance counts exits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

from sqlalchemy import (
    ColumnElement,
    String,
    case,
    distinct,
    exists,
    func,
    select,
    type_coerce,
)

from maruf_reg.checkin import presence
from maruf_reg.checkin.counts import PointCounts, point_counts
from maruf_reg.errors import RuleError
from maruf_reg.extensions import db
from maruf_reg.forum import day_bounds, default_day, local_date
from maruf_reg.models import (
    BadgePrint,
    Category,
    CheckInPoint,
    Forum,
    Outcome,
    Person,
    PointKind,
    Registration,
    RegistrationStatus,
    Scan,
    Seat,
    SeatStatus,
    Session,
    Theme,
)
from maruf_reg.registration.walk_ins import SOURCE as WALK_IN
from maruf_reg.reports.sql import time_bucket
from maruf_reg.text import localized

#: Categories whose registrations are speakers (approved = confirmed).
SPEAKER_CATEGORIES = (Category.SPEAKER, Category.MODERATOR)
#: Slices of time the database groups by; 15 minutes divides every UTC offset in use.
BUCKET_SECONDS = 900


class ReportError(RuleError):
    """A report cannot be made as asked (unknown session or theme, a day outside the forum)."""


def not_cancelled() -> ColumnElement[bool]:
    return Registration.status != RegistrationStatus.CANCELLED


def _bucket_start(bucket: int) -> datetime:
    return datetime.fromtimestamp(bucket * BUCKET_SECONDS, UTC)


# --- dashboard ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryCounts:
    """Registrations of one category by status."""

    category: Category
    confirmed: int = 0
    pending: int = 0
    waitlisted: int = 0
    cancelled: int = 0

    @property
    def total(self) -> int:
        return self.confirmed + self.pending + self.waitlisted + self.cancelled


@dataclass(frozen=True)
class SignupDay:
    """Sign-ups made on one local day, by category."""

    day: date
    counts: dict[Category, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class ThemeSeats:
    theme_id: int
    slug: str
    name_tr: str
    name_en: str
    colour: str
    sessions: int
    capacity: int
    booked: int
    waitlisted: int

    def name(self, locale: str) -> str:
        return localized(self, "name", locale)


@dataclass(frozen=True)
class BadgeFigures:
    #: registrations with at least one printed badge
    people: int
    #: badges printed, reprints included
    prints: int
    #: deliberate reprints (lost badges)
    reprints: int
    #: confirmed registrations, and those of them with no badge printed yet
    confirmed: int
    confirmed_unprinted: int


@dataclass(frozen=True)
class EntranceFigures:
    day: date
    #: whether `day` is today, so that "inside now" means something
    is_today: bool
    points: list[PointCounts]
    #: distinct people admitted at any entrance that day
    people: int
    #: people inside the venue now (entrances that count exits), or None
    inside: int | None
    #: admissions at the entrances per local hour of the day: (hour's start, admissions)
    hourly: list[tuple[datetime, int]]


@dataclass(frozen=True)
class Dashboard:
    categories: list[CategoryCounts]
    signups: list[SignupDay]
    speakers_approved: int
    speakers_pending: int
    #: (country code, active registrations), most first; "" for registrations without a country
    countries: list[tuple[str, int]]
    themes: list[ThemeSeats]
    badges: BadgeFigures
    entrances: EntranceFigures
    #: registrations made at the desk on the day (not cancelled)
    walk_ins: int = 0

    def status_total(self, status: RegistrationStatus | str) -> int:
        return sum(getattr(row, RegistrationStatus(status).value) for row in self.categories)

    @property
    def total(self) -> int:
        return sum(row.total for row in self.categories)

    @property
    def country_count(self) -> int:
        """Distinct countries (registrations without a country do not make one)."""
        return sum(1 for code, _count in self.countries if code)

    def top_countries(self, limit: int = 25) -> list[tuple[str, int]]:
        return [row for row in self.countries if row[0]][:limit]

    @property
    def no_country(self) -> int:
        return sum(count for code, count in self.countries if not code)


def _category_counts(forum_id: int) -> list[CategoryCounts]:
    rows = db.session.execute(
        select(Registration.category, Registration.status, func.count())
        .where(Registration.forum_id == forum_id)
        .group_by(Registration.category, Registration.status)
    ).all()
    counts: dict[Category, dict[str, int]] = {category: {} for category in Category}
    for category, status, count in rows:
        counts[Category(category)][RegistrationStatus(status).value] = int(count)
    return [CategoryCounts(category, **values) for category, values in counts.items()]


def _signups(forum: Forum) -> list[SignupDay]:
    bucket = time_bucket(Registration.created_at, BUCKET_SECONDS)
    # Plain strings: converting thousands of rows to the enum costs more than the query.
    category_code = type_coerce(Registration.category, String)
    categories = {category.value: category for category in Category}
    rows = [
        (int(slot), str(code), int(count))
        for slot, code, count in db.session.execute(
            select(bucket, category_code, func.count())
            .where(Registration.forum_id == forum.id)
            .group_by(bucket, category_code)
        )
    ]
    rows.sort()  # plain tuples: sorting SQLAlchemy rows costs more than the query
    per_day: dict[date, dict[Category, int]] = {}
    day, next_day = None, -1
    for slot, code, count in rows:
        category = categories[code]
        # Slices come in time order: look the local day up only when a slice passes midnight.
        if slot >= next_day or day is None:
            day = local_date(forum, _bucket_start(int(slot)))
            next_day = int(day_bounds(forum, day)[1].timestamp()) // BUCKET_SECONDS
        counts = per_day.setdefault(day, {})
        counts[category] = counts.get(category, 0) + int(count)
    if not per_day:
        return []
    first, last = min(per_day), max(per_day)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [SignupDay(day, per_day.get(day, {})) for day in days]


def _countries(forum_id: int) -> list[tuple[str, int]]:
    code = func.coalesce(Person.country, "")
    rows = db.session.execute(
        select(code, func.count())
        .join(Registration, Registration.person_id == Person.id)
        .where(Registration.forum_id == forum_id, not_cancelled())
        .group_by(code)
    ).all()
    found = [(str(country or "").upper(), int(n)) for country, n in rows]
    # Most registrations first; "no country given" after every country with as many.
    return sorted(found, key=lambda row: (-row[1], not row[0], row[0]))


def _theme_seats(forum_id: int) -> list[ThemeSeats]:
    seats = {
        (theme_id, SeatStatus(status)): int(count)
        for theme_id, status, count in db.session.execute(
            select(Session.theme_id, Seat.status, func.count())
            .join(Session, Session.id == Seat.session_id)
            .join(Registration, Registration.id == Seat.registration_id)
            .where(Session.forum_id == forum_id, Session.theme_id.is_not(None))
            .where(not_cancelled())
            .group_by(Session.theme_id, Seat.status)
        ).all()
    }
    sessions = {
        theme_id: (int(n), int(capacity or 0))
        for theme_id, n, capacity in db.session.execute(
            select(Session.theme_id, func.count(), func.sum(Session.capacity))
            .where(Session.forum_id == forum_id, Session.theme_id.is_not(None))
            .group_by(Session.theme_id)
        ).all()
    }
    themes = db.session.scalars(
        select(Theme).where(Theme.forum_id == forum_id).order_by(Theme.position, Theme.id)
    ).all()
    rows = [
        ThemeSeats(
            theme.id,
            theme.slug,
            theme.name_tr,
            theme.name_en,
            theme.colour,
            sessions.get(theme.id, (0, 0))[0],
            sessions.get(theme.id, (0, 0))[1],
            seats.get((theme.id, SeatStatus.BOOKED), 0),
            seats.get((theme.id, SeatStatus.WAITLISTED), 0),
        )
        for theme in themes
    ]
    return sorted(rows, key=lambda row: -row.booked)


def _badges(forum_id: int) -> BadgeFigures:
    people, prints, reprints = db.session.execute(
        select(
            func.count(distinct(BadgePrint.registration_id)),
            func.count(BadgePrint.id),
            func.count(case((BadgePrint.reprint.is_(True), 1))),
        )
        .join(Registration, Registration.id == BadgePrint.registration_id)
        .where(Registration.forum_id == forum_id)
    ).one()
    printed = exists().where(BadgePrint.registration_id == Registration.id)
    confirmed, unprinted = db.session.execute(
        select(func.count(), func.count(case((~printed, 1)))).where(
            Registration.forum_id == forum_id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
    ).one()
    return BadgeFigures(
        int(people), int(prints), int(reprints), int(confirmed or 0), int(unprinted or 0)
    )


def dashboard(forum: Forum, *, day: date | None = None, now: datetime | None = None) -> Dashboard:
    """Everything on the organisers' dashboard; `day` picks the forum day of the entrance counts."""
    now = now or datetime.now(UTC)
    categories = _category_counts(forum.id)
    speakers = [row for row in categories if row.category in SPEAKER_CATEGORIES]
    return Dashboard(
        categories=categories,
        signups=_signups(forum),
        speakers_approved=sum(row.confirmed for row in speakers),
        speakers_pending=sum(row.pending for row in speakers),
        countries=_countries(forum.id),
        themes=_theme_seats(forum.id),
        badges=_badges(forum.id),
        entrances=entrance_figures(forum, day=day, now=now),
        walk_ins=_walk_ins(forum.id),
    )


def _walk_ins(forum_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.count()).where(
                Registration.forum_id == forum_id,
                Registration.source == WALK_IN,
                not_cancelled(),
            )
        )
        or 0
    )


# --- points and entrances ------------------------------------------------------------------------


def entrance_figures(forum: Forum, *, day: date | None = None, now: datetime) -> EntranceFigures:
    """Counts at the venue's entrances on one day (default: today, or the nearest forum day)."""
    day = day or default_day(forum, now)
    is_today = day == local_date(forum, now)
    start, end = day_bounds(forum, day)
    points = db.session.scalars(
        select(CheckInPoint)
        .where(CheckInPoint.forum_id == forum.id, CheckInPoint.kind == PointKind.ENTRANCE)
        .order_by(CheckInPoint.name, CheckInPoint.id)
    ).all()
    ids = [point.id for point in points]
    # Inside one door is not inside the venue (in at A, out at B): only the venue's figure is shown.
    counts = point_counts(points, start, end, inside_at=())
    # A person is inside when their last move at any entrance was in (in at a door that does not
    # count exits, out at one that does, in again anywhere); without any door counting exits
    # everybody admitted would look inside, so the figure is not given.
    counting = any(point.counts_exit for point in points)
    people, inside = presence.people_and_inside(ids, start, end)

    hourly: dict[datetime, int] = {}
    if ids:
        bucket = time_bucket(Scan.scanned_at, BUCKET_SECONDS)
        for slot, admissions in db.session.execute(
            select(bucket, func.count())
            .where(
                Scan.point_id.in_(ids),
                Scan.scanned_at >= start,
                Scan.scanned_at < end,
                Scan.outcome == Outcome.ADMITTED,
            )
            .group_by(bucket)
        ).all():
            local = _bucket_start(int(slot)).astimezone(forum.zone)
            hour = local.replace(minute=0, second=0, microsecond=0)
            hourly[hour] = hourly.get(hour, 0) + int(admissions)
    return EntranceFigures(
        day=day,
        is_today=is_today,
        points=counts,
        people=people,
        inside=inside if is_today and counting else None,
        hourly=_hours(forum, day, hourly),
    )


def _hours(forum: Forum, day: date, counts: dict[datetime, int]) -> list[tuple[datetime, int]]:
    """Every hour from the first to the last with admissions (08:00–20:00 at least)."""
    start = datetime.combine(day, clock(8), tzinfo=forum.zone)
    end = datetime.combine(day, clock(20), tzinfo=forum.zone)
    if counts:
        start = min(start, min(counts))
        end = max(end, max(counts))
    hours: list[tuple[datetime, int]] = []
    moment = start.astimezone(UTC)
    while moment <= end.astimezone(UTC):
        local = moment.astimezone(forum.zone)
        hours.append((local, counts.get(local, 0)))
        moment += timedelta(hours=1)
    return hours
