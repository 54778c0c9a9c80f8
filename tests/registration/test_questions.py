"""The forum's own sign-up questions: asked by organisers, answered on the form, the personal page
and in an import, kept through edits, counted in the report and written in the export."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from maruf_reg.extensions import db
from maruf_reg.models import Answer, Category, Question, QuestionKind, Registration
from maruf_reg.registration import answers, questions
from maruf_reg.registration.questions import OptionFields, QuestionFields
from tests.conftest import csrf_from

EN = {"Accept-Language": "en"}
TR = {"Accept-Language": "tr"}


def _ask(app, forum, **values):
    fields = QuestionFields(
        kind=values.pop("kind"),
        label_tr=values.pop("label_tr"),
        label_en=values.pop("label_en"),
        **values,
    )
    with app.app_context():
        return questions.save_question(forum.id, None, fields, staff_user_id=None).id


@pytest.fixture
def asked(app, forum):
    """A forum asking about diet (one of), interpretation (several of), a wheelchair (yes/no), the
    number of nights, and — of the press only — their outlet."""
    diet = _ask(
        app,
        forum,
        kind=QuestionKind.CHOICE,
        label_tr="Beslenme tercihiniz",
        label_en="Dietary needs",
        required=True,
        options=[
            OptionFields("Yok", "None"),
            OptionFields("Vejetaryen", "Vegetarian"),
            OptionFields("Helal", "Halal"),
        ],
    )
    interpretation = _ask(
        app,
        forum,
        kind=QuestionKind.CHOICES,
        label_tr="Çeviri dili",
        label_en="Interpretation",
        options=[
            OptionFields("Türkçe", "Turkish"),
            OptionFields("İngilizce", "English"),
            OptionFields("Arapça", "Arabic"),
        ],
    )
    wheelchair = _ask(
        app,
        forum,
        kind=QuestionKind.YES_NO,
        label_tr="Tekerlekli sandalye?",
        label_en="Wheelchair?",
    )
    nights = _ask(
        app,
        forum,
        kind=QuestionKind.NUMBER,
        label_tr="Kaç gece kalacaksınız?",
        label_en="How many nights will you stay?",
        number_min=Decimal(0),
        number_max=Decimal(7),
    )
    outlet = _ask(
        app,
        forum,
        kind=QuestionKind.SHORT_TEXT,
        label_tr="Yayın organı",
        label_en="Media outlet",
        required=True,
        categories=["press"],
    )
    with app.app_context():
        options = {o.label_en: o.id for q in questions.questions(forum.id) for o in q.options}
    return {
        "diet": diet,
        "interpretation": interpretation,
        "wheelchair": wheelchair,
        "nights": nights,
        "outlet": outlet,
        "options": options,
    }


def _form(page: str, **fields):
    return {
        "csrf_token": csrf_from(page),
        "given_name": "Zeynep",
        "family_name": "Kaya",
        "email": "zeynep@example.org",
        "organisation": "İBB",
        "country": "TR",
        "language": "tr",
        "category": "participant",
        "consent_data": "y",
        **fields,
    }


def _answers(app, email):
    """A person's answers as their organiser's page shows them (in English), by question id."""
    with app.app_context():
        registration = db.session.scalars(
            select(Registration).join(Registration.person).filter_by(email=email)
        ).one()
        found = answers.answers_of(registration.id)
        specs = {q.id: q for q in questions.specs(registration.forum_id, include_retired=True)}
        with force_locale("en"):
            return {qid: answers.answer_text(specs[qid], a, "en") for qid, a in found.items()}


def test_a_sign_up_in_turkish_stores_typed_answers(app, client, forum, asked):
    page = client.get("/register", headers=TR).get_data(as_text=True)
    assert "Beslenme tercihiniz" in page and "Vejetaryen" in page and "Yayın organı" in page
    q = lambda key: f"q_{asked[key]}"  # noqa: E731
    response = client.post(
        "/register",
        data=_form(
            page,
            **{
                q("diet"): str(asked["options"]["Halal"]),
                q("interpretation"): [
                    str(asked["options"]["Turkish"]),
                    str(asked["options"]["Arabic"]),
                ],
                q("wheelchair"): "no",
                q("nights"): "2,5",
            },
        ),
        headers=TR,
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        rows = {a.question_id: a for a in db.session.scalars(select(Answer))}
        assert {c.option_id for c in rows[asked["diet"]].choices} == {asked["options"]["Halal"]}
        assert rows[asked["wheelchair"]].yes is False
        assert rows[asked["nights"]].number == Decimal("2.5")
        assert asked["outlet"] not in rows  # asked of the press only
    shown = _answers(app, "zeynep@example.org")
    assert shown[asked["interpretation"]] == "Turkish, Arabic"
    assert shown[asked["nights"]] == "2.5"


def test_bad_answers_are_form_errors_in_the_pages_language(app, client, forum, asked):
    page = client.get("/register", headers=EN).get_data(as_text=True)
    response = client.post(
        "/register",
        data=_form(page, category="participant", **{f"q_{asked['nights']}": "12"}),
        headers=EN,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Please answer this question." in html  # diet is required
    assert "Please give a number from 0 to 7." in html
    page = client.get("/register", headers=TR).get_data(as_text=True)
    response = client.post(
        "/register",
        data=_form(page, **{f"q_{asked['nights']}": "iki", f"q_{asked['diet']}": "999999"}),
        headers=TR,
    )
    html = response.get_data(as_text=True)
    assert "Lütfen bir sayı yazın." in html
    assert "Lütfen gösterilen seçeneklerden seçin." in html
    with app.app_context():
        assert db.session.scalar(select(Registration.id)) is None  # nothing half-written


def test_the_press_answers_its_own_question(app, client, forum, asked):
    with app.app_context():
        db.session.get(type(forum), forum.id).signup_categories = ["participant", "press"]
        db.session.commit()
    page = client.get("/register", headers=EN).get_data(as_text=True)
    form = _form(page, category="press", **{f"q_{asked['diet']}": str(asked["options"]["None"])})
    refused = client.post("/register", data=form, headers=EN).get_data(as_text=True)
    assert "Please answer this question." in refused
    form[f"q_{asked['outlet']}"] = "Anadolu Ajansı"
    assert client.post("/register", data=form, headers=EN).status_code == 302
    assert _answers(app, "zeynep@example.org")[asked["outlet"]] == "Anadolu Ajansı"


def test_an_edited_question_keeps_its_answers(app, client, forum, asked, make_registration):
    registration = make_registration(forum)
    with app.app_context():
        answers.save_answers(
            registration.id,
            [answers.AnswerValue(asked["diet"], option_ids=(asked["options"]["Vegetarian"],))],
        )
        db.session.commit()
        # The organiser rewords the question, fixes an option's spelling (a new option: the
        # old one is retired, and who chose it keeps it) and adds one.
        questions.save_question(
            forum.id,
            asked["diet"],
            QuestionFields(
                kind=QuestionKind.CHOICE,
                label_tr="Beslenme",
                label_en="Diet",
                required=True,
                options=[
                    OptionFields("Yok", "None"),
                    OptionFields("Vejeteryan", "Vegetarian (no fish)"),
                    OptionFields("Helal", "Halal"),
                    OptionFields("Vegan", "Vegan"),
                ],
            ),
            staff_user_id=None,
        )
        question = db.session.get(Question, asked["diet"])
        assert [o.label_en for o in question.options if o.active] == [
            "None",
            "Vegetarian (no fish)",
            "Halal",
            "Vegan",
        ]
        with pytest.raises(questions.QuestionError):
            questions.save_question(
                forum.id,
                asked["diet"],
                QuestionFields(kind=QuestionKind.SHORT_TEXT, label_tr="x", label_en="x"),
                staff_user_id=None,
            )
    with app.app_context():
        email = db.session.get(Registration, registration.id).person.email
    assert _answers(app, email)[asked["diet"]] == "Vegetarian"
    # The retired option is not offered any more.
    page = client.get("/register", headers=EN).get_data(as_text=True)
    assert "Vegetarian (no fish)" in page and ">Vegetarian<" not in page


def test_a_retired_question_keeps_its_answers_off_the_form(
    app, client, login, forum, asked, make_registration
):
    registration = make_registration(forum)
    with app.app_context():
        answers.save_answers(registration.id, [answers.AnswerValue(asked["wheelchair"], yes=True)])
        db.session.commit()
    login("admin")
    page = client.get("/admin/questions", headers=EN).get_data(as_text=True)
    response = client.post(
        f"/admin/questions/{asked['wheelchair']}/retire", data={"csrf_token": csrf_from(page)}
    )
    assert response.status_code == 302
    assert "Wheelchair?" not in client.get("/register", headers=EN).get_data(as_text=True)
    detail = client.get(f"/admin/registrations/{registration.id}", headers=EN).get_data(
        as_text=True
    )
    assert "Wheelchair?" in detail and "(retired)" in detail


def test_organisers_add_a_question_from_the_browser(app, client, login, forum):
    login("admin")
    page = client.get("/admin/questions", headers=EN).get_data(as_text=True)
    response = client.post(
        "/admin/questions",
        data={
            "csrf_token": csrf_from(page),
            "kind": "choices",
            "label_tr": "Erişilebilirlik",
            "label_en": "Accessibility",
            "options": "Rampa | Ramp\nİşaret dili | Sign language\n",
            "categories": ["participant"],
            "position": "3",
        },
        headers=EN,
    )
    assert response.status_code == 302
    with app.app_context():
        question = db.session.scalars(select(Question)).one()
        assert (question.kind, question.categories, question.position) == (
            QuestionKind.CHOICES,
            ["participant"],
            3,
        )
        assert [(o.label_tr, o.label_en) for o in question.options] == [
            ("Rampa", "Ramp"),
            ("İşaret dili", "Sign language"),
        ]
    refused = client.post(
        "/admin/questions",
        data={"csrf_token": csrf_from(page), "kind": "choice", "label_tr": "Soru", "label_en": "Q"},
        headers=EN,
    )
    assert "A choice question needs its options, one a line." in refused.get_data(as_text=True)


def test_the_personal_page_shows_and_changes_answers(app, client, forum, asked, make_registration):
    registration = make_registration(forum)
    path = f"/r/{registration.manage_token}"
    page = client.get(path + "/edit", headers=EN).get_data(as_text=True)
    response = client.post(
        path + "/edit",
        data={
            "csrf_token": csrf_from(page),
            "given_name": "Ayşe",
            "family_name": "Öztürk",
            "country": "TR",
            "language": "en",
            f"q_{asked['diet']}": str(asked["options"]["Vegetarian"]),
            f"q_{asked['nights']}": "3",
        },
        headers=EN,
    )
    assert response.status_code == 302
    manage = client.get(path, headers=EN).get_data(as_text=True)
    assert "Dietary needs" in manage and "Vegetarian" in manage and ">3<" in manage
    again = client.get(path + "/edit", headers=EN).get_data(as_text=True)
    assert f'value="{asked["options"]["Vegetarian"]}" checked' in again


def test_the_import_takes_answers_as_columns(app, runner, forum, asked):
    data = (
        "email;given_name;Dietary needs;Çeviri dili;Wheelchair?;Kaç gece kalacaksınız?\r\n"
        "a@example.org;Ali;Helal;Türkçe | Arapça;evet;2\r\n"
        "b@example.org;Banu;Vegan;;hayır;\r\n"
    ).encode()
    path = runner.app.instance_path + "/people.csv"
    with open(path, "wb") as handle:
        handle.write(data)
    result = runner.invoke(args=["import-people", path])
    assert result.exit_code == 1
    assert "line 3: Dietary needs: Please choose from the options shown." in result.output
    with open(path, "wb") as handle:
        handle.write(data.replace(b";Vegan;", b";Vejetaryen;"))
    result = runner.invoke(args=["import-people", path])
    assert result.exit_code == 0, result.output
    ali = _answers(app, "a@example.org")
    assert ali[asked["diet"]] == "Halal" and ali[asked["interpretation"]] == "Turkish, Arabic"
    assert ali[asked["wheelchair"]] == "Yes" and ali[asked["nights"]] == "2"
    assert _answers(app, "b@example.org")[asked["wheelchair"]] == "No"


def test_the_export_and_the_report_show_the_answers(
    app, client, login, forum, asked, make_registration
):
    people = [make_registration(forum) for _ in range(3)]
    chosen = ["Halal", "Halal", "None"]
    with app.app_context():
        for registration, label in zip(people, chosen, strict=True):
            answers.save_answers(
                registration.id,
                [
                    answers.AnswerValue(asked["diet"], option_ids=(asked["options"][label],)),
                    answers.AnswerValue(asked["nights"], number=Decimal(len(label))),
                ],
            )
        db.session.commit()
    login("admin")
    report = client.get("/reports/questions", headers=EN).get_data(as_text=True)
    assert "Dietary needs" in report and "3 answers" in report
    halal = report.split(">Halal<")[1]
    assert '<td class="num">2</td>' in halal.split("</tr>")[0]
    assert "Smallest 4 · average 4.67 · largest 5" in report
    export = client.get("/reports/export/registrations.csv?for=people", headers=EN)
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    header = rows[0]
    assert header[:2] == ["ID", "Given name"] and "Dietary needs" in header
    column = header.index("Dietary needs")
    assert sorted(row[column] for row in rows[1:]) == ["Halal", "Halal", "None"]
    assert header.index("Media outlet") > column  # every question has its column
    codes = client.get("/reports/export/registrations.csv").get_data(as_text=True)
    assert f"q{asked['diet']}" in codes.splitlines()[0]
    assert Category.PARTICIPANT.value in codes
