"""The programme's rules, called directly: every refusal changes nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from maruf_reg.extensions import db
from maruf_reg.forum import forum_days, local_to_utc, utc_to_local
from maruf_reg.models import (
    AuditLog,
    Category,
    Person,
    Registration,
    RegistrationStatus,
    RoleKind,
    Room,
    Seat,
    SeatStatus,
    Session,
    SessionKind,
    SessionRole,
    Theme,
)
from maruf_reg.program import services, sessions, speakers
from maruf_reg.program.rules import ProgrammeError, SessionHasBookings, ThemeInUse
from maruf_reg.program.speakers import PersonFields, RegistrationChange
from tests.conftest import forum_time


def fields(programme, **values):
    """A valid session in the workshop room on the first afternoon, changed by `values`."""
    base = sessions.SessionFields(
        kind=SessionKind.WORKSHOP,
        title_tr="Atölye: Dirençli Mahalleler",
        title_en="Workshop: Resilient Neighbourhoods",
        starts_at=forum_time(0, 14),
        ends_at=forum_time(0, 15, 30),
        theme_id=programme.theme.id,
        room_id=programme.workshop_room.id,
    )
    return replace(base, **values)


def sessions_now():
    return db.session.scalars(select(Session).order_by(Session.id)).all()


def test_a_session_takes_the_rooms_capacity_and_is_audited(ctx, programme, make_staff):
    staff = make_staff()
    saved = sessions.create_session(programme.forum.id, fields(programme), staff_user_id=staff.id)
    assert saved.session.capacity == 30
    assert saved.overlaps == [] and saved.room_capacity is None
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "session.create")).one()
    assert entry.staff_user_id == staff.id and entry.object_id == saved.session.id
    assert entry.details["title_en"] == [None, "Workshop: Resilient Neighbourhoods"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_at": forum_time(0, 13)}, "ends_at"),  # ends before it starts
        ({"ends_at": forum_time(0, 14)}, "ends_at"),  # ends as it starts
        ({"starts_at": forum_time(-1, 14), "ends_at": forum_time(-1, 15)}, "starts_at"),
        ({"starts_at": forum_time(3, 10), "ends_at": forum_time(3, 11)}, "starts_at"),
        ({"starts_at": forum_time(2, 23), "ends_at": forum_time(3, 0, 30)}, "starts_at"),
        ({"title_en": "x" * 301}, "title_en"),
        ({"title_tr": "   "}, "title_tr"),
        ({"description_tr": "ş" * 5001}, "description_tr"),
        ({"theme_id": 999_999}, "theme_id"),
        ({"room_id": 999_999}, "room_id"),
        ({"room_id": None, "capacity": None}, "capacity"),
        ({"capacity": -1}, "capacity"),
    ],
)
def test_bad_sessions_are_refused_and_nothing_is_written(ctx, programme, change, field):
    before = [s.id for s in sessions_now()]
    with pytest.raises(ProgrammeError) as refused:
        sessions.create_session(programme.forum.id, fields(programme, **change), staff_user_id=None)
    assert refused.value.field == field
    assert [s.id for s in sessions_now()] == before
    assert db.session.scalars(select(AuditLog)).all() == []


def test_a_session_may_end_at_midnight_after_the_last_day(ctx, programme):
    late = fields(programme, starts_at=forum_time(2, 22), ends_at=forum_time(3, 0))
    assert sessions.create_session(programme.forum.id, late, staff_user_id=None).session.id


def test_themes_and_rooms_of_another_forum_are_unknown(
    ctx, programme, make_forum, make_theme, make_room
):
    other = make_forum()
    foreign_theme, foreign_room = make_theme(other), make_room(other)
    for change, field in (
        ({"theme_id": foreign_theme.id}, "theme_id"),
        ({"room_id": foreign_room.id}, "room_id"),
    ):
        with pytest.raises(ProgrammeError) as refused:
            sessions.create_session(
                programme.forum.id, fields(programme, **change), staff_user_id=None
            )
        assert refused.value.field == field


def test_two_sessions_may_not_share_a_room_at_overlapping_times(ctx, programme):
    # The panel is in Salon A from 11:00 to 12:30.
    clash = fields(
        programme,
        room_id=programme.salon.id,
        starts_at=forum_time(0, 12),
        ends_at=forum_time(0, 13),
    )
    with pytest.raises(ProgrammeError, match="Salon A") as refused:
        sessions.create_session(programme.forum.id, clash, staff_user_id=None)
    assert refused.value.field == "room_id"
    inside = replace(clash, starts_at=forum_time(0, 11, 15), ends_at=forum_time(0, 11, 45))
    with pytest.raises(ProgrammeError):
        sessions.create_session(programme.forum.id, inside, staff_user_id=None)
    # Back to back is fine; so is the same time in another room.
    after = replace(clash, starts_at=forum_time(0, 12, 30), ends_at=forum_time(0, 13, 30))
    sessions.create_session(programme.forum.id, after, staff_user_id=None)
    sessions.create_session(
        programme.forum.id,
        fields(programme, starts_at=forum_time(0, 11), ends_at=forum_time(0, 12, 30)),
        staff_user_id=None,
    )
    assert len(sessions_now()) == 3


def test_moving_a_session_onto_another_is_refused_and_leaves_it_as_it_was(ctx, programme):
    other = sessions.create_session(
        programme.forum.id, fields(programme), staff_user_id=None
    ).session
    moved = fields(
        programme,
        room_id=programme.salon.id,
        starts_at=forum_time(0, 12),
        ends_at=forum_time(0, 13),
    )
    with pytest.raises(ProgrammeError):
        sessions.update_session(other.id, moved, staff_user_id=None)
    db.session.expire_all()
    again = db.session.get(Session, other.id)
    assert (again.room_id, again.starts_at) == (programme.workshop_room.id, forum_time(0, 14))
    # A session does not clash with itself when it is saved again.
    sessions.update_session(
        programme.panel.id,
        fields(
            programme,
            room_id=programme.salon.id,
            starts_at=forum_time(0, 11),
            ends_at=forum_time(0, 12),
        ),
        staff_user_id=None,
    )


def test_more_places_than_the_room_has_is_a_warning_not_a_refusal(ctx, programme):
    saved = sessions.create_session(
        programme.forum.id, fields(programme, capacity=45), staff_user_id=None
    )
    assert saved.session.capacity == 45
    assert saved.room_capacity == 30


def test_capacity_cannot_drop_below_the_booked_seats(ctx, programme, make_registration):
    for _ in range(3):
        registration = make_registration(programme.forum)
        db.session.add(
            Seat(
                registration_id=registration.id,
                session_id=programme.panel.id,
                status=SeatStatus.BOOKED,
            )
        )
    db.session.commit()
    panel = fields(
        programme,
        room_id=programme.salon.id,
        starts_at=forum_time(0, 11),
        ends_at=forum_time(0, 12, 30),
    )
    with pytest.raises(ProgrammeError, match="3") as refused:
        sessions.update_session(programme.panel.id, replace(panel, capacity=2), staff_user_id=None)
    assert refused.value.field == "capacity"
    assert (
        sessions.update_session(
            programme.panel.id, replace(panel, capacity=3), staff_user_id=None
        ).session.capacity
        == 3
    )


def test_a_session_with_booked_seats_is_deleted_only_when_confirmed(
    ctx, programme, make_registration
):
    registration = make_registration(programme.forum)
    db.session.add(
        Seat(
            registration_id=registration.id, session_id=programme.panel.id, status=SeatStatus.BOOKED
        )
    )
    db.session.commit()
    with pytest.raises(SessionHasBookings) as refused:
        sessions.delete_session(programme.panel.id, confirm_booked=False, staff_user_id=None)
    assert refused.value.booked == 1
    assert db.session.get(Session, programme.panel.id) is not None
    assert sessions.delete_session(programme.panel.id, confirm_booked=True, staff_user_id=None) == 1
    assert db.session.get(Session, programme.panel.id) is None
    assert db.session.scalars(select(Seat)).all() == []
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "session.delete")).one()
    assert entry.details["booked"] == 1


def test_a_theme_in_use_is_deleted_only_when_confirmed_and_its_sessions_stay(ctx, programme):
    with pytest.raises(ThemeInUse):
        services.delete_theme(programme.theme.id, confirm_in_use=False, staff_user_id=None)
    assert db.session.get(Theme, programme.theme.id) is not None
    assert services.delete_theme(programme.theme.id, confirm_in_use=True, staff_user_id=None) == 1
    panel = db.session.get(Session, programme.panel.id)
    assert panel is not None and panel.theme_id is None


def test_a_room_in_use_cannot_be_deleted(ctx, programme):
    with pytest.raises(ProgrammeError, match="1"):
        services.delete_room(programme.salon.id, staff_user_id=None)
    assert db.session.get(Room, programme.salon.id) is not None
    services.delete_room(programme.workshop_room.id, staff_user_id=None)
    assert db.session.get(Room, programme.workshop_room.id) is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slug": "Göç"}, "slug"),
        ({"slug": "migration"}, "slug"),  # taken
        ({"name_tr": "x" * 151}, "name_tr"),
        ({"colour": "red"}, "colour"),
        ({"description_en": "x" * 5001}, "description_en"),
    ],
)
def test_bad_themes_are_refused(ctx, programme, change, field):
    theme = replace(
        services.ThemeFields(slug="resilience", name_tr="Dirençlilik", name_en="Resilience"),
        **change,
    )
    with pytest.raises(ProgrammeError) as refused:
        services.create_theme(programme.forum.id, theme, staff_user_id=None)
    assert refused.value.field == field
    assert len(db.session.scalars(select(Theme)).all()) == 1


def test_room_names_are_unique_in_a_forum(ctx, programme):
    with pytest.raises(ProgrammeError) as refused:
        services.create_room(
            programme.forum.id, services.RoomFields(name="Salon A", capacity=5), staff_user_id=None
        )
    assert refused.value.field == "name"
    room = services.update_room(
        programme.salon.id, services.RoomFields(name="Salon A", capacity=120), staff_user_id=None
    )
    assert room.capacity == 120


def test_forum_dates_may_not_leave_a_session_outside(ctx, programme):
    settings = services.ForumFields(
        name_tr="Marmara Kentsel Forumu",
        name_en="Marmara Urban Forum",
        starts_on=programme.forum.starts_on + timedelta(days=1),
        ends_on=programme.forum.ends_on,
    )
    with pytest.raises(ProgrammeError, match="1") as refused:
        services.update_forum(programme.forum.id, settings, staff_user_id=None)
    assert refused.value.field == "starts_on"
    with pytest.raises(ProgrammeError) as refused:
        services.update_forum(
            programme.forum.id,
            replace(settings, starts_on=programme.forum.starts_on, timezone="Mars/Olympus"),
            staff_user_id=None,
        )
    assert refused.value.field == "timezone"
    with pytest.raises(ProgrammeError) as refused:
        services.update_forum(
            programme.forum.id, replace(settings, ends_on=date(2000, 1, 1)), staff_user_id=None
        )
    assert refused.value.field == "ends_on"
    longer = replace(
        settings,
        starts_on=programme.forum.starts_on,
        ends_on=programme.forum.ends_on + timedelta(days=1),
        venue="Lütfi Kırdar",
    )
    forum = services.update_forum(programme.forum.id, longer, staff_user_id=None)
    assert forum.venue == "Lütfi Kırdar" and len(forum_days(forum)) == 4


def test_a_new_forum_gets_signing_keys(ctx, app):
    forum = services.create_forum(
        "maruf2030",
        services.ForumFields(
            name_tr="MARUF 2030",
            name_en="MARUF 2030",
            starts_on=date(2030, 5, 1),
            ends_on=date(2030, 5, 3),
        ),
        secret_key=app.config["SECRET_KEY"],
        staff_user_id=None,
    )
    assert forum.public_key and forum.private_key_encrypted
    with pytest.raises(ProgrammeError):
        services.create_forum(
            "maruf2030",
            services.ForumFields(
                name_tr="a", name_en="b", starts_on=date(2030, 5, 1), ends_on=date(2030, 5, 1)
            ),
            secret_key="x",
            staff_user_id=None,
        )


def test_local_times_are_stored_in_utc(ctx, programme):
    from datetime import datetime

    local = datetime(2030, 10, 1, 11, 0)
    assert local_to_utc(programme.forum, local) == forum_time(0, 11)
    assert utc_to_local(programme.forum, forum_time(0, 11)) == local


# --- speakers ----------------------------------------------------------------------------------


def new_speaker(**values):
    return PersonFields(
        **{
            "email": "Leyla.Haddad@Example.org",
            "given_name": "ليلى",
            "family_name": "حداد",
            "organisation": "UCLG-MEWA",
            "country": "lb",
            **values,
        }
    )


def test_adding_a_new_speaker_makes_a_person_and_a_confirmed_registration(
    ctx, programme, make_staff
):
    staff = make_staff()
    added = speakers.add_session_role(
        programme.panel.id, role=RoleKind.SPEAKER, person=new_speaker(), staff_user_id=staff.id
    )
    assert added.person_created and added.registration == RegistrationChange.CREATED
    person = db.session.scalars(select(Person)).one()
    assert (person.email, person.given_name, person.country, person.language) == (
        "leyla.haddad@example.org",
        "ليلى",
        "LB",
        "en",
    )
    registration = db.session.scalars(select(Registration)).one()
    assert (registration.category, registration.status, registration.source) == (
        Category.SPEAKER,
        RegistrationStatus.CONFIRMED,
        "programme",
    )
    assert registration.confirmed_at is not None and len(registration.manage_token) >= 22
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "session.role_add")).one()
    assert entry.staff_user_id == staff.id and entry.details["person_id"] == person.id


def test_a_moderator_or_chair_is_registered_as_moderator_and_the_email_finds_the_person(
    ctx, programme, make_person
):
    person = make_person(email="kemal@example.org")
    added = speakers.add_session_role(
        programme.panel.id,
        role=RoleKind.CHAIR,
        person=PersonFields(email="KEMAL@example.org"),
        staff_user_id=None,
    )
    assert added.person.id == person.id and not added.person_created
    registration = db.session.scalars(select(Registration)).one()
    assert registration.category == Category.MODERATOR


@pytest.mark.parametrize(
    ("status", "category", "change", "category_after"),
    [
        (
            RegistrationStatus.CONFIRMED,
            Category.PARTICIPANT,
            RegistrationChange.UPGRADED,
            Category.SPEAKER,
        ),
        (
            RegistrationStatus.PENDING,
            Category.SPEAKER,
            RegistrationChange.CONFIRMED,
            Category.SPEAKER,
        ),
        (
            RegistrationStatus.CANCELLED,
            Category.PARTICIPANT,
            RegistrationChange.REACTIVATED,
            Category.SPEAKER,
        ),
        (
            RegistrationStatus.CONFIRMED,
            Category.PRESS,
            RegistrationChange.UNCHANGED,
            Category.PRESS,
        ),
    ],
)
def test_an_existing_registration_is_confirmed(
    ctx, programme, make_registration, status, category, change, category_after
):
    registration = make_registration(programme.forum, status=status, category=category)
    added = speakers.add_session_role(
        programme.panel.id,
        role=RoleKind.SPEAKER,
        person_id=registration.person_id,
        staff_user_id=None,
    )
    assert added.registration == change
    again = db.session.get(Registration, registration.id)
    assert again.status == RegistrationStatus.CONFIRMED and again.category == category_after
    assert again.cancelled_at is None


@pytest.mark.parametrize(
    ("person", "field"),
    [
        (new_speaker(email="not an address"), "email"),
        (new_speaker(given_name=""), "given_name"),
        (new_speaker(given_name="Ş" * 101), "given_name"),
        (new_speaker(family_name="ı" * 101), "family_name"),
        (new_speaker(organisation="x" * 201), "organisation"),
        (new_speaker(country="XX"), "country"),
    ],
)
def test_bad_people_are_refused_and_nothing_is_written(ctx, programme, person, field):
    with pytest.raises(ProgrammeError) as refused:
        speakers.add_session_role(
            programme.panel.id, role=RoleKind.SPEAKER, person=person, staff_user_id=None
        )
    assert refused.value.field == field
    assert db.session.scalars(select(Person)).all() == []
    assert db.session.scalars(select(SessionRole)).all() == []
    assert db.session.scalars(select(Registration)).all() == []


def test_nobody_is_twice_in_a_session(ctx, programme):
    speakers.add_session_role(
        programme.panel.id, role=RoleKind.SPEAKER, person=new_speaker(), staff_user_id=None
    )
    with pytest.raises(ProgrammeError, match="ليلى") as refused:
        speakers.add_session_role(
            programme.panel.id, role=RoleKind.MODERATOR, person=new_speaker(), staff_user_id=None
        )
    assert refused.value.field == "email"
    assert len(db.session.scalars(select(SessionRole)).all()) == 1


def test_a_speaker_in_two_overlapping_sessions_is_a_warning(ctx, programme, make_session):
    other = make_session(
        programme.forum, room=programme.workshop_room, starts_at=forum_time(0, 12), title_en="Other"
    )
    later = make_session(
        programme.forum, room=programme.workshop_room, starts_at=forum_time(0, 14), title_en="Later"
    )
    first = speakers.add_session_role(
        programme.panel.id, role=RoleKind.SPEAKER, person=new_speaker(), staff_user_id=None
    )
    assert first.overlaps == []
    person_id = first.person.id
    assert (
        speakers.add_session_role(
            later.id, role=RoleKind.SPEAKER, person_id=person_id, staff_user_id=None
        ).overlaps
        == []
    )
    second = speakers.add_session_role(
        other.id, role=RoleKind.MODERATOR, person_id=person_id, staff_user_id=None
    )
    assert [(o.person.id, o.other.id) for o in second.overlaps] == [(person_id, programme.panel.id)]
    assert len(db.session.scalars(select(SessionRole)).all()) == 3
    by_session = speakers.forum_overlaps(programme.forum.id)
    assert set(by_session) == {programme.panel.id, other.id}


def test_roles_are_ordered_changed_and_removed(ctx, programme):
    first = speakers.add_session_role(
        programme.panel.id, role=RoleKind.SPEAKER, person=new_speaker(), staff_user_id=None
    )
    second = speakers.add_session_role(
        programme.panel.id,
        role=RoleKind.SPEAKER,
        person=new_speaker(email="b@example.org", given_name="İlkay"),
        staff_user_id=None,
    )
    assert (first.role.position, second.role.position) == (0, 1)
    speakers.update_session_role(
        second.role.id, role=RoleKind.MODERATOR, position=0, staff_user_id=None
    )
    speakers.update_session_role(
        first.role.id, role=RoleKind.SPEAKER, position=1, staff_user_id=None
    )
    panel = db.session.get(Session, programme.panel.id)
    db.session.refresh(panel)
    assert [(r.person.given_name, r.role) for r in panel.roles] == [
        ("İlkay", RoleKind.MODERATOR),
        ("ليلى", RoleKind.SPEAKER),
    ]
    speakers.remove_session_role(first.role.id, staff_user_id=None)
    assert len(db.session.scalars(select(SessionRole)).all()) == 1
    # Their registration stays: they may speak elsewhere, and a badge may be printed already.
    assert len(db.session.scalars(select(Registration)).all()) == 2
