"""The report pages as organisers use them: who may open them, what they show, filters and sorting."""

from __future__ import annotations

import re

import pytest

from maruf_reg.models import Outcome, Role

EN = {"Accept-Language": "en"}


def _routes(scenario):
    s1, t1 = scenario.sessions["s1"].id, scenario.themes["t1"].id
    return [
        "/reports",
        "/reports/sessions",
        f"/reports/sessions/{s1}",
        f"/reports/sessions/{s1}/report.pdf",
        "/reports/themes",
        f"/reports/themes/{t1}",
        "/reports/export/registrations.csv",
        "/reports/export/scans.xlsx",
    ]


def test_anonymous_visitors_are_sent_to_log_in(client, scenario):
    for url in _routes(scenario):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login?next=" in response.headers["Location"], url


@pytest.mark.parametrize("role", [Role.DOOR, Role.DESK])
def test_door_and_desk_staff_may_not_read_reports(client, login, scenario, role):
    login(role)
    for url in _routes(scenario):
        assert client.get(url).status_code == 403, url


def test_admins_open_every_report(client, login, scenario):
    login(Role.ADMIN)
    for url in _routes(scenario):
        assert client.get(url).status_code == 200, url


def _text(response):
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_dashboard_shows_the_figures_and_charts(client, login, scenario, monkeypatch):
    login()
    response = client.get(f"/reports?day={scenario.start.isoformat()}", headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = _text(response)
    assert "9 Registrations" in text
    assert "6 Confirmed" in text and "2 Awaiting approval" in text and "1 Cancelled" in text
    assert "1 Speakers approved 1 awaiting approval" in text
    assert "5 Countries" in text
    assert "3 Badges printed 4 prints, 1 reprints; 4 confirmed without a badge" in text
    assert "Ana Giriş 4 3 3 2" in text and "B Kapısı no exit scans 2 2 — 0" in text
    assert "4 People admitted" in text
    # Charts are inline SVG with the country names in the page's language.
    assert html.count("<svg") >= 4
    assert "Türkiye" in text and "Syria" in text
    assert "Sign-ups per day, by category" in html
    # Day names come from the forum's days; a day outside the forum is a form error, not a 500.
    assert client.get("/reports?day=1999-01-01", headers=EN).status_code == 200


def test_dashboard_in_turkish(client, login, scenario):
    login()
    text = _text(client.get("/reports?lang=tr"))
    assert "Raporlar" in text and "Suriye" in text and "Türkiye" in text


def test_sessions_table_sorts_and_filters(client, login, scenario):
    login()
    response = client.get("/reports/sessions?sort=attended&dir=desc", headers=EN)
    text = _text(response)
    assert response.status_code == 200
    order = [text.index(t) for t in ("Migration panel", "Resilience workshop", "Closing talk")]
    assert order == sorted(order)
    # Migration panel: capacity 4, booked 3, waitlist 1, scanned in 4, no-shows 1, walk-ins 2, peak 4.
    assert re.search(r"Migration panel .*? 4 3 1 4 1 2 4 11:02 80%", text)
    assert re.search(r"Resilience workshop .*? 3 3 0 3 1 1 3 14:10 150%", text)
    assert "Total 12 6 1 7 2 3" in text
    assert 'aria-sort="descending"' in response.get_data(as_text=True)

    filtered = _text(client.get(f"/reports/sessions?theme={scenario.themes['t2'].id}", headers=EN))
    assert "Closing talk" in filtered and "Migration panel" not in filtered
    day = _text(client.get(f"/reports/sessions?day={scenario.start.isoformat()}", headers=EN))
    assert "Resilience workshop" not in day and "Migration panel" in day

    # Unknown sort keys and filter values never reach the database: default order, a form error.
    odd = client.get("/reports/sessions?sort=id;drop&dir=sideways&theme=abc&day=x", headers=EN)
    assert odd.status_code == 200
    assert "Not a valid choice" in odd.get_data(as_text=True)


def test_session_page(client, login, scenario):
    login()
    s1 = scenario.sessions["s1"].id
    text = _text(client.get(f"/reports/sessions/{s1}", headers=EN))
    assert "Migration panel" in text
    assert "4 Capacity room: 5" in text
    assert "3 Seats booked" in text and "1 Waitlist" in text
    assert "4 Scanned in" in text and "1 No-shows" in text and "2 Walk-ins" in text
    assert "4 Peak occupancy 80% of the room, at 11:02" in text
    assert "Participant 3 0 2 1 0" in text and "Press 0 1 1 0 1" in text
    assert "Türkiye 2 0 2 1 1" in text and "Germany 0 1 1 0 1" in text
    assert client.get("/reports/sessions/999999", headers=EN).status_code == 404


def test_a_scan_with_a_wrong_clock_does_not_stretch_the_occupancy_chart(
    client, login, scenario, make_scan
):
    """A device whose clock was hours off sends late scans: the chart still shows the session
    (11:00–12:30) in short steps, from at most two hours before to two hours after it."""
    person = next(iter(scenario.people.values()))
    make_scan(scenario.points["p1"], person, scenario.at(0, 4, 17))  # the night before
    make_scan(scenario.points["p1"], person, scenario.at(2, 21, 40), Outcome.EXITED)  # days later
    login()
    html = client.get(f"/reports/sessions/{scenario.sessions['s1'].id}", headers=EN)
    slots = re.findall(r"(\d\d:\d\d) · People inside: (\d+)", html.get_data(as_text=True))
    times = [time for time, _people in slots]
    assert times[0] == "09:00" and times[-1] == "14:30", times
    assert len(times) == 34  # 10-minute steps
    peaks = dict(slots)
    assert peaks["09:00"] == "1"  # the early admission counts as inside from the chart's start
    assert peaks["11:00"] == "4"  # the peak at 11:02, as without the odd scans
    assert peaks["14:30"] == "3"  # the exit days later lies beyond the chart


def test_theme_pages(client, login, scenario):
    login()
    text = _text(client.get("/reports/themes?sort=people&dir=desc", headers=EN))
    assert re.search(r"Migration and Social Cohesion 2 7 6 1 7 5 2 3 4", text)
    assert re.search(r"Resilience 1 5 0 0 0 0 0 0 0", text)
    t1 = scenario.themes["t1"].id
    page = _text(client.get(f"/reports/themes/{t1}", headers=EN))
    assert "5 People" in page and "Migration panel" in page and "Resilience workshop" in page
    assert "Speaker 0 0 2 0 2" in page
    assert client.get("/reports/themes/999999").status_code == 404


def test_names_and_titles_are_escaped(client, login, forum, make_theme, make_session):
    theme = make_theme(forum, name_en="<script>alert(1)</script>", slug="x")
    make_session(forum, theme=theme, title_en='<img src=x onerror="alert(1)">')
    login()
    html = client.get("/reports/sessions", headers=EN).get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    themes = client.get("/reports/themes", headers=EN).get_data(as_text=True)
    assert "<script>alert(1)" not in themes


def test_an_empty_forum_shows_zeros_and_empty_charts(client, login, forum):
    login()
    for url in ("/reports", "/reports/sessions", "/reports/themes"):
        response = client.get(url, headers=EN)
        assert response.status_code == 200, url
    text = _text(client.get("/reports", headers=EN))
    assert "0 Registrations" in text and "0 Countries" in text and "0 Badges printed" in text
    assert "No data yet" in text
    assert "No entrance check-in points yet." in text
    assert "No sessions match." in _text(client.get("/reports/sessions", headers=EN))


def test_an_empty_session_has_an_empty_chart(client, login, forum, make_session):
    session = make_session(forum)
    login()
    text = _text(client.get(f"/reports/sessions/{session.id}", headers=EN))
    assert "Nobody scanned in yet" in text
    assert "No check-in point admits to this session" in text


def test_without_a_forum_reports_say_so(client, login):
    login()
    response = client.get("/reports", headers=EN)
    assert response.status_code == 404
    assert "There is no forum yet" in response.get_data(as_text=True)


def test_staff_home_links_the_reports_for_admins_only(client, login, scenario):
    login()
    assert "/reports" in client.get("/staff").get_data(as_text=True)
