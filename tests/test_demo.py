"""`flask demo`: a MARUF-like forum to try everything on."""

from __future__ import annotations

import unicodedata

from sqlalchemy import func, select

from maruf_reg.extensions import db
from maruf_reg.models import (
    CheckInPoint,
    Forum,
    Person,
    Registration,
    Scan,
    Seat,
    SeatStatus,
    Session,
    SessionKind,
    SessionRole,
    StaffUser,
    Theme,
)


def _scripts(names: list[str]) -> set[str]:
    found = set()
    for name in names:
        for char in name:
            if char.isalpha():
                found.add(unicodedata.name(char).split()[0])
    return found


def test_demo_builds_a_maruf_like_forum(app, runner):
    result = runner.invoke(args=["demo", "--participants", "2000", "--speakers", "250"])
    assert result.exit_code == 0, result.output
    assert "admin@maruf.example.org" in result.output
    assert "password:" in result.output
    with app.app_context():
        forum = db.session.scalars(select(Forum)).one()
        assert (forum.ends_on - forum.starts_on).days == 2
        assert db.session.scalar(select(func.count()).select_from(Theme)) == 12
        sessions = db.session.scalars(select(Session)).all()
        assert 35 <= len(sessions) <= 45
        kinds = {s.kind for s in sessions}
        assert {
            SessionKind.SCREENING,
            SessionKind.EXHIBITION,
            SessionKind.PLENARY,
            SessionKind.PANEL,
            SessionKind.WORKSHOP,
            SessionKind.INTERVIEW,
        } <= kinds
        days = {s.starts_at.astimezone(forum.zone).date() for s in sessions}
        assert len(days) == 3
        # No room holds two sessions at once.
        for a in sessions:
            for b in sessions:
                if a.id < b.id and a.room_id == b.room_id:
                    assert not a.overlaps(b), (a, b)
        people = db.session.scalars(select(Person)).all()
        assert len(people) == 2250
        assert len({p.country for p in people}) == 25
        scripts = _scripts([p.name for p in people])
        assert {"LATIN", "ARABIC", "CJK", "HANGUL", "GREEK", "CYRILLIC", "DEVANAGARI"} <= scripts
        assert any("İ" in p.name or "ı" in p.name for p in people)
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 2250
        assert db.session.scalar(select(func.count()).select_from(SessionRole)) > 100
        # Seats never oversell a session.
        booked = db.session.execute(
            select(Seat.session_id, func.count())
            .where(Seat.status == SeatStatus.BOOKED)
            .group_by(Seat.session_id)
        ).all()
        capacity = {s.id: s.capacity for s in sessions}
        assert booked
        assert all(count <= capacity[session_id] for session_id, count in booked)
        assert db.session.scalar(select(func.count()).select_from(Scan)) == 0
        assert db.session.scalar(select(func.count()).select_from(CheckInPoint)) >= 2
        assert {u.email for u in db.session.scalars(select(StaffUser))} == {
            "admin@maruf.example.org",
            "desk@maruf.example.org",
            "door@maruf.example.org",
        }
        assert forum.public_key is not None


def test_demo_scans_on_request_and_if_absent(app, runner):
    result = runner.invoke(
        args=["demo", "--participants", "300", "--speakers", "30", "--scans", "500"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Scan)) == 500
    again = runner.invoke(args=["demo", "--if-absent"])
    assert again.exit_code == 0
    assert "no demo made" in again.output
    twice = runner.invoke(args=["demo"])
    assert twice.exit_code != 0
    assert "exists already" in twice.output


def test_demo_refuses_bad_numbers(runner):
    result = runner.invoke(args=["demo", "--participants", "-5"])
    assert result.exit_code == 2
