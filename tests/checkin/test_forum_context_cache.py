"""The API's hot paths know the public forum's id without asking the database each time, and a new
edition is served at once by the process that made it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, text

from maruf_reg.extensions import db
from maruf_reg.forum import _public_ids, public_forum


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the test runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _search(client: Any, token: str, query: str = "ozturk") -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/people?q={query}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    people: list[dict[str, Any]] = response.get_json()["people"]
    return people


def test_a_token_search_reads_no_forum_row_once_the_id_is_known(
    client, forum, make_registration, make_api_token, statements
):
    make_registration(forum)
    desk = make_api_token("desk")
    assert len(_search(client, desk)) == 1
    statements.clear()
    for _ in range(3):
        assert [p["family_name"] for p in _search(client, desk)] == ["Öztürk"]
    assert statements, "the search itself asks the database"
    assert not [s for s in statements if "FROM forums" in s], statements


def test_a_new_edition_is_served_at_once_by_the_process_that_made_it(
    app, client, forum, make_forum, make_registration, make_api_token
):
    make_registration(forum)
    desk = make_api_token("desk")
    assert len(_search(client, desk)) == 1  # the public forum's id is now kept
    later = make_forum(
        slug="maruf-next", starts_on=forum.starts_on + timedelta(days=365),
        ends_on=forum.ends_on + timedelta(days=365),
    )  # fmt: skip
    with app.test_request_context():
        assert public_forum().id == later.id
    assert _search(client, desk) == []  # nobody registered for the next edition yet


def test_a_change_made_elsewhere_shows_when_the_kept_id_expires(
    app, client, forum, make_forum, make_registration, make_api_token
):
    """Another host's new edition: this process keeps the id it knows (at most
    PUBLIC_FORUM_SECONDS), then asks again."""
    other = make_forum(
        slug="elsewhere", starts_on=forum.starts_on - timedelta(days=400),
        ends_on=forum.ends_on - timedelta(days=400),
    )  # fmt: skip
    make_registration(forum)
    desk = make_api_token("desk")
    assert len(_search(client, desk)) == 1
    with app.app_context():
        # Written past the ORM, as another host's would be: this process is not told.
        db.session.execute(
            text("UPDATE forums SET starts_on = :starts, ends_on = :ends WHERE id = :id"),
            {
                "starts": forum.starts_on + timedelta(days=30),
                "ends": forum.ends_on + timedelta(days=30),
                "id": other.id,
            },
        )
        db.session.commit()
        assert _public_ids.get("") == forum.id  # still the kept one
    assert len(_search(client, desk)) == 1
    with app.app_context():
        _public_ids.clear()  # what the expiry does
    with app.test_request_context():
        assert public_forum().id == other.id
    assert _search(client, desk) == []


def test_a_kept_forum_removed_elsewhere_is_not_served(app, forum, make_forum):
    later = make_forum(
        slug="maruf-next", starts_on=forum.starts_on + timedelta(days=365),
        ends_on=forum.ends_on + timedelta(days=365),
    )  # fmt: skip
    with app.test_request_context():
        assert public_forum().id == later.id  # now kept
    with app.app_context():
        # Removed past the ORM, as another host would: this process is not told.
        db.session.execute(text("DELETE FROM forums WHERE id = :id"), {"id": later.id})
        db.session.commit()
        assert _public_ids.get("") == later.id
    with app.test_request_context():
        assert public_forum().id == forum.id
