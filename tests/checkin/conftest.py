"""Check-in fixtures: points, badge tokens, and a helper that posts scans as a scanner device."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from maruf_reg import badge_tokens as tokens
from maruf_reg.extensions import db
from maruf_reg.models import CheckInPoint, Forum, PointKind, Registration
from tests.conftest import TEST_SECRET


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def running_now() -> dict[str, datetime]:
    """The times of a session going on now (a session's door admits only around its times)."""
    now = datetime.now(UTC)
    return {"starts_at": now - timedelta(minutes=30), "ends_at": now + timedelta(minutes=60)}


def minutes_ago(minutes: float) -> str:
    """A scan time a few minutes before now (scans further than a day away are refused)."""
    moment = datetime.now(UTC) - timedelta(minutes=minutes)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.fixture
def make_point(app: Flask) -> Callable[..., CheckInPoint]:
    def make(forum: Forum, **values: Any) -> CheckInPoint:
        session = values.pop("session", None)
        point = CheckInPoint(
            forum_id=forum.id,
            name=values.pop("name", "Ana Giriş"),
            kind=values.pop("kind", PointKind.SESSION if session else PointKind.ENTRANCE),
            session_id=session.id if session else None,
            categories=values.pop("categories", []),
            counts_exit=values.pop("counts_exit", False),
            **values,
        )
        with app.app_context():
            db.session.add(point)
            db.session.commit()
            db.session.refresh(point)
            db.session.expunge(point)
        return point

    return make


@pytest.fixture
def badge(app: Flask) -> Callable[..., str]:
    """The QR token of a registration's badge (its current serial unless told)."""

    def make(forum: Forum, registration: Registration, serial: int | None = None) -> str:
        with app.app_context():
            fresh = db.session.get_one(Forum, forum.id)
            return tokens.issue(
                fresh,
                registration_id=registration.id,
                serial=serial or registration.badge_serial,
                category=registration.category,
                secret_key=TEST_SECRET,
            )

    return make


@pytest.fixture
def door_token(make_api_token: Callable[..., str]) -> str:
    return make_api_token("door")


@pytest.fixture
def scan(client: Any, door_token: str) -> Callable[..., Any]:
    """POST one scan as a door device; fields default to a fresh uuid and now."""

    def post(token: str, point: CheckInPoint | int, **fields: Any) -> Any:
        body = {
            "token": token,
            "point": point if isinstance(point, int) else point.id,
            "uuid": str(uuid.uuid4()),
            "scanned_at": now_iso(),
            "device": "Door B tablet",
            **fields,
        }
        return client.post(
            "/api/v1/scans", json=body, headers={"Authorization": f"Bearer {door_token}"}
        )

    return post
