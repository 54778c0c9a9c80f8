"""Badge tokens: signed, compact, verifiable with the public key alone."""

from __future__ import annotations

import pytest

from maruf_reg import badge_tokens as tokens
from maruf_reg.models import Category
from tests.conftest import TEST_SECRET


@pytest.fixture
def two_forums(make_forum):
    return make_forum(), make_forum()


def test_token_round_trip_and_alphabet(two_forums):
    forum, _other = two_forums
    token = tokens.issue(
        forum, registration_id=123456, serial=3, category=Category.SPEAKER, secret_key=TEST_SECRET
    )
    assert len(token) == tokens.TOKEN_LENGTH == 116
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    claims = tokens.verify(token, public_key=forum.public_key)
    assert claims == tokens.BadgeClaims(123456, 3, Category.SPEAKER)


def test_every_single_character_change_is_refused(two_forums):
    forum, _other = two_forums
    token = tokens.issue(
        forum, registration_id=7, serial=1, category=Category.PARTICIPANT, secret_key=TEST_SECRET
    )
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    for position in range(len(token)):
        replacement = alphabet[(alphabet.index(token[position]) + 1) % 32]
        altered = token[:position] + replacement + token[position + 1 :]
        with pytest.raises(tokens.BadTokenError):
            tokens.verify(altered, public_key=forum.public_key)


@pytest.mark.parametrize("registration_id", [7, 8])
def test_only_the_canonical_last_character_is_read(two_forums, registration_id):
    """The last character's four spare bits decode to nothing: any other spelling of the same
    bytes (here the signature's last bit is 0 or 1) is refused, not read as the same badge."""
    forum, _other = two_forums
    token = tokens.issue(
        forum,
        registration_id=registration_id,
        serial=1,
        category=Category.PARTICIPANT,
        secret_key=TEST_SECRET,
    )
    read = []
    for last in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567":
        try:
            tokens.verify(token[:-1] + last, public_key=forum.public_key)
            read.append(last)
        except tokens.BadTokenError:
            pass
    assert read == [token[-1]]
    assert token[-1] in "AQ"


def test_another_forums_key_is_refused(two_forums):
    forum, other = two_forums
    token = tokens.issue(
        other, registration_id=7, serial=1, category=Category.PARTICIPANT, secret_key=TEST_SECRET
    )
    with pytest.raises(tokens.BadTokenError):
        tokens.verify(token, public_key=forum.public_key)


def test_scanner_mangling_is_undone(two_forums):
    forum, _other = two_forums
    token = tokens.issue(
        forum, registration_id=42, serial=2, category=Category.PRESS, secret_key=TEST_SECRET
    )
    # A keyboard-wedge scanner on a Turkish layout, lower case, with a line end.
    mangled = token.lower().replace("i", "ı") + "\r\n"
    assert tokens.verify(mangled, public_key=forum.public_key).registration_id == 42


@pytest.mark.parametrize("text", ["", "HELLO", "A" * 116, "!" * 116, "A" * 500])
def test_garbage_is_refused(two_forums, text):
    forum, _other = two_forums
    with pytest.raises(tokens.BadTokenError):
        tokens.verify(text, public_key=forum.public_key)


def test_a_token_decodes_to_what_base64_reads(two_forums):
    """verify() reads base32 as one number (int(…, 32)): the same bytes as base64.b32decode for
    every registration id, serial and category, the largest included."""
    import base64

    forum, _other = two_forums
    for registration_id, serial, category in [
        (1, 1, Category.PARTICIPANT),
        (2**32 - 1, 2**16 - 1, Category.STAFF),
        (4_000_000, 300, Category.VIP),
    ]:
        token = tokens.issue(
            forum,
            registration_id=registration_id,
            serial=serial,
            category=category,
            secret_key=TEST_SECRET,
        )
        header = base64.b32decode(token + "=" * (-len(token) % 8))[:8]
        assert header[1:5] == registration_id.to_bytes(4, "big")
        claims = tokens.verify(token, public_key=forum.public_key)
        assert claims == tokens.BadgeClaims(registration_id, serial, category)


@pytest.mark.parametrize("intruder", ["_", "+", "-", "0", "1", "8", "9", "=", "\u0661", "\uff21"])
def test_characters_int_would_read_are_refused(two_forums, intruder):
    """What Python's int() accepts beside base-32 digits (an underscore between digits, a sign,
    other scripts' digits, full-width letters) and base32's own excluded 0, 1, 8, 9 never make a
    token: refused as not base32, whatever their place."""
    forum, _other = two_forums
    token = tokens.issue(
        forum, registration_id=9, serial=1, category=Category.PARTICIPANT, secret_key=TEST_SECRET
    )
    for position in (0, 1, 57):
        altered = token[:position] + intruder + token[position + 1 :]
        with pytest.raises(tokens.BadTokenError, match="not base32"):
            tokens.verify(altered, public_key=forum.public_key)
