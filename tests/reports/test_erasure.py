"""Personal data rights: a person's copy of their data, erasure and the anonymisation of a finished
forum — and every figure of the reports the same before and after."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime

from sqlalchemy import select

from maruf_reg import personal_data
from maruf_reg.extensions import db
from maruf_reg.models import (
    AuditLog,
    Forum,
    Person,
    QuestionKind,
    Registration,
    RoleKind,
    SessionRole,
)
from maruf_reg.people_search import search_people
from maruf_reg.program import timetable
from maruf_reg.registration import answers, questions
from maruf_reg.registration.questions import OptionFields, QuestionFields
from maruf_reg.reports import attendance, by_question, by_theme, services
from tests.conftest import csrf_from

EN = {"Accept-Language": "en"}


def _figures(forum_id: int, at: datetime) -> dict[str, object]:
    """Everything the reports count, as plain values."""
    forum = db.session.get_one(Forum, forum_id)
    dashboard = services.dashboard(forum, now=at)
    return {
        "dashboard": repr(
            (
                dashboard.categories,
                dashboard.signups,
                dashboard.countries,
                dashboard.themes,
                dashboard.badges,
                dashboard.entrances,
                dashboard.walk_ins,
            )
        ),
        "sessions": [asdict(s) for s in attendance.session_figures(forum)],
        "themes": repr(by_theme.theme_figures(forum)),
        "questions": [
            (f.answered, [(o.id, n) for o, n in f.choices], f.yes, f.no)
            for f in by_question.question_figures(forum)
        ],
    }


def _with_answers(app, scenario):
    forum = scenario.forum
    with app.app_context():
        diet = questions.save_question(
            forum.id,
            None,
            QuestionFields(
                kind=QuestionKind.CHOICE,
                label_tr="Beslenme",
                label_en="Diet",
                options=[OptionFields("Helal", "Halal"), OptionFields("Yok", "None")],
            ),
            staff_user_id=None,
        )
        note = questions.save_question(
            forum.id,
            None,
            QuestionFields(kind=QuestionKind.LONG_TEXT, label_tr="Not", label_en="Note"),
            staff_user_id=None,
        )
        halal = diet.options[0].id
        for key in ("ayse", "muhammad", "ilkay"):
            answers.save_answers(
                scenario.people[key].id,
                [
                    answers.AnswerValue(diet.id, option_ids=(halal,)),
                    answers.AnswerValue(note.id, text=f"I am {key}, mayor of somewhere"),
                ],
            )
        db.session.commit()


def test_erasure_keeps_every_figure_of_the_reports(app, scenario):
    _with_answers(app, scenario)
    at = scenario.at(0, 15)
    erased = ("ayse", "muhammad", "ilkay", "giorgos")
    with app.app_context():
        before = _figures(scenario.forum.id, at)
        tokens = {key: scenario.people[key].manage_token for key in erased}
        for key in erased:
            personal_data.erase_person(scenario.people[key].id, staff_user_id=None)
        after = _figures(scenario.forum.id, at)
        ayse = db.session.get_one(Registration, scenario.people["ayse"].id)
        person = db.session.get_one(Person, ayse.person_id)
        assert (person.given_name, person.family_name, person.email, person.organisation) == (
            "",
            "",
            None,
            "",
        )
        assert person.country == "TR" and person.erased_at is not None  # statistics kept
        assert ayse.manage_token != tokens["ayse"]
        texts = {a.text for a in answers.answers_of(ayse.id).values()}
        assert texts == {None, ""}  # the choice stays, the free text is gone
        assert search_people(scenario.forum.id, "ozturk") == []
        # The erasure is audited, without what was erased; earlier entries lose their values.
        entries = db.session.scalars(
            select(AuditLog).where(
                AuditLog.object_type == "registration", AuditLog.object_id == ayse.id
            )
        ).all()
        assert [e.action for e in entries][-1] == "person.erase"
        assert all(e.details == {} for e in entries)
    assert before == after
    assert before["sessions"][0]["tally"]["attended"] == 4  # the scenario is not empty


def test_a_person_sees_and_erases_their_data_through_the_link(app, client, scenario):
    ayse = scenario.people["ayse"]
    path = f"/r/{ayse.manage_token}"
    page = client.get(path + "/data")  # in Ayşe's language: Turkish
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"].startswith("no-store")
    assert "Hakkınızda tuttuğumuz her şey" in html and "ayse@example.org" in html
    assert "Migration panel" in html and "already_in" in html
    copy = json.loads(client.get(path + "/data.json").get_data(as_text=True))
    assert copy["person"]["email"] == "ayse@example.org"
    assert {s["session"] for s in copy["seats"]} >= {"Migration panel", "Resilience workshop"}
    assert [s["outcome"] for s in copy["scans"]][:2] == ["admitted", "admitted"]
    assert copy["registration"]["consent_data_at"]
    confirm = client.get(path + "/erase?lang=en").get_data(as_text=True)
    assert "This cannot be undone." in confirm
    response = client.post(path + "/erase", data={"csrf_token": csrf_from(confirm)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/privacy")
    assert client.get(path).status_code == 404  # the link no longer works
    with app.app_context():
        entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "person.erase")).one()
        assert (entry.actor, entry.details) == ("self", {})


def test_an_organiser_gives_a_copy_and_erases_on_request(app, client, login, scenario):
    muhammad = scenario.people["muhammad"]
    staff = login("admin")
    page = client.get(f"/admin/registrations/{muhammad.id}/data", headers=EN).get_data(as_text=True)
    assert "محمد" in page
    data = client.get(f"/admin/registrations/{muhammad.id}/data.json")
    assert json.loads(data.get_data(as_text=True))["person"]["family_name"] == "الحلبي"
    detail = client.get(f"/admin/registrations/{muhammad.id}", headers=EN).get_data(as_text=True)
    response = client.post(
        f"/admin/registrations/{muhammad.id}/erase", data={"csrf_token": csrf_from(detail)}
    )
    assert response.status_code == 302
    after = client.get(f"/admin/registrations/{muhammad.id}", headers=EN).get_data(as_text=True)
    assert "data erased" in after and "محمد" not in after
    with app.app_context():
        entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "person.erase")).one()
        assert entry.staff_user_id == staff.id


def test_an_erased_speaker_is_not_named_on_the_programme(app, scenario):
    jurgen = scenario.people["jurgen"]
    with app.app_context():
        db.session.add(
            SessionRole(
                session_id=scenario.sessions["s1"].id,
                person_id=jurgen.person_id,
                role=RoleKind.SPEAKER,
            )
        )
        db.session.commit()
        session = scenario.sessions["s1"]
        assert [r.person_id for r in timetable.public_roles(session)] == [jurgen.person_id]
        personal_data.erase_person(jurgen.id)
        assert timetable.public_roles(session) == []


def test_a_finished_forum_is_anonymised_and_keeps_its_statistics(
    app, runner, build_scenario, make_forum, make_registration
):
    scenario = build_scenario(start=date(2020, 10, 1))
    next_edition = make_forum(
        slug="maruf2031", starts_on=date(2031, 10, 1), ends_on=date(2031, 10, 3)
    )
    with app.app_context():
        ayse_person = db.session.get_one(Registration, scenario.people["ayse"].id).person_id
    again = make_registration(next_edition, db_person(app, ayse_person))
    refused = runner.invoke(args=["anonymise", "--forum", "maruf2031", "--yes"])
    assert refused.exit_code == 1 and "is not over yet" in refused.output
    at = scenario.at(0, 15)
    with app.app_context():
        before = _figures(scenario.forum.id, at)
    result = runner.invoke(args=["anonymise", "--forum", scenario.forum.slug, "--yes"])
    assert result.exit_code == 0, result.output
    assert "registrations of" in result.output and "anonymised" in result.output
    with app.app_context():
        assert _figures(scenario.forum.id, at) == before
        named = db.session.scalars(
            select(Person.given_name)
            .join(Registration, Registration.person_id == Person.id)
            .where(Registration.forum_id == scenario.forum.id)
        ).all()
        assert set(named) == {""}
        # Ayşe's registration for the next edition keeps her name; the old one has a stand-in.
        kept = db.session.get_one(Registration, again.id)
        assert db.session.get_one(Person, kept.person_id).given_name == "Ayşe"
        old = db.session.get_one(Registration, scenario.people["ayse"].id)
        assert old.person_id != kept.person_id
        assert db.session.scalar(
            select(AuditLog.action).where(AuditLog.action == "forum.anonymise")
        )


def db_person(app, person_id):
    with app.app_context():
        person = db.session.get_one(Person, person_id)
        db.session.expunge(person)
        return person


def test_the_privacy_notice_says_what_why_and_how_long(client, forum):
    response = client.get("/privacy", headers=EN)  # public: no login
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "What we keep" in page and "Why" in page and "365 days" in page
