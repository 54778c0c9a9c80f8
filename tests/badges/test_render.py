"""Rendered badges: the QR decodes to a token that verifies; names fit; every layout pages right."""

from __future__ import annotations

import pytest

from maruf_reg import badge_tokens as tokens
from maruf_reg.badges import services
from maruf_reg.badges.fit import MM
from maruf_reg.badges.layouts import LAYOUTS
from maruf_reg.extensions import db
from maruf_reg.models import Registration, RegistrationStatus
from tests.badges.conftest import decode_qr_codes, needs_poppler, page_count, pdf_words
from tests.conftest import TEST_SECRET


def _load(ids):
    return [db.session.get(Registration, registration_id) for registration_id in ids]


@needs_poppler
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_every_badge_qr_decodes_and_verifies(app, forum, people_of_every_script, layout):
    ids = [r.id for r in people_of_every_script]
    with app.app_context():
        pdf = services.render_badges(_load(ids), layout=layout)
    per_page = LAYOUTS[layout].per_page
    assert page_count(pdf) == -(-len(ids) // per_page)
    found = [text for page in decode_qr_codes(pdf) for text in page]
    assert len(found) == len(ids)
    claims = [tokens.verify(text, public_key=forum.public_key) for text in found]
    # The badges are in the order given, each with its registration's serial and category.
    assert [c.registration_id for c in claims] == ids
    assert [c.category for c in claims] == [r.category for r in people_of_every_script]
    assert all(c.serial == 1 for c in claims)


@needs_poppler
def test_qr_holds_no_name_or_email(app, forum, people_of_every_script):
    registration = people_of_every_script[3]
    with app.app_context():
        pdf = services.render_badges(_load([registration.id]))
        person = db.session.get(Registration, registration.id).person
        name, email = person.family_name, person.email
    [[text]] = decode_qr_codes(pdf)
    assert len(text) == tokens.TOKEN_LENGTH
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert name.upper() not in text and email.upper() not in text


@needs_poppler
def test_altered_foreign_and_revoked_tokens_fail(app, forum, make_forum, people_of_every_script):
    registration = people_of_every_script[0]
    other = make_forum()
    with app.app_context():
        [[old]] = decode_qr_codes(services.render_badges(_load([registration.id])))
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
        for position in range(len(old)):
            altered = (
                old[:position]
                + alphabet[(alphabet.index(old[position]) + 7) % 32]
                + old[position + 1 :]
            )
            with pytest.raises(tokens.BadTokenError):
                services.verify_badge(altered, forum_id=forum.id)
        # The same claims signed with another forum's key.
        foreign = tokens.issue(
            other,
            registration_id=registration.id,
            serial=1,
            category=registration.category,
            secret_key=TEST_SECRET,
        )
        with pytest.raises(tokens.BadTokenError):
            services.verify_badge(foreign, forum_id=forum.id)
        assert services.verify_badge(old, forum_id=forum.id).id == registration.id

        new_serial = services.reprint(registration.id, staff_user_id=None)
        assert new_serial == 2
        with pytest.raises(services.RevokedBadge):
            services.verify_badge(old, forum_id=forum.id)
        [[new]] = decode_qr_codes(services.render_badges(_load([registration.id])))
        assert tokens.verify(new, public_key=forum.public_key).serial == 2
        assert services.verify_badge(new, forum_id=forum.id).id == registration.id


def test_cancelled_and_pending_registrations_have_no_badge(app, forum, make_registration):
    cancelled = make_registration(forum, status=RegistrationStatus.CANCELLED)
    pending = make_registration(forum, status=RegistrationStatus.PENDING)
    with app.app_context():
        for registration in _load([cancelled.id, pending.id]):
            with pytest.raises(services.NotConfirmed, match="only confirmed"):
                services.render_badges([registration])
        with pytest.raises(services.SelectionError, match="Unknown layout a5"):
            services.render_badges(_load([cancelled.id]), layout="a5")


LONGEST_GIVEN = "Wolfeschlegelsteinhausenbergerdorff Hubert Blaine " + "Ü" * 50
LONGEST_FAMILY = "X" * 100


@needs_poppler
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_the_longest_names_shrink_and_wrap_but_are_never_cut(
    app, forum, make_person, make_registration, layout
):
    assert len(LONGEST_GIVEN) == len(LONGEST_FAMILY) == 100
    person = make_person(given_name=LONGEST_GIVEN, family_name=LONGEST_FAMILY, organisation="Org")
    registration = make_registration(forum, person)
    with app.app_context():
        pdf = services.render_badges(_load([registration.id]), layout=layout)
    chosen = LAYOUTS[layout]
    left, top = chosen.cells[0]
    box_top, box_bottom = (top + chosen.name.top) * MM, (top + chosen.name.bottom) * MM
    words = pdf_words(pdf)
    first = next(n for n, w in enumerate(words) if w.text.startswith("Wolfe"))
    org = next(n for n, w in enumerate(words) if w.text == "Org")
    name_words = words[first:org]
    # Every letter is there, in order (a line may end with a hyphen where the language allows a
    # break; the words without a break point make the name smaller), on the badge and inside the
    # name's box: never cut.
    letters = "".join(w.text for w in name_words).replace("\u2010", "").replace("-", "")
    assert letters == (LONGEST_GIVEN + LONGEST_FAMILY).replace(" ", "")
    assert len({w.y_min for w in name_words}) >= 2  # given and family names on lines of their own
    assert any(w.text == "X" * 100 for w in name_words)  # no break point: one piece
    for word in name_words:
        assert left * MM <= word.x_min and word.x_max <= (left + chosen.badge_width) * MM, word
        middle = (word.y_min + word.y_max) / 2
        assert box_top <= middle <= box_bottom, word
        assert middle < words[org].y_min, word
