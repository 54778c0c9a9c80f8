"""Every figure of the session, theme and dashboard reports, on a forum whose numbers are known
(see the scenario in conftest.py)."""

from __future__ import annotations

from datetime import date

import pytest

from maruf_reg.forum import day_bounds
from maruf_reg.models import Category, RegistrationStatus
from maruf_reg.reports import attendance, by_theme, services
from maruf_reg.reports.attendance import SessionSort, Tally
from maruf_reg.reports.by_theme import ThemeSort
from maruf_reg.reports.services import ReportError


def _tallies(rows):
    return {key: (t.booked, t.waitlisted, t.attended, t.no_shows, t.walk_ins) for key, t in rows}


def test_every_number_of_every_session(app, scenario):
    with app.app_context():
        rows = {row.id: row for row in attendance.session_figures(scenario.forum)}
    s1, s2, s3 = (rows[scenario.sessions[k].id] for k in ("s1", "s2", "s3"))

    assert (s1.capacity, s1.room, s1.room_capacity) == (4, "Salon A", 5)
    assert (s1.booked, s1.waitlisted, s1.attended, s1.no_shows, s1.walk_ins) == (3, 1, 4, 1, 2)
    assert (s1.peak, s1.peak_at) == (4, scenario.at(0, 11, 2))
    assert s1.peak_ratio == pytest.approx(0.8)

    assert (s2.capacity, s2.room_capacity) == (3, 2)
    assert (s2.booked, s2.waitlisted, s2.attended, s2.no_shows, s2.walk_ins) == (3, 0, 3, 1, 1)
    assert (s2.peak, s2.peak_at) == (3, scenario.at(1, 14, 10))
    assert s2.peak_ratio == pytest.approx(1.5)

    assert (s3.booked, s3.waitlisted, s3.attended, s3.no_shows, s3.walk_ins) == (0, 0, 0, 0, 0)
    assert (s3.peak, s3.peak_at, s3.peak_ratio) == (0, None, 0.0)
    assert [row.id for row in rows.values()] == [
        scenario.sessions[k].id for k in ("s1", "s3", "s2")
    ]  # programme order


def test_session_report_breaks_down_by_category_and_country(app, scenario):
    with app.app_context():
        report = attendance.session_report(scenario.forum, scenario.sessions["s1"].id)
    assert _tallies(report.breakdown.by_category) == {
        Category.PARTICIPANT: (3, 0, 2, 1, 0),
        Category.PRESS: (0, 1, 1, 0, 1),
        Category.SPEAKER: (0, 0, 1, 0, 1),
    }
    assert [code for code, _t in report.breakdown.by_country] == ["TR", "SY", "DE"]
    assert _tallies(report.breakdown.by_country) == {
        "TR": (2, 0, 2, 1, 1),
        "DE": (0, 1, 1, 0, 1),
        "SY": (1, 0, 1, 0, 0),
    }
    # Each change of occupancy in time order: the repeat admission and the refused scans change nothing.
    assert [(at, n) for at, n in report.occupancy] == [
        (scenario.at(0, 10, 50), 1),
        (scenario.at(0, 10, 55), 2),
        (scenario.at(0, 11, 0), 3),
        (scenario.at(0, 11, 2), 4),
        (scenario.at(0, 11, 30), 3),
        (scenario.at(0, 11, 40), 4),
        (scenario.at(0, 12, 0), 3),
    ]
    assert (report.points, report.counts_exit) == (1, True)


def test_a_session_without_exit_scans_only_grows(app, scenario):
    with app.app_context():
        report = attendance.session_report(scenario.forum, scenario.sessions["s2"].id)
    assert [n for _at, n in report.occupancy] == [1, 2, 3]
    assert (report.points, report.counts_exit) == (1, False)
    assert _tallies(report.breakdown.by_country) == {
        "TR": (1, 0, 2, 0, 1),
        "": (1, 0, 1, 0, 0),
        "GR": (1, 0, 0, 1, 0),
    }


def test_a_session_of_another_forum_is_not_reported(app, scenario, make_forum, make_session):
    other = make_forum(slug="other")
    session = make_session(other)
    with app.app_context(), pytest.raises(ReportError):
        attendance.session_report(scenario.forum, session.id)


