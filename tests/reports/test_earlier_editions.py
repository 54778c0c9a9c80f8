"""The next edition made from the browser, copying the earlier one's programme skeleton, while the
earlier edition's reports stay exactly as they were and nothing can change it any more."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from maruf_reg.extensions import db
from maruf_reg.models import Forum, Registration, Role, Room, Session, SessionRole, Theme
from maruf_reg.program import editions
from tests.conftest import csrf_from

EN = {"Accept-Language": "en"}
REPORTS = ["/reports/export/sessions.csv", "/reports/export/registrations.csv",
           "/reports/export/scans.csv", "/reports/sessions", "/reports/themes"]  # fmt: skip


def reports(client) -> dict[str, bytes]:
    """The exports whole, and the report pages' tables (the page around them says which
    edition one works on)."""
    found = {}
    for url in REPORTS:
        response = client.get(url, headers=EN)
        assert response.status_code == 200, url
        body = response.data
        if url.endswith(".csv"):
            found[url] = body
        else:
            found[url] = body[body.index(b"<table") : body.rindex(b"</table>")]
    return found


def new_edition_form(earlier: Forum, **values: str) -> dict[str, object]:
    return {
        "source": str(earlier.id),
        "parts": ["themes", "rooms", "sessions", "categories", "badges"],
        "freeze_source": "y",
        "slug": "maruf2031",
        "name_tr": "Marmara Kentsel Forumu 2031",
        "name_en": "Marmara Urban Forum 2031",
        "starts_on": "2031-10-07",
        "ends_on": "2031-10-09",
        "timezone": "Europe/Istanbul",
        "venue": "Haliç Kongre Merkezi",
        "city": "İstanbul",
        "colour": "#0b5394",
        "registration_open": "y",
        **values,
    }


def test_an_edition_copied_from_the_browser_leaves_the_earlier_one_as_it_was(
    app, client, login, submit, scenario
):
    old = scenario.forum
    login(Role.ADMIN)
    before = reports(client)
    response = submit("/admin/forums/new", new_edition_form(old), headers=EN)
    assert response.status_code == 302, response.get_data(as_text=True)

    with app.app_context():
        new = db.session.scalars(select(Forum).where(Forum.slug == "maruf2031")).one()
        assert new.public_key != db.session.get(Forum, old.id).public_key  # its own badge keys
        assert db.session.get(Forum, old.id).frozen
        assert not db.session.get(Forum, old.id).registration_open  # no more sign-ups
        themes = db.session.scalars(select(Theme.slug).where(Theme.forum_id == new.id)).all()
        rooms = db.session.scalars(select(Room.name).where(Room.forum_id == new.id)).all()
        sessions = db.session.scalars(select(Session).where(Session.forum_id == new.id)).all()
        assert sorted(themes) == ["migration", "resilience"]
        assert sorted(rooms) == ["Salon A", "Salon B"]
        old_sessions = db.session.scalars(select(Session).where(Session.forum_id == old.id)).all()
        assert len(sessions) == len(old_sessions)
        zone = ZoneInfo("Europe/Istanbul")

        def local(moment: datetime) -> tuple[int, str]:
            here = moment.astimezone(zone)
            return here.toordinal(), here.strftime("%H:%M")

        old_times = sorted(
            (local(s.starts_at)[0] - old.starts_on.toordinal(), local(s.starts_at)[1], s.title_en)
            for s in old_sessions
        )
        new_times = sorted(
            (
                local(s.starts_at)[0] - date(2031, 10, 7).toordinal(),
                local(s.starts_at)[1],
                s.title_en,
            )
            for s in sessions
        )
        assert new_times == old_times  # the same day of the forum, the same wall-clock time
        assert all(s.theme_id is None or s.theme.forum_id == new.id for s in sessions)
        assert all(s.room_id is None or s.room.forum_id == new.id for s in sessions)
        new_ids = [s.id for s in sessions]
        # The skeleton only: nobody speaks yet, nobody is registered.
        assert (
            db.session.scalars(select(SessionRole).where(SessionRole.session_id.in_(new_ids))).all()
            == []
        )
        assert (
            db.session.scalars(select(Registration).where(Registration.forum_id == new.id)).all()
            == []
        )

    # The organiser now works on the new edition; the public site shows it as well (it is the latest).
    assert "Marmara Urban Forum 2031" in client.get("/admin/program", headers=EN).get_data(
        as_text=True
    )
    assert "Marmara Urban Forum 2031" in client.get("/", headers=EN).get_data(as_text=True)

    # Back to the earlier edition: its reports are byte for byte what they were.
    page = client.get("/admin/forums", headers=EN).get_data(as_text=True)
    client.post("/admin/forums/choose", data={"csrf_token": csrf_from(page), "forum": old.id})
    assert reports(client) == before
    assert "Marmara Urban Forum 2031" in client.get("/", headers=EN).get_data(as_text=True)

    # ... and it is frozen: every change is refused, and nothing changes.
    staff_page = client.get("/admin/program/themes", headers=EN).get_data(as_text=True)
    assert "This edition is frozen" in staff_page
    refused = client.post(
        "/admin/program/themes",
        data={"csrf_token": csrf_from(staff_page), "slug": "new", "name_tr": "Yeni",
              "name_en": "New", "colour": "#123456", "position": "0"},
        headers=EN,
    )  # fmt: skip
    assert refused.status_code == 409
    assert "This edition is frozen: it can be read, not changed." in refused.get_data(as_text=True)
    assert reports(client) == before


def test_a_new_edition_can_start_empty_and_refuses_a_taken_short_name(
    app, client, login, submit, scenario
):
    login(Role.ADMIN)
    taken = submit("/admin/forums/new", new_edition_form(scenario.forum, slug="maruf"), headers=EN)
    assert taken.status_code == 200
    assert "A forum with this short name exists already." in taken.get_data(as_text=True)
    empty = new_edition_form(scenario.forum, source="", freeze_source="")
    assert submit("/admin/forums/new", empty, headers=EN).status_code == 302
    with app.app_context():
        new = db.session.scalars(select(Forum).where(Forum.slug == "maruf2031")).one()
        assert db.session.scalars(select(Theme).where(Theme.forum_id == new.id)).all() == []
        assert not db.session.get(Forum, scenario.forum.id).frozen


def test_door_staff_choose_an_edition_but_may_not_make_one(
    app, client, login, scenario, make_forum
):
    earlier = make_forum(slug="maruf2029", starts_on=date(2029, 10, 2), ends_on=date(2029, 10, 4),
                         name_en="Marmara Urban Forum 2029")  # fmt: skip
    login(Role.DOOR)
    page = client.get("/admin/forums", headers=EN)
    assert page.status_code == 200 and "New edition" not in page.get_data(as_text=True)
    chosen = client.post(
        "/admin/forums/choose",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "forum": earlier.id},
        headers=EN,
    )
    assert chosen.status_code == 302
    listing = client.get("/admin/forums", headers=EN).get_data(as_text=True)
    assert "You are working on Marmara Urban Forum 2029." in listing
    assert client.get("/admin/forums/new").status_code == 403


def test_a_higher_capability_can_add_a_part_to_copy(app, scenario, make_forum):
    copied: list[tuple[int, int]] = []
    editions.add_part(
        "questions", "Sign-up questions", lambda old, new: copied.append((old.id, new.id))
    )
    try:
        with app.app_context():
            from maruf_reg.program.services import ForumFields

            made = editions.create_edition(
                "maruf2032",
                ForumFields(name_tr="MKF 2032", name_en="MUF 2032", starts_on=date(2032, 10, 1),
                            ends_on=date(2032, 10, 3)),
                source_id=scenario.forum.id, parts=["questions"], freeze_source=False,
                secret_key=app.config["SECRET_KEY"], staff_user_id=None,
            )  # fmt: skip
            assert copied == [(scenario.forum.id, made.id)]
    finally:
        editions.PARTS.pop("questions", None)


def test_a_person_cannot_change_a_registration_of_a_frozen_edition(app, client, scenario):
    registration = next(iter(scenario.people.values()))
    with app.app_context():
        db.session.get(Forum, scenario.forum.id).frozen = True
        db.session.commit()
    edit = f"/r/{registration.manage_token}/edit"
    page = client.get(edit, headers=EN)
    assert page.status_code == 200  # readable
    refused = client.post(
        edit, data={"csrf_token": csrf_from(page.get_data(as_text=True)), "given_name": "X"}
    )
    assert refused.status_code == 409
    with app.app_context():
        assert db.session.get(Registration, registration.id).person.given_name != "X"


def test_the_next_edition_can_ask_the_earlier_ones_questions(app, client, login, submit, scenario):
    from maruf_reg.models import Question, QuestionKind
    from maruf_reg.registration import questions
    from maruf_reg.registration.questions import OptionFields, QuestionFields

    with app.app_context():
        questions.save_question(
            scenario.forum.id,
            None,
            QuestionFields(
                kind=QuestionKind.CHOICE,
                label_tr="Beslenme",
                label_en="Diet",
                required=True,
                categories=["participant"],
                options=[OptionFields("Helal", "Halal"), OptionFields("Vegan", "Vegan")],
            ),
            staff_user_id=None,
        )
    login(Role.ADMIN)
    page = client.get("/admin/forums/new", headers=EN).get_data(as_text=True)
    assert 'value="questions"' in page and "Sign-up questions" in page
    form = new_edition_form(scenario.forum, freeze_source="")
    form["parts"] = [*form["parts"], "questions"]
    assert submit("/admin/forums/new", form, headers=EN).status_code == 302
    with app.app_context():
        new = db.session.scalars(select(Forum).where(Forum.slug == "maruf2031")).one()
        (copied,) = db.session.scalars(select(Question).where(Question.forum_id == new.id)).all()
        assert (copied.label_en, copied.required, copied.categories) == (
            "Diet",
            True,
            ["participant"],
        )
        assert [o.label_en for o in copied.options] == ["Halal", "Vegan"]
        # The earlier edition keeps its own question (and its answers, if any).
        assert db.session.scalars(
            select(Question).where(Question.forum_id == scenario.forum.id)
        ).one()
