"""`flask badges`: batches with one badge per selected registration, in a stable order, recorded."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from maruf_reg import badge_tokens as tokens
from maruf_reg.extensions import db
from maruf_reg.models import (
    AuditLog,
    BadgePrint,
    Category,
    Registration,
    RegistrationStatus,
    RoleKind,
    Seat,
    SeatStatus,
    SessionRole,
)
from tests.badges.conftest import decode_qr_codes, needs_poppler, page_count

NAMES = [
    ("Zeynep", "Çelik"),
    ("Ömer", "Öztürk"),
    ("Ayşe", "Aydın"),
    ("İrem", "Işıklar"),
    ("Can", "Ozan"),
]
# Folded for sorting: Aydın, Çelik (c), Işıklar (i), Ozan, Öztürk (oz-t after oz-a).
BY_FAMILY = ["Aydın", "Çelik", "Işıklar", "Ozan", "Öztürk"]


@pytest.fixture
def crowd(forum, make_person, make_registration):
    """Five confirmed participants, one cancelled and one pending registration."""
    made = [
        make_registration(forum, make_person(given_name=given, family_name=family))
        for given, family in NAMES
    ]
    make_registration(
        forum,
        make_person(given_name="Cancelled", family_name="Aaa"),
        status=RegistrationStatus.CANCELLED,
    )
    make_registration(
        forum,
        make_person(given_name="Pending", family_name="Aaa"),
        status=RegistrationStatus.PENDING,
    )
    return made


def _claims(forum, pdf):
    return [
        tokens.verify(text, public_key=forum.public_key)
        for page in decode_qr_codes(pdf)
        for text in page
    ]


def _family_names(app, claims):
    with app.app_context():
        return [db.session.get(Registration, c.registration_id).person.family_name for c in claims]


@needs_poppler
@pytest.mark.parametrize(("layout", "pages"), [("a6", 5), ("a4-4up", 2), ("cr80", 5), ("4x6", 5)])
def test_every_confirmed_registration_once_in_family_name_order(
    app, runner, forum, crowd, tmp_path, layout, pages
):
    out = tmp_path / "badges.pdf"
    result = runner.invoke(args=["badges", str(out), "--layout", layout])
    assert result.exit_code == 0, result.output
    assert f"5 badges on {pages} pages ({layout})" in result.output
    assert page_count(out) == pages
    claims = _claims(forum, out)
    assert len(claims) == 5 and len({c.registration_id for c in claims}) == 5
    assert _family_names(app, claims) == BY_FAMILY
    with app.app_context():
        prints = db.session.scalars(select(BadgePrint)).all()
        assert sorted(p.registration_id for p in prints) == sorted(r.id for r in crowd)
        assert all(
            p.serial == 1 and p.job_id is None and p.printed_by_id is None and not p.reprint
            for p in prints
        )
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


@needs_poppler
def test_other_orders_and_the_same_order_every_time(app, runner, forum, crowd, tmp_path):
    first, second = tmp_path / "1.pdf", tmp_path / "2.pdf"
    assert runner.invoke(args=["badges", str(first), "--order", "given_name"]).exit_code == 0
    assert runner.invoke(args=["badges", str(second), "--order", "given_name"]).exit_code == 0
    by_given = _family_names(app, _claims(forum, first))
    assert by_given == [
        "Aydın",
        "Ozan",
        "Işıklar",
        "Öztürk",
        "Çelik",
    ]  # Ayşe, Can, İrem, Ömer, Zeynep
    assert _family_names(app, _claims(forum, second)) == by_given
    third = tmp_path / "3.pdf"
    assert runner.invoke(args=["badges", str(third), "--order", "id"]).exit_code == 0
    assert [c.registration_id for c in _claims(forum, third)] == sorted(r.id for r in crowd)


def test_unprinted_then_reprint(app, runner, forum, crowd, tmp_path):
    assert runner.invoke(args=["badges", str(tmp_path / "all.pdf")]).exit_code == 0
    again = runner.invoke(args=["badges", str(tmp_path / "none.pdf"), "--unprinted"])
    assert again.exit_code == 1
    assert "No confirmed registration matches this selection" in again.output
    assert not (tmp_path / "none.pdf").exists()

    reprinted = runner.invoke(
        args=["badges", str(tmp_path / "re.pdf"), "--reprint", "--category", "participant"]
    )
    assert reprinted.exit_code == 0, reprinted.output
    assert "no longer work" in reprinted.output
    with app.app_context():
        serials = db.session.scalars(
            select(Registration.badge_serial).where(Registration.id.in_([r.id for r in crowd]))
        )
        assert set(serials) == {2}
        reprints = db.session.scalars(select(BadgePrint).where(BadgePrint.reprint.is_(True))).all()
        assert sorted((p.registration_id, p.serial) for p in reprints) == sorted(
            (r.id, 2) for r in crowd
        )
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditLog)
                .where(AuditLog.action == "badge.batch_reprint")
            )
            == 1
        )
    # The reprinted serials are printed: nothing is left for --unprinted.
    assert runner.invoke(args=["badges", str(tmp_path / "x.pdf"), "--unprinted"]).exit_code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--layout", "a5"], "'a5' is not one of"),
        (["--category", "guest"], "'guest' is not one of"),
        (["--theme", "nope"], "There is no theme nope"),
        (["--session", "999999"], "There is no session 999999"),
        (["--category", "press"], "No confirmed registration matches this selection"),
        (["--order", "age"], "'age' is not one of"),
        (["--forum", "nope"], "no forum nope"),
    ],
)
def test_bad_input_is_a_clear_message_and_no_file(runner, crowd, tmp_path, args, message):
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "badges.pdf"
    result = runner.invoke(args=["badges", str(out), *args])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert list(folder.iterdir()) == []


def test_no_forum_is_a_clear_message(runner, tmp_path):
    result = runner.invoke(args=["badges", str(tmp_path / "b.pdf")])
    assert result.exit_code == 1
    assert "there is no forum yet" in result.output


@needs_poppler
def test_theme_and_session_select_their_speakers_and_booked_seats(
    app, runner, forum, crowd, make_theme, make_session, tmp_path
):
    theme = make_theme(forum, slug="resilience")
    session = make_session(forum, theme=theme)
    other = make_session(forum)
    speaker, seated, elsewhere = crowd[0], crowd[1], crowd[2]
    with app.app_context():
        db.session.add_all(
            [
                SessionRole(
                    session_id=session.id, person_id=speaker.person_id, role=RoleKind.SPEAKER
                ),
                Seat(registration_id=seated.id, session_id=session.id, status=SeatStatus.BOOKED),
                Seat(registration_id=elsewhere.id, session_id=other.id, status=SeatStatus.BOOKED),
                Seat(
                    registration_id=crowd[3].id, session_id=session.id, status=SeatStatus.WAITLISTED
                ),
            ]
        )
        db.session.commit()
    for option in (["--theme", "resilience"], ["--session", str(session.id)]):
        out = tmp_path / f"{option[0][2:]}.pdf"
        result = runner.invoke(args=["badges", str(out), *option])
        assert result.exit_code == 0, result.output
        assert {c.registration_id for c in _claims(forum, out)} == {speaker.id, seated.id}


def test_speaker_category_filter(
    app, runner, forum, crowd, make_registration, make_person, tmp_path
):
    speaker = make_registration(forum, make_person(given_name="Speaker"), category=Category.SPEAKER)
    out = tmp_path / "speakers.pdf"
    result = runner.invoke(args=["badges", str(out), "--category", "speaker"])
    assert result.exit_code == 0, result.output
    assert "1 badge on 1 page (a6)" in result.output
    assert page_count(out) == 1
    with app.app_context():
        assert db.session.scalars(select(BadgePrint.registration_id)).all() == [speaker.id]


@needs_poppler
@pytest.mark.slow
def test_large_batches_render_in_worker_processes_and_keep_their_order(
    make_app, forum, crowd, tmp_path
):
    """Chunks of two badges in two worker processes, joined in order (the path of big batches)."""
    app = make_app(BADGE_CHUNK_SIZE=2, BADGE_WORKERS=2)
    out = tmp_path / "badges.pdf"
    result = app.test_cli_runner().invoke(args=["badges", str(out), "--layout", "cr80"])
    assert result.exit_code == 0, result.output
    assert page_count(out) == 5
    claims = _claims(forum, out)
    assert _family_names(app, claims) == BY_FAMILY
    assert not list(tmp_path.glob(".*"))
