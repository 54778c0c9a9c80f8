"""Reports and certificates count only what happened: attendance from admissions inside the door's
window (forced ones included and marked), no-shows only once a session has started."""

from __future__ import annotations

from datetime import timedelta

from maruf_reg.extensions import db
from maruf_reg.models import CheckInPoint, Outcome
from maruf_reg.reports import attendance, certificates, exports
from maruf_reg.reports.attended import attended_by
from maruf_reg.reports.export_columns import ExportKind


def test_an_admission_outside_the_window_is_no_attendance_unless_forced(
    app, build_scenario, make_registration, make_seat, make_scan
):
    scenario = build_scenario()
    s3 = scenario.sessions["s3"]  # day 0, 14:00–15:30, door P3 opens 30 minutes before
    early, forced, inside = (make_registration(scenario.forum) for _ in range(3))
    make_scan(
        scenario.points["p3"], early, scenario.at(0, 13, 29)
    )  # a minute before the door opens
    make_scan(scenario.points["p3"], early, scenario.at(-30, 14))  # a month early
    make_scan(scenario.points["p3"], forced, scenario.at(0, 13), forced=True)  # "admit anyway"
    make_scan(scenario.points["p3"], inside, scenario.at(0, 13, 30))
    make_scan(scenario.points["p3"], inside, scenario.at(0, 15, 30), outcome=Outcome.NOT_NOW)
    with app.app_context():
        report = attendance.session_report(scenario.forum, s3.id)
        came = attended_by(scenario.forum.id, [early.id, forced.id, inside.id])
        early_certificate = certificates.attended_sessions(early.id)
        forced_certificate = certificates.attended_sessions(forced.id)
    assert (report.figures.attended, report.forced) == (2, 1)
    assert came == {forced.id: {s3.id}, inside.id: {s3.id}}
    assert early_certificate == [] and [s.id for s in forced_certificate] == [s3.id]


def test_a_doors_own_window_counts(app, build_scenario, make_registration, make_scan):
    scenario = build_scenario()
    with app.app_context():
        point = db.session.get_one(CheckInPoint, scenario.points["p3"].id)
        point.opens_minutes, point.closes_minutes = 90, 15
        db.session.commit()
    person = make_registration(scenario.forum)
    make_scan(scenario.points["p3"], person, scenario.at(0, 15, 40))  # 10 minutes after the end
    with app.app_context():
        figures = attendance.session_report(scenario.forum, scenario.sessions["s3"].id).figures
    assert figures.attended == 1


def test_no_shows_wait_for_the_session_to_start(app, client, login, build_scenario, monkeypatch):
    scenario = build_scenario()  # in 2030: nothing has started yet
    with app.app_context():
        rows = {row.id: row for row in attendance.session_figures(scenario.forum)}
    s1 = rows[scenario.sessions["s1"].id]
    assert (s1.started, s1.booked, s1.no_shows) == (False, 3, 0)
    login()
    page = client.get(f"/reports/sessions/{s1.id}", headers={"Accept-Language": "en"})
    assert "upcoming" in page.get_data(as_text=True)
    with app.app_context():
        csv = "".join(exports.csv_chunks(ExportKind.SESSIONS, scenario.forum)).lstrip("\ufeff")
    header, first = csv.splitlines()[0].split(","), csv.splitlines()[1].split(",")
    assert first[header.index("no_shows")] == ""
    # Between the start of S1 (day 0 11:00) and S2 (day 1 14:00): S1's no-shows count, S2's wait.
    monkeypatch.setattr(
        "maruf_reg.reports.tallies.reports_now", lambda: scenario.at(0, 11) + timedelta(minutes=1)
    )
    with app.app_context():
        rows = {row.id: row for row in attendance.session_figures(scenario.forum)}
    s1, s2 = rows[scenario.sessions["s1"].id], rows[scenario.sessions["s2"].id]
    assert (s1.started, s1.no_shows, s2.started, s2.no_shows) == (True, 1, False, 0)
