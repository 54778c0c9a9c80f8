"""`flask demo`: a MARUF-like forum with themes, rooms, ~40 sessions, speakers and participants.

Rows are written in bulk (executemany, a few thousand at a time) so that 50,000 participants take
seconds, not minutes. A fixed seed makes the same forum every time.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import insert, select, text

from maruf_reg import badge_tokens, demo_data
from maruf_reg.auth import services as auth_services
from maruf_reg.database import write_intent
from maruf_reg.demo_checkin import demo_points, demo_scans
from maruf_reg.demo_programme import demo_programme, demo_speaker_roles
from maruf_reg.demo_speakers import describe_forum, speaker_profile
from maruf_reg.extensions import db
from maruf_reg.models import (
    Category,
    Forum,
    Person,
    Registration,
    RegistrationStatus,
    Role,
    RoleKind,
    Room,
    Scan,
    Seat,
    SeatStatus,
    Session,
    SessionRole,
    StaffUser,
    Theme,
)
from maruf_reg.personal_links import new_token
from maruf_reg.text import search_key

CHUNK = 5000
DEMO_SLUG = "maruf"
DEMO_LOGINS = "demo-logins.txt"


class DemoError(Exception):
    """The demo forum cannot be made (it exists already, bad numbers)."""


@dataclass
class DemoResult:
    forum_id: int
    sessions: int
    speakers: int
    participants: int
    seats: int
    scans: int


def _chunks(
    rows: Sequence[dict[str, Any]], size: int = CHUNK
) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _insert_returning_ids(model: Any, rows: Sequence[dict[str, Any]]) -> list[int]:
    ids: list[int] = []
    for chunk in _chunks(rows):
        result = db.session.execute(
            insert(model).returning(model.id, sort_by_parameter_order=True), chunk
        )
        ids.extend(result.scalars())
    return ids


def _insert(model: Any, rows: Sequence[dict[str, Any]]) -> None:
    for chunk in _chunks(rows):
        db.session.execute(insert(model), chunk)


class _People:
    """Makes unique people with names from the forum's 25 countries."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.countries = list(demo_data.COUNTRY_WEIGHTS)
        self.weights = list(demo_data.COUNTRY_WEIGHTS.values())
        self.count = 0

    def make(self, *, language: str | None = None, country: str | None = None) -> dict[str, Any]:
        rng = self.rng
        self.count += 1
        country = country or rng.choices(self.countries, self.weights)[0]
        given, family = demo_data.NAMES[country]
        given_name, family_name = rng.choice(given), rng.choice(family)
        organisation = rng.choice(demo_data.ORGANISATIONS)
        email = f"demo{self.count}.{country.lower()}@example.org"
        now = datetime.now(UTC)
        return {
            "given_name": given_name,
            "family_name": family_name,
            "email": email,
            "organisation": organisation,
            "position": rng.choice(demo_data.POSITIONS),
            "country": country,
            "language": language or ("tr" if country in ("TR", "AZ") else "en"),
            "search_key": search_key(f"{given_name} {family_name} {email} {organisation}"),
            "created_at": now,
            "updated_at": now,
        }


def _logins() -> list[tuple[str, str, str]]:
    """Staff users for the demo: an organiser, a desk and a door volunteer (made once)."""
    made: list[tuple[str, str, str]] = []
    for role in (Role.ADMIN, Role.DESK, Role.DOOR):
        email = f"{role.value}@maruf.example.org"
        if db.session.scalar(select(StaffUser.id).where(StaffUser.email == email)):
            continue
        _user, password = auth_services.create_user(email, role=role, name=f"Demo {role.value}")
        made.append((role.value, email, password))
    return made


def _new_forum(slug: str, start: date) -> Forum:
    forum = Forum(
        slug=slug,
        name_tr=f"Marmara Kentsel Forumu {start.year}",
        name_en=f"Marmara Urban Forum {start.year}",
        venue="Haliç Kongre Merkezi",
        city="İstanbul",
        starts_on=start,
        ends_on=start + timedelta(days=2),
        timezone="Europe/Istanbul",
    )
    badge_tokens.ensure_keys(forum, secret_key=current_app.config["SECRET_KEY"])
    db.session.add(forum)
    return forum