def test_themes_roll_their_sessions_up(app, scenario):
    with app.app_context():
        themes = {t.slug: t for t in by_theme.theme_figures(scenario.forum)}
    t1, t2 = themes["migration"], themes["resilience"]
    assert len(t1.sessions) == 2
    assert (t1.capacity, t1.booked, t1.waitlisted, t1.attended) == (7, 6, 1, 7)
    assert (t1.people, t1.no_shows, t1.walk_ins, t1.peak) == (5, 2, 3, 4)
    assert t1.busiest.id == scenario.sessions["s2"].id  # 150 % of its room beats 80 %
    assert (len(t2.sessions), t2.capacity, t2.booked, t2.attended, t2.people) == (1, 5, 0, 0, 0)
    assert t2.busiest is None


def test_theme_breakdown_counts_a_person_once_per_session(app, scenario):
    with app.app_context():
        t1 = by_theme.theme_figures(scenario.forum, theme_id=scenario.themes["t1"].id)[0]
        result = attendance.breakdown(scenario.forum, [s.id for s in t1.sessions])
    assert _tallies(result.by_category) == {
        Category.PARTICIPANT: (5, 0, 4, 1, 0),
        Category.PRESS: (0, 1, 1, 0, 1),
        Category.SPEAKER: (0, 0, 2, 0, 2),
        Category.VIP: (1, 0, 0, 1, 0),
    }


def test_filters_by_day_and_theme(app, scenario):
    with app.app_context():
        day0 = attendance.session_figures(scenario.forum, day=scenario.start)
        day1 = attendance.session_figures(
            scenario.forum, day=date.fromordinal(scenario.start.toordinal() + 1)
        )
        t2 = attendance.session_figures(scenario.forum, theme_id=scenario.themes["t2"].id)
        t1_day0 = by_theme.theme_figures(scenario.forum, day=scenario.start)
    assert {s.title_en for s in day0} == {"Migration panel", "Closing talk"}
    assert [(s.title_en, s.attended, s.peak) for s in day1] == [("Resilience workshop", 3, 3)]
    assert [s.title_en for s in t2] == ["Closing talk"]
    migration = next(t for t in t1_day0 if t.slug == "migration")
    assert (len(migration.sessions), migration.attended, migration.people) == (1, 4, 4)


@pytest.mark.parametrize(
    ("key", "descending", "titles"),
    [
        (SessionSort.ATTENDED, True, ["Migration panel", "Resilience workshop", "Closing talk"]),
        (SessionSort.PEAK_RATIO, True, ["Resilience workshop", "Migration panel", "Closing talk"]),
        (SessionSort.TITLE, False, ["Closing talk", "Migration panel", "Resilience workshop"]),
        (SessionSort.NO_SHOWS, False, ["Closing talk", "Migration panel", "Resilience workshop"]),
        (SessionSort.STARTS_AT, True, ["Resilience workshop", "Closing talk", "Migration panel"]),
    ],
)
def test_sessions_sort_by_any_column(app, scenario, key, descending, titles):
    with app.app_context():
        rows = attendance.session_figures(scenario.forum)
    ordered = attendance.sort_sessions(rows, key, descending=descending, locale="en")
    assert [row.title_en for row in ordered] == titles


def test_themes_sort(app, scenario):
    with app.app_context():
        rows = by_theme.theme_figures(scenario.forum)
    by_people = by_theme.sort_themes(rows, ThemeSort.PEOPLE, descending=True, locale="en")
    assert [t.slug for t in by_people] == ["migration", "resilience"]
    by_name = by_theme.sort_themes(rows, ThemeSort.NAME, descending=True, locale="tr")
    assert [t.slug for t in by_name] == ["migration", "resilience"]  # Göç… after Dirençlilik


