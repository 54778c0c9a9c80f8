"""Factories for the rows reports read (points, seats, scans, badge prints) and a small forum whose
every number is known: `scenario` builds it and the tests assert its figures exactly.

The forum (Istanbul, UTC+3) — sessions, seats and scans:

  S1 "Migration panel" (theme T1, Salon A: room 5, capacity 4), day 0 11:00–12:30, door P1 counts exits
     seats: Ayşe booked, Muhammad booked, Hakan booked, Jürgen waitlisted, Wang (cancelled) booked
     P1: 10:50 Ayşe in · 10:55 Muhammad in · 10:56 Ayşe already_in · 11:00 Jürgen in · 11:02 İlkay in
         11:05 unknown badge · 11:10 Wang revoked · 11:30 Ayşe out · 11:31 Muhammad in again
         11:40 Ayşe in · 12:00 Jürgen out
     → booked 3, waitlisted 1, attended 4 (Ayşe, Muhammad, Jürgen, İlkay), no-shows 1 (Hakan),
       walk-ins 2 (Jürgen: waitlisted only; İlkay: no seat), peak 4 at 11:02 (80 % of the room)
  S2 "Resilience workshop" (theme T1, Salon B: room 2, capacity 3), day 1 14:00–15:30, door P2 no exits
     seats: Ayşe, Fatma (no country), Giorgos (pending) booked
     P2: 13:50 Fatma in · 13:55 Ayşe in · 13:58 Giorgos revoked · 14:10 İlkay in · 14:20 Fatma in again
     → booked 3, attended 3, no-shows 1 (Giorgos), walk-ins 1 (İlkay), peak 3 at 14:10 (150 %)
  S3 "Closing talk" (theme T2, Salon A, capacity 5), day 0 14:00–15:30, door P3: no scans at all

Entrances on day 0: E1 counts exits, E2 does not.
  E1: 08:30 Ayşe in · 08:40 Muhammad in · 08:41 Muhammad already_in · 09:00 İlkay in
      09:10 invalid · 10:00 İlkay out · 10:30 İlkay in · 12:30 Ayşe out · 13:30 Muhammad out
  E2: 08:50 Jürgen in · 13:00 Ayşe in          (day 1: E1 09:00 Fatma in)
  → E1 4 admissions, 3 people, 3 exits, 2 refused; E2 2 admissions, 2 people; venue 4 people,
    inside at 15:00: Ayşe, Jürgen, İlkay = 3
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from maruf_reg.models import (
    BadgePrint,
    Category,
    CheckInPoint,
    Direction,
    Forum,
    Outcome,
    PointKind,
    Registration,
    RegistrationStatus,
    Scan,
    Seat,
    SeatStatus,
    Session,
)
from tests.conftest import FORUM_START, _save


def local(start: date, day: int, hour: int, minute: int = 0) -> datetime:
    """Istanbul time (UTC+3) on day `day` of a forum that starts on `start`, as UTC."""
    moment = datetime.combine(start + timedelta(days=day), datetime.min.time())
    return (moment + timedelta(hours=hour - 3, minutes=minute)).replace(tzinfo=UTC)


@pytest.fixture
def make_point(app: Flask) -> Callable[..., CheckInPoint]:
    def make(forum: Forum, **values: Any) -> CheckInPoint:
        session = values.pop("session", None)
        point = CheckInPoint(
            forum_id=forum.id,
            name=values.pop("name", f"Door {secrets.token_hex(2)}"),
            kind=values.pop("kind", PointKind.SESSION if session else PointKind.ENTRANCE),
            session_id=session.id if session else None,
            counts_exit=values.pop("counts_exit", False),
            **values,
        )
        _save(app, point)
        return point

    return make


@pytest.fixture
def make_seat(app: Flask) -> Callable[..., Seat]:
    def make(
        registration: Registration, session: Session, status: SeatStatus = SeatStatus.BOOKED
    ) -> Seat:
        now = datetime.now(UTC)
        seat = Seat(
            registration_id=registration.id,
            session_id=session.id,
            status=status,
            requested_at=now,
            booked_at=now if status == SeatStatus.BOOKED else None,
        )
        _save(app, seat)
        return seat

    return make


@pytest.fixture
def make_scan(app: Flask) -> Callable[..., Scan]:
    def make(
        point: CheckInPoint,
        registration: Registration | None,
        at: datetime,
        outcome: Outcome = Outcome.ADMITTED,
        **values: Any,
    ) -> Scan:
        scan = Scan(
            uuid=values.pop("uuid", str(uuid.uuid4())),
            point_id=point.id,
            registration_id=registration.id if registration else None,
            serial=1 if registration else None,
            device=values.pop("device", "Tablet 1"),
            scanned_at=at,
            received_at=values.pop("received_at", at + timedelta(seconds=1)),
            direction=Direction.OUT if outcome == Outcome.EXITED else Direction.IN,
            outcome=outcome,
            **values,
        )
        _save(app, scan)
        return scan

    return make


@pytest.fixture
def make_print(app: Flask) -> Callable[..., BadgePrint]:
    def make(registration: Registration, *, serial: int = 1, reprint: bool = False) -> BadgePrint:
        row = BadgePrint(registration_id=registration.id, serial=serial, reprint=reprint)
        _save(app, row)
        return row

    return make


@dataclass
class Scenario:
    forum: Forum
    start: date
    themes: dict[str, Any]
    sessions: dict[str, Session]
    points: dict[str, CheckInPoint]
    people: dict[str, Registration]

    def at(self, day: int, hour: int, minute: int = 0) -> datetime:
        return local(self.start, day, hour, minute)


@pytest.fixture
def build_scenario(
    make_forum: Callable[..., Forum],
    make_theme: Callable[..., Any],
    make_room: Callable[..., Any],
    make_session: Callable[..., Session],
    make_registration: Callable[..., Registration],
    make_person: Callable[..., Any],
    make_point: Callable[..., CheckInPoint],
    make_seat: Callable[..., Seat],
    make_scan: Callable[..., Scan],
    make_print: Callable[..., BadgePrint],
) -> Callable[..., Scenario]:
    """Build the forum described in this module's docstring, starting on `start`."""

    def build(start: date = FORUM_START) -> Scenario:
        forum = make_forum(slug="maruf", starts_on=start, ends_on=start + timedelta(days=2))

        def at(day: int, hour: int, minute: int = 0) -> datetime:
            return local(start, day, hour, minute)

        t1 = make_theme(forum, slug="migration", position=0, colour="#c0392b")
        t2 = make_theme(
            forum, slug="resilience", name_tr="Dirençlilik", name_en="Resilience", position=1
        )
        salon_a = make_room(forum, name="Salon A", capacity=5)
        salon_b = make_room(forum, name="Salon B", capacity=2)
        s1 = make_session(
            forum,
            room=salon_a,
            theme=t1,
            capacity=4,
            title_en="Migration panel",
            title_tr="Göç paneli",
            starts_at=at(0, 11),
            ends_at=at(0, 12, 30),
        )
        s2 = make_session(
            forum,
            room=salon_b,
            theme=t1,
            capacity=3,
            title_en="Resilience workshop",
            title_tr="Dirençlilik atölyesi",
            starts_at=at(1, 14),
            ends_at=at(1, 15, 30),
        )
        s3 = make_session(
            forum,
            room=salon_a,
            theme=t2,
            capacity=5,
            title_en="Closing talk",
            title_tr="Kapanış konuşması",
            starts_at=at(0, 14),
            ends_at=at(0, 15, 30),
        )

        def person(
            key: str, given: str, family: str, country: str, created: datetime, **values: Any
        ) -> Registration:
            someone = make_person(
                given_name=given,
                family_name=family,
                country=country,
                email=f"{key}@example.org",
                language=values.pop("language", "tr"),
                organisation=values.pop("organisation", "Marmara Belediyeler Birliği"),
            )
            return make_registration(forum, someone, created_at=created, **values)

        sign_up = datetime(start.year, start.month, 1, tzinfo=UTC) - timedelta(days=30)

        def signed(day: int, hour: int, minute: int = 0) -> datetime:
            return local(sign_up.date(), day, hour, minute)

        people = {
            "ayse": person("ayse", "Ayşe", "Öztürk", "TR", signed(0, 10)),
            "muhammad": person("muhammad", "محمد", "الحلبي", "SY", signed(0, 11), language="en"),
            "jurgen": person(
                "jurgen",
                "Jürgen",
                "Groß",
                "DE",
                signed(0, 23, 30),
                category=Category.PRESS,
                language="en",
            ),
            # 01:30 in Istanbul is still the day before in UTC: the chart counts the local day.
            "ilkay": person(
                "ilkay", "İlkay", "Işık", "TR", signed(1, 1, 30), category=Category.SPEAKER
            ),
            "wang": person(
                "wang",
                "王",
                "芳",
                "CN",
                signed(2, 9),
                status=RegistrationStatus.CANCELLED,
                language="en",
            ),
            "fatma": person("fatma", '=HYPERLINK("x")', "Şahin", "", signed(2, 12)),
            "giorgos": person(
                "giorgos",
                "Γιώργος",
                "Παπαδόπουλος",
                "GR",
                signed(4, 9),
                category=Category.VIP,
                status=RegistrationStatus.PENDING,
                language="en",
            ),
            "hakan": person("hakan", "Hakan", "Çelik", "TR", signed(4, 10)),
            "ines": person(
                "ines",
                "Inès",
                "Dupont",
                "FR",
                signed(4, 11),
                category=Category.MODERATOR,
                status=RegistrationStatus.PENDING,
                language="en",
            ),
        }
        p = people
        make_seat(p["ayse"], s1)
        make_seat(p["muhammad"], s1)
        make_seat(p["hakan"], s1)
        make_seat(p["jurgen"], s1, SeatStatus.WAITLISTED)
        make_seat(p["wang"], s1)
        make_seat(p["ayse"], s2)
        make_seat(p["fatma"], s2)
        make_seat(p["giorgos"], s2)

        p1 = make_point(forum, name="Salon A kapısı", session=s1, counts_exit=True)
        p2 = make_point(forum, name="Salon B kapısı", session=s2)
        p3 = make_point(forum, name="Kapanış kapısı", session=s3)
        e1 = make_point(forum, name="Ana Giriş", counts_exit=True)
        e2 = make_point(forum, name="B Kapısı")

        for who, hour, minute, outcome in [
            ("ayse", 10, 50, Outcome.ADMITTED),
            ("muhammad", 10, 55, Outcome.ADMITTED),
            ("ayse", 10, 56, Outcome.ALREADY_IN),
            ("jurgen", 11, 0, Outcome.ADMITTED),
            ("ilkay", 11, 2, Outcome.ADMITTED),
            (None, 11, 5, Outcome.UNKNOWN),
            ("wang", 11, 10, Outcome.REVOKED),
            ("ayse", 11, 30, Outcome.EXITED),
            ("muhammad", 11, 31, Outcome.ADMITTED),
            ("ayse", 11, 40, Outcome.ADMITTED),
            ("jurgen", 12, 0, Outcome.EXITED),
        ]:
            make_scan(p1, p[who] if who else None, at(0, hour, minute), outcome)
        for who, hour, minute, outcome in [
            ("fatma", 13, 50, Outcome.ADMITTED),
            ("ayse", 13, 55, Outcome.ADMITTED),
            ("giorgos", 13, 58, Outcome.REVOKED),
            ("ilkay", 14, 10, Outcome.ADMITTED),
            ("fatma", 14, 20, Outcome.ADMITTED),
        ]:
            make_scan(p2, p[who], at(1, hour, minute), outcome)
        for point, who, hour, minute, outcome in [
            (e1, "ayse", 8, 30, Outcome.ADMITTED),
            (e1, "muhammad", 8, 40, Outcome.ADMITTED),
            (e1, "muhammad", 8, 41, Outcome.ALREADY_IN),
            (e1, "ilkay", 9, 0, Outcome.ADMITTED),
            (e1, None, 9, 10, Outcome.INVALID),
            (e1, "ilkay", 10, 0, Outcome.EXITED),
            (e1, "ilkay", 10, 30, Outcome.ADMITTED),
            (e1, "ayse", 12, 30, Outcome.EXITED),
            (e1, "muhammad", 13, 30, Outcome.EXITED),
            (e2, "jurgen", 8, 50, Outcome.ADMITTED),
            (e2, "ayse", 13, 0, Outcome.ADMITTED),
        ]:
            make_scan(point, p[who] if who else None, at(0, hour, minute), outcome)
        make_scan(e1, p["fatma"], at(1, 9), Outcome.ADMITTED, offline=True, device="+Kapı B")

        make_print(p["ayse"])
        make_print(p["ayse"], serial=2, reprint=True)
        make_print(p["muhammad"])
        make_print(p["wang"])
        return Scenario(
            forum=forum,
            start=start,
            themes={"t1": t1, "t2": t2},
            sessions={"s1": s1, "s2": s2, "s3": s3},
            points={"p1": p1, "p2": p2, "p3": p3, "e1": e1, "e2": e2},
            people=people,
        )

    return build


@pytest.fixture
def scenario(build_scenario: Callable[..., Scenario], monkeypatch: pytest.MonkeyPatch) -> Scenario:
    """The forum, read by the reports once it is over (no-shows count only started sessions)."""
    built = build_scenario()
    monkeypatch.setattr("maruf_reg.reports.tallies.reports_now", lambda: built.at(3, 0))
    return built
