"""Fixtures for the registration tests: a forum with bookable sessions, form data, a small HTTP
client for the real-server tests, and mail helpers."""

from __future__ import annotations

import http.client
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest
from flask import Flask

from maruf_reg.extensions import db
from maruf_reg.models import Forum, Room, Session, Theme
from tests.conftest import csrf_from, forum_time

LINK_RE = re.compile(r"(https?://\S+/r/[A-Za-z0-9_-]+)")


@dataclass
class Programme:
    forum: Forum
    theme: Theme
    room: Room
    morning: Session
    morning_clash: Session
    afternoon: Session
    open_plenary: Session


@pytest.fixture
def programme(forum, make_theme, make_room, make_session) -> Programme:
    """Bookable sessions: two at the same time on day one, one in the afternoon, and a plenary
    that needs no booking."""
    theme = make_theme(forum, slug="migration")
    room = make_room(forum, name="Salon A", capacity=100)
    return Programme(
        forum=forum,
        theme=theme,
        room=room,
        morning=make_session(
            forum,
            room=room,
            theme=theme,
            title_tr="Kentte Göç",
            title_en="Migration in the City",
            starts_at=forum_time(0, 11),
        ),
        morning_clash=make_session(
            forum,
            title_tr="Dayanıklı Kentler",
            title_en="Resilient Cities",
            starts_at=forum_time(0, 11, 30),
            capacity=30,
        ),
        afternoon=make_session(
            forum,
            room=room,
            title_tr="Kentsel Dönüşüm Atölyesi",
            title_en="Urban Renewal Workshop",
            starts_at=forum_time(0, 14),
            capacity=2,
        ),
        open_plenary=make_session(
            forum,
            title_tr="Açılış",
            title_en="Opening",
            starts_at=forum_time(0, 9),
            needs_booking=False,
        ),
    )


def signup_fields(**overrides: Any) -> dict[str, Any]:
    """A complete, valid sign-up form as a person fills it in."""
    return {
        "given_name": "Ayşe",
        "family_name": "Öztürk",
        "email": "ayse.ozturk@example.org",
        "organisation": "Marmara Belediyeler Birliği",
        "position": "Şehir Plancısı",
        "country": "TR",
        "phone": "+90 212 555 01 01",
        "language": "tr",
        "category": "participant",
        "consent_data": "y",
        **overrides,
    }


@pytest.fixture
def sign_up(client, submit) -> Callable[..., Any]:
    """Fill in /register and send it; returns the response to the POST."""

    def send(headers: dict[str, str] | None = None, **fields: Any) -> Any:
        return submit("/register", signup_fields(**fields), headers=headers or {})

    return send


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def personal_path(message: EmailMessage) -> str:
    """The path of the personal link in a mail, ready for the test client."""
    match = LINK_RE.search(text_of(message))
    assert match, text_of(message)
    return urllib.parse.urlsplit(match.group(1)).path


def rows(app: Flask, query: Any) -> list[Any]:
    with app.app_context():
        result = list(db.session.scalars(query))
        db.session.expunge_all()
        return result


class Browser:
    """A person's browser against a real server: keeps the cookie, sends forms with their token."""

    def __init__(self, base_url: str) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str, Any]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
        headers = {"Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, text, response.headers
        finally:
            connection.close()

    def open_form(self, path: str) -> str:
        status, text, _headers = self.request("GET", path)
        assert status == 200, (status, text[:500])
        return csrf_from(text)

    def post(self, path: str, fields: dict[str, Any], token: str) -> int:
        body = urllib.parse.urlencode({"csrf_token": token, **fields}, doseq=True)
        status, _text, _headers = self.request("POST", path, body)
        return status