def _themes_and_rooms(forum: Forum) -> tuple[list[Theme], dict[str, Room]]:
    themes = [
        Theme(
            forum=forum,
            slug=slug_,
            name_tr=tr,
            name_en=en,
            colour=colour,
            position=n,
            description_tr=f"{tr} temasındaki oturumlar.",
            description_en=f"Sessions on {en.lower()}.",
        )
        for n, (slug_, tr, en, colour) in enumerate(demo_data.THEMES)
    ]
    rooms = {
        name: Room(forum=forum, name=name, capacity=cap, position=n)
        for n, (name, cap) in enumerate(demo_data.ROOMS)
    }
    return themes, rooms


def _registration(
    forum_id: int,
    person_id: int,
    category: Category,
    status: RegistrationStatus,
    created_at: datetime,
    rng: random.Random,
) -> dict[str, Any]:
    return {
        "forum_id": forum_id,
        "person_id": person_id,
        "category": category,
        "status": status,
        "manage_token": new_token(),
        "badge_serial": 1,
        "consent_data_at": created_at,
        "consent_photo_at": created_at if rng.random() < 0.7 else None,
        "source": "demo",
        "created_at": created_at,
        "updated_at": created_at,
        "confirmed_at": created_at if status == RegistrationStatus.CONFIRMED else None,
        "cancelled_at": created_at if status == RegistrationStatus.CANCELLED else None,
    }


def _registrations(
    forum_id: int,
    speaker_ids: list[int],
    participant_ids: list[int],
    *,
    leading: set[int],
    rng: random.Random,
) -> list[dict[str, Any]]:
    """Speakers (moderators when they only moderate or chair) first, then participants."""
    now = datetime.now(UTC)
    opened = now - timedelta(days=60)
    rows = [
        _registration(
            forum_id,
            pid,
            Category.MODERATOR if pid in leading else Category.SPEAKER,
            RegistrationStatus.CONFIRMED,
            opened + timedelta(days=rng.random() * 20),
            rng,
        )
        for pid in speaker_ids
    ]
    categories = [Category.PARTICIPANT, Category.PRESS, Category.VIP, Category.STAFF]
    for pid in participant_ids:
        category = rng.choices(categories, [92, 3, 2, 3])[0]
        status = RegistrationStatus.CONFIRMED
        if category in (Category.PRESS, Category.VIP) and rng.random() < 0.3:
            status = RegistrationStatus.PENDING
        elif rng.random() < 0.02:
            status = RegistrationStatus.CANCELLED
        # Sign-ups grow towards the forum: more of them late.
        created = opened + timedelta(days=60 * rng.random() ** 0.6)
        rows.append(_registration(forum_id, pid, category, status, min(created, now), rng))
    return rows


def _seats(
    sessions: list[Session], registrations: list[tuple[int, dict[str, Any]]], rng: random.Random
) -> tuple[list[dict[str, Any]], dict[int, list[Session]]]:
    """Each confirmed participant books up to four non-overlapping sessions while seats last."""
    bookable = [s for s in sessions if s.needs_booking]
    free = {s.id: s.capacity for s in bookable}
    seats: list[dict[str, Any]] = []
    booked_by_registration: dict[int, list[Session]] = {}
    for reg_id, row in registrations:
        if row["status"] != RegistrationStatus.CONFIRMED:
            continue
        chosen: list[Session] = []
        for session in rng.sample(bookable, k=min(len(bookable), rng.choice([0, 1, 2, 3, 4, 5]))):
            if free[session.id] > 0 and not any(session.overlaps(c) for c in chosen):
                free[session.id] -= 1
                chosen.append(session)
                seats.append(
                    {
                        "registration_id": reg_id,
                        "session_id": session.id,
                        "status": SeatStatus.BOOKED,
                        "requested_at": row["created_at"],
                        "booked_at": row["created_at"],
                    }
                )
        booked_by_registration[reg_id] = chosen
    return seats, booked_by_registration


