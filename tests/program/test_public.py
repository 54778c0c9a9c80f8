"""The public programme as a visitor sees it, in Turkish and in English."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from maruf_reg.extensions import db
from maruf_reg.models import (
    Category,
    RegistrationStatus,
    RoleKind,
    Seat,
    SeatStatus,
    SessionKind,
    SessionRole,
)
from tests.conftest import forum_time

EN = {"Accept-Language": "en"}
TR = {"Accept-Language": "tr"}


def page(client, url, headers=EN, status=200):
    response = client.get(url, headers=headers)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


@pytest.fixture
def speakers_of_panel(app, programme, make_person, make_registration):
    """A confirmed Arabic-named speaker, a confirmed Turkish moderator, a pending invited speaker."""
    people = [
        (
            make_person(
                given_name="فاطمة", family_name="<i>الحلبي</i>", organisation="Gaziantep Büyükşehir"
            ),
            Category.SPEAKER,
            RegistrationStatus.CONFIRMED,
            RoleKind.SPEAKER,
        ),
        (
            make_person(given_name="İlkay", family_name="Işıklar", country="TR"),
            Category.MODERATOR,
            RegistrationStatus.CONFIRMED,
            RoleKind.MODERATOR,
        ),
        (
            make_person(given_name="Pending", family_name="Invitee"),
            Category.SPEAKER,
            RegistrationStatus.PENDING,
            RoleKind.SPEAKER,
        ),
    ]
    with app.app_context():
        for position, (person, category, status, role) in enumerate(people):
            make_registration(programme.forum, person, category=category, status=status)
            db.session.add(
                SessionRole(
                    session_id=programme.panel.id, person_id=person.id, role=role, position=position
                )
            )
        db.session.commit()
    return people


def test_the_front_page_shows_the_forum_and_links(client, programme):
    html = page(client, "/")
    assert "Marmara Urban Forum" in html and "Haliç Kongre Merkezi" in html
    assert "1–3 October 2030" in html  # maruf_reg.dates: the month written out, day first
    assert "1–3 Ekim 2030" in page(client, "/", TR)
    assert 'href="/program"' in html and 'href="/program.ics"' in html
    assert 'href="/themes/migration"' in html
    assert "Marmara Kentsel Forumu" in page(client, "/", TR)


def test_without_a_forum_the_programme_is_not_found(client):
    assert "No forum has been set up yet." in page(client, "/")
    page(client, "/program", status=404)
    page(client, "/sessions/1", status=404)


def test_the_timetable_shows_every_day_with_rooms_as_columns(client, programme, make_session):
    make_session(
        programme.forum,
        room=programme.workshop_room,
        starts_at=forum_time(0, 11),
        title_en="Workshop on Data",
        title_tr="Veri Atölyesi",
        kind=SessionKind.WORKSHOP,
    )
    html = page(client, "/program")
    for day in ("2030-10-01", "2030-10-02", "2030-10-03"):
        assert f'href="#day-{day}"' in html and f'id="day-{day}"' in html
    assert "No sessions on this day." in html  # the empty days are there too
    # Rooms head the columns in their order; each session sits in its room's column.
    assert html.index(">Salon A<") < html.index(">Atölye 1<")
    assert re.search(
        r'grid-column: 2; grid-row: 2 / 3;[^"]*">\s*<p class="tt-when">.*?11:00', html, re.S
    )
    assert "The Role of Local Governments" in html and "Workshop on Data" in html
    assert 'href="/sessions/' in html and 'href="/themes/migration"' in html
    turkish = page(client, "/program", TR)
    assert "Yerel Yönetimlerin Rolü" in turkish and "Veri Atölyesi" in turkish
    assert '<html lang="tr" dir="ltr">' in turkish
    assert "1 Ekim 2030 Salı" in turkish and "Bu gün oturum yok." in turkish
    assert "Tüm temalar" in turkish and '<p class="tt-meta">Atölye' in turkish
    switched = page(client, "/program?lang=en", TR)
    assert '<html lang="en" dir="ltr">' in switched and "The Role of Local Governments" in switched


def test_the_timetable_shows_seats_left_for_sessions_that_need_booking(
    app, client, programme, make_session, make_registration
):
    make_session(
        programme.forum,
        room=programme.workshop_room,
        starts_at=forum_time(1, 10),
        capacity=1,
        title_en="Tiny workshop",
    )
    full = make_session(
        programme.forum,
        room=programme.workshop_room,
        starts_at=forum_time(1, 14),
        capacity=1,
        title_en="Full workshop",
    )
    registration = make_registration(programme.forum)
    with app.app_context():
        db.session.add(
            Seat(registration_id=registration.id, session_id=full.id, status=SeatStatus.BOOKED)
        )
        db.session.commit()
    html = page(client, "/program")
    assert "Seats left: 50" in html or "Seats left: 100" in html
    assert "Seats left: 1" in html and ">Full<" in html


def test_the_theme_filter_shows_one_theme(client, programme, make_theme, make_session):
    other = make_theme(
        programme.forum, slug="resilience", name_en="Resilience", name_tr="Dirençlilik"
    )
    make_session(
        programme.forum,
        room=programme.workshop_room,
        theme=other,
        title_en="Earthquake-Ready Neighbourhoods",
        title_tr="Depreme Hazır Mahalleler",
    )
    html = page(client, "/program?theme=resilience")
    assert "Earthquake-Ready Neighbourhoods" in html and "The Role of Local Governments" not in html
    assert '<option value="resilience" selected>' in html
    page(client, "/program?theme=no-such-theme", status=404)


def test_a_session_page_shows_confirmed_people_escaped(client, programme, speakers_of_panel):
    html = page(client, f"/sessions/{programme.panel.id}")
    assert "The Role of Local Governments" in html
    assert "Tuesday 1 October 2030" in html and "11:00" in html and "12:30" in html  # Istanbul time
    assert "Salon A" in html and "Panel" in html and 'href="/themes/migration"' in html
    assert "50 of 50 seats left." in html or "100 of 100 seats left." in html
    assert "<bdi>فاطمة &lt;i&gt;الحلبي&lt;/i&gt;</bdi>" in html
    assert "<i>الحلبي" not in html
    assert "<bdi>İlkay Işıklar</bdi>" in html and '<p class="person-country">Türkiye</p>' in html
    assert "Pending" not in html  # an invited speaker shows once an organiser approves
    assert html.index("<h2>Moderation") < html.index("<h2>Speakers")
    turkish = page(client, f"/sessions/{programme.panel.id}", TR)
    assert (
        "Yerel Yönetimlerin Rolü" in turkish and '<p class="person-country">Türkiye</p>' in turkish
    )
    assert "Gaziantep Büyükşehir" in turkish
    assert "1 Ekim 2030" in turkish


def test_a_session_without_booking_says_so(client, programme, make_session):
    open_session = make_session(
        programme.forum,
        starts_at=forum_time(2, 9),
        needs_booking=False,
        kind=SessionKind.EXHIBITION,
        title_en="Photographs",
    )
    html = page(client, f"/sessions/{open_session.id}")
    assert "No booking needed" in html and "Exhibition" in html


def test_a_theme_page_lists_its_sessions(client, programme, make_session):
    make_session(
        programme.forum,
        theme=programme.theme,
        starts_at=forum_time(2, 14),
        title_en="Migration, day three",
    )
    html = page(client, "/themes/migration")
    assert "Migration and Social Cohesion" in html
    assert html.index("The Role of Local Governments") < html.index("Migration, day three")
    assert "Thursday 3 October 2030" in html
    assert "Göç ve Sosyal Uyum" in page(client, "/themes/migration", TR)
    page(client, "/themes/nothing", status=404)


def test_pages_of_another_forum_are_not_found(
    client, programme, make_forum, make_session, make_theme
):
    older = make_forum(
        starts_on=programme.forum.starts_on - timedelta(days=365),
        ends_on=programme.forum.ends_on - timedelta(days=365),
    )
    old_session = make_session(older, starts_at=forum_time(-365, 11))
    make_theme(older, slug="archive")
    page(client, f"/sessions/{old_session.id}", status=404)
    page(client, f"/sessions/{old_session.id}.ics", status=404)
    page(client, "/themes/archive", status=404)
    page(client, "/sessions/999999", status=404)


def test_markup_in_titles_and_descriptions_is_shown_as_text(client, programme, make_session):
    session = make_session(
        programme.forum,
        starts_at=forum_time(1, 9),
        title_en="<script>x</script> Cities",
        description_en='Line one\n<a href="javascript:x">two</a>',
    )
    html = page(client, f"/sessions/{session.id}")
    assert "&lt;script&gt;x&lt;/script&gt; Cities" in html and "<script>x" not in html
    assert "&lt;a href=&#34;javascript:x&#34;&gt;two&lt;/a&gt;" in html
    assert "&lt;script&gt;x&lt;/script&gt; Cities" in page(client, "/program")