def test_dashboard_figures(app, scenario):
    with app.app_context():
        figures = services.dashboard(scenario.forum, day=scenario.start, now=scenario.at(0, 15))
    counts = {
        row.category: (row.confirmed, row.pending, row.waitlisted, row.cancelled)
        for row in figures.categories
    }
    assert counts[Category.PARTICIPANT] == (4, 0, 0, 1)
    assert counts[Category.PRESS] == (1, 0, 0, 0)
    assert counts[Category.SPEAKER] == (1, 0, 0, 0)
    assert counts[Category.MODERATOR] == (0, 1, 0, 0)
    assert counts[Category.VIP] == (0, 1, 0, 0)
    assert counts[Category.STAFF] == (0, 0, 0, 0)
    assert figures.total == 9
    assert [figures.status_total(s) for s in RegistrationStatus] == [2, 6, 0, 1]
    assert (figures.speakers_approved, figures.speakers_pending) == (1, 1)

    sept = [date(2030, 9, d) for d in range(1, 6)]
    assert [day.day for day in figures.signups] == sept
    assert [dict(day.counts) for day in figures.signups] == [
        {Category.PARTICIPANT: 2, Category.PRESS: 1},
        {Category.SPEAKER: 1},  # 01:30 in Istanbul, still 1 September in UTC
        {Category.PARTICIPANT: 2},
        {},
        {Category.VIP: 1, Category.PARTICIPANT: 1, Category.MODERATOR: 1},
    ]

    assert figures.countries == [("TR", 3), ("DE", 1), ("FR", 1), ("GR", 1), ("SY", 1), ("", 1)]
    assert (figures.country_count, figures.no_country) == (5, 1)
    assert figures.top_countries(2) == [("TR", 3), ("DE", 1)]

    themes = {t.slug: (t.sessions, t.capacity, t.booked, t.waitlisted) for t in figures.themes}
    assert themes == {"migration": (2, 7, 6, 1), "resilience": (1, 5, 0, 0)}
    assert [t.slug for t in figures.themes] == ["migration", "resilience"]

    b = figures.badges
    assert (b.people, b.prints, b.reprints, b.confirmed, b.confirmed_unprinted) == (3, 4, 1, 6, 4)


def test_entrance_counts_and_inside_now(app, scenario):
    with app.app_context():
        e = services.entrance_figures(scenario.forum, day=scenario.start, now=scenario.at(0, 15))
    points = {p.name: (p.admissions, p.people, p.exits, p.refused, p.inside) for p in e.points}
    # The dashboard gives "inside" for the venue only: in at one door and out at another.
    assert points == {"Ana Giriş": (4, 3, 3, 2, None), "B Kapısı": (2, 2, 0, 0, None)}
    assert (e.people, e.inside, e.is_today) == (4, 3, True)
    hourly = {hour.hour: n for hour, n in e.hourly if n}
    assert hourly == {8: 3, 9: 1, 10: 1, 13: 1}
    assert [hour.hour for hour, _n in e.hourly] == list(range(8, 21))


def test_inside_now_is_only_said_on_the_day_itself(app, scenario):
    with app.app_context():
        later = services.entrance_figures(scenario.forum, day=scenario.start, now=scenario.at(1, 9))
        day1 = services.entrance_figures(scenario.forum, now=scenario.at(1, 12))
    assert (later.people, later.inside, later.is_today) == (4, None, False)
    assert (day1.day, day1.people, day1.inside) == (date(2030, 10, 2), 1, 1)


def test_door_counts_agree_with_the_reports(app, scenario):
    """The door staff's live counts (check-in) on the same known scans as the reports."""
    from maruf_reg.checkin.counts import live_counts

    points = scenario.points
    with app.app_context():
        entrances = live_counts(
            scenario.forum, [points["e1"].id, points["e2"].id], now=scenario.at(0, 15), last=0
        )
        room = live_counts(scenario.forum, [points["p1"].id], now=scenario.at(0, 12, 15), last=0)
    e1, e2, p1 = entrances[points["e1"].id], entrances[points["e2"].id], room[points["p1"].id]
    # At Ana Giriş only İlkay's last move was in (Ayşe came back through B Kapısı).
    assert (e1.as_json()["admitted_today"], e1.as_json()["inside_now"]) == (3, 1)
    # B Kapısı does not count exits: everybody it admitted counts as inside.
    assert (e2.as_json()["admitted_today"], e2.as_json()["inside_now"]) == (2, 2)
    # In the session room after the panel: Ayşe (back at 11:40), Muhammad and İlkay; Jürgen left.
    assert (p1.as_json()["admitted_today"], p1.as_json()["inside_now"]) == (4, 3)


def test_an_empty_forum_is_all_zeros(app, forum):
    with app.app_context():
        figures = services.dashboard(forum, now=day_bounds(forum, forum.starts_on)[0])
        sessions = attendance.session_figures(forum)
        themes = by_theme.theme_figures(forum)
    assert (figures.total, figures.country_count, figures.signups, figures.countries) == (
        0,
        0,
        [],
        [],
    )
    assert figures.badges.prints == 0 and figures.entrances.points == []
    assert (figures.entrances.people, figures.entrances.inside) == (0, None)
    assert sessions == [] and themes == []


def test_tally_arithmetic():
    total = Tally(3, 1, 4, 2, 3, 2) + Tally(3, 0, 3, 2, 0, 0)
    # The second session has not started: its booked seats are no no-shows yet.
    assert (total.booked, total.attended, total.no_shows, total.walk_ins) == (6, 7, 1, 3)