def build_demo(
    *,
    participants: int,
    speakers: int,
    scans: int = 0,
    seed: int = 2019,
    start: date | None = None,
    slug: str = DEMO_SLUG,
) -> DemoResult:
    """Create the demo forum in one transaction, then the demo staff logins."""
    if participants < 0 or speakers < 1 or scans < 0:
        raise DemoError("participants and scans must be ≥ 0, speakers ≥ 1")
    if db.session.scalar(select(Forum.id).where(Forum.slug == slug)):
        raise DemoError(f"a forum with the slug {slug!r} exists already")
    rng = random.Random(seed)
    forum = _new_forum(slug, start or (datetime.now(UTC).date() + timedelta(days=30)))
    describe_forum(forum)
    themes, rooms = _themes_and_rooms(forum)
    sessions = demo_programme(forum, themes, rooms)
    db.session.add_all([*themes, *rooms.values(), *sessions])
    db.session.flush()

    people = _People(rng)
    speaker_rows = [speaker_profile(people.make(), rng) for _ in range(speakers)]
    participant_rows = [people.make() for _ in range(participants)]
    speaker_ids = _insert_returning_ids(Person, speaker_rows)
    participant_ids = _insert_returning_ids(Person, participant_rows)
    roles = demo_speaker_roles(sessions, speaker_ids, rng)
    _insert(SessionRole, roles)
    # Who only moderates or chairs registers as a moderator (as the programme pages make them).
    speaking = {row["person_id"] for row in roles if row["role"] == RoleKind.SPEAKER}
    leading = {row["person_id"] for row in roles} - speaking
    registrations = _registrations(forum.id, speaker_ids, participant_ids, leading=leading, rng=rng)
    registration_ids = _insert_returning_ids(Registration, registrations)
    seats, booked_by_registration = _seats(
        sessions, list(zip(registration_ids, registrations, strict=True))[speakers:], rng
    )
    _insert(Seat, seats)

    points = demo_points(forum, sessions)
    scan_rows = demo_scans(forum, points, booked_by_registration, scans, rng)
    _insert(Scan, scan_rows)
    db.session.commit()
    # Fresh planner statistics: after a bulk load they still describe empty tables, and the first
    # pages would get plans that scan every registration (24 ms instead of 0.1 ms on PostgreSQL).
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return DemoResult(forum.id, len(sessions), speakers, participants, len(seats), len(scan_rows))


def write_logins(instance_path: str, logins: list[tuple[str, str, str]]) -> str:
    path = os.path.join(instance_path, DEMO_LOGINS)
    os.makedirs(instance_path, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        for role, email, password in logins:
            handle.write(f"{role}\t{email}\t{password}\n")
    os.chmod(path, 0o600)
    return path


@click.command("demo")
@with_appcontext
@click.option("--participants", default=2000, show_default=True, type=click.IntRange(min=0))
@click.option("--speakers", default=250, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--scans",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Also make this many scans (for report benchmarks).",
)
@click.option(
    "--start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="First day of the forum (default: 30 days from today).",
)
@click.option("--seed", default=2019, show_default=True)
@click.option("--slug", default=DEMO_SLUG, show_default=True, help="The forum's short name.")
@click.option(
    "--if-absent", is_flag=True, help="Do nothing when a forum exists already (make run)."
)
def demo(
    participants: int,
    speakers: int,
    scans: int,
    start: datetime | None,
    seed: int,
    slug: str,
    if_absent: bool,
) -> None:
    """Create a MARUF-like demo forum and demo staff logins; print the logins."""
    if if_absent and db.session.scalar(select(Forum.id).limit(1)):
        click.echo("A forum exists already: no demo made.")
        return
    began = time.perf_counter()
    try:
        with write_intent():
            result = build_demo(
                participants=participants,
                speakers=speakers,
                scans=scans,
                seed=seed,
                start=start.date() if start else None,
                slug=slug,
            )
            logins = _logins()
    except DemoError as error:
        raise click.ClickException(str(error)) from error
    elapsed = time.perf_counter() - began
    click.echo(
        f"Demo forum made in {elapsed:.1f} s: {result.sessions} sessions, {result.speakers} speakers, "
        f"{result.participants} participants, {result.seats} seats booked, {result.scans} scans."
    )
    if logins:
        path = write_logins(current_app.instance_path, logins)
        click.echo(f"Staff logins (also in {path}):")
        for role, email, password in logins:
            click.echo(f"  {role:6} {email}  password: {password}")
