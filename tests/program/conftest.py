"""A small programme to work on: a forum with a theme, two rooms and a panel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from maruf_reg.extensions import db
from maruf_reg.models import Forum, Room, Session, Theme
from tests.conftest import forum_time


@dataclass(frozen=True)
class Programme:
    forum: Forum
    theme: Theme
    salon: Room
    workshop_room: Room
    panel: Session


@pytest.fixture
def programme(
    forum: Forum,
    make_theme: Callable[..., Theme],
    make_room: Callable[..., Room],
    make_session: Callable[..., Session],
) -> Programme:
    theme = make_theme(forum, slug="migration")
    salon = make_room(forum, name="Salon A", capacity=100, position=1)
    workshop_room = make_room(forum, name="Atölye 1", capacity=30, position=2)
    panel = make_session(forum, room=salon, theme=theme, starts_at=forum_time(0, 11))
    return Programme(forum, theme, salon, workshop_room, panel)


@pytest.fixture
def count(app: Flask) -> Callable[[Any], int]:
    """How many rows a model has now (read in a context of its own)."""

    def rows(model: Any) -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(model)) or 0

    return rows
