"""Fixtures for the messages tests: a forum with two sessions and people in three languages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from maruf_reg.extensions import db
from maruf_reg.models import Registration, Seat, SeatStatus, Session
from tests.conftest import forum_time


@dataclass
class People:
    forum_id: int
    session: Session
    other: Session
    #: booked in `session`, in Turkish, English and Arabic
    ayse: Registration
    john: Registration
    layla: Registration
    #: waitlisted in `session`
    waiting: Registration
    #: booked in `other` only
    elsewhere: Registration
    #: a desk walk-in without an address, booked in `session`
    walk_in: Registration


def seat(app, registration: Registration, session: Session, status=SeatStatus.BOOKED) -> None:
    with app.app_context():
        db.session.add(Seat(registration_id=registration.id, session_id=session.id, status=status))
        db.session.commit()


@pytest.fixture
def people(app, forum, make_session, make_registration, make_person) -> People:
    session = make_session(
        forum, title_tr="Kentte Göç", title_en="Migration in the City", starts_at=forum_time(0, 11)
    )
    other = make_session(
        forum,
        title_tr="Dayanıklı Kentler",
        title_en="Resilient Cities",
        starts_at=forum_time(0, 14),
    )
    now = datetime.now(UTC)
    ayse = make_registration(
        forum,
        person=make_person(
            **{"given_name": "Ayşe", "family_name": "Öztürk", "email": "ayse@example.org"}
        ),
        consent_announcements_at=now,
    )
    john = make_registration(
        forum,
        person=make_person(
            **{
                "given_name": "John",
                "family_name": "Smith",
                "email": "john@example.org",
                "language": "en",
                "country": "GB",
            }
        ),
    )
    layla = make_registration(
        forum,
        person=make_person(
            **{
                "given_name": "ليلى",
                "family_name": "حداد",
                "email": "layla@example.org",
                "language": "ar",
                "country": "JO",
            }
        ),
        consent_announcements_at=now,
    )
    waiting = make_registration(
        forum, person=make_person(**{"given_name": "Mehmet", "email": "mehmet@example.org"})
    )
    elsewhere = make_registration(
        forum, person=make_person(**{"given_name": "Zeynep", "email": "zeynep@example.org"})
    )
    walk_in = make_registration(
        forum, person=make_person(given_name="Kemal", email=None), source="desk"
    )
    for registration in (ayse, john, layla, walk_in):
        seat(app, registration, session)
    seat(app, waiting, session, SeatStatus.WAITLISTED)
    seat(app, elsewhere, other)
    return People(forum.id, session, other, ayse, john, layla, waiting, elsewhere, walk_in)
