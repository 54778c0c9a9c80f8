"""Fuzzing with Hypothesis: every form and every JSON endpoint gets generated input.

Text in every script, control characters, huge values, wrong types, missing and unknown fields.
Whatever comes in: never a 500, never a half-written row (every person has a registration, no
session has more booked seats than places), and the page answers in its own language.

The number of examples per endpoint is FUZZ_EXAMPLES (environment variable MARUF_FUZZ_EXAMPLES);
the default makes more than 10,000 generated inputs in all (`test_the_fuzzing_budget`).
"""

from __future__ import annotations

import os
import re
import tempfile
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from maruf_reg import badge_tokens as tokens
from maruf_reg import create_app
from maruf_reg.extensions import db
from maruf_reg.models import (
    Category,
    Forum,
    Person,
    Registration,
    Role,
    Seat,
    SeatStatus,
    Session,
)
from tests.conftest import TEST_SECRET, csrf_from
from tests.test_authorization import ACCESS, PERSONAL, PUBLIC, World, _url
from tests.test_authorization import world as world

FUZZ_EXAMPLES = int(os.environ.get("MARUF_FUZZ_EXAMPLES", "170"))
JSON_EXAMPLES = FUZZ_EXAMPLES * 8

# Endpoints that take a POST but no generated form: logging out, and the JSON API (fuzzed below).
NOT_FORMS = {"auth.logout", "checkin_api.scan", "checkin_api.scan_batch"}

NASTY = [
    "Ayşe Öztürk",
    "İLKAY IŞIK ığüşöç",
    "محمد بن عبد الله الحلبي",
    "王小明",
    "김민준",
    "Γιώργος Παπαδόπουλος",
    "Анна Кузнецова",
    "अनन्या शर्मा",
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}",
    "%(name)s %s {0}",
    "\u202eevil\u202c",
    "\x00",
    "\r\n\t",
    "",
    " ",
    "0",
    "-1",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "2030-10-01T09:00",
    "2030-13-45T25:61",
    "#zzzzzz",
    "javascript:alert(1)",
    "a@b",
    "person@example.org",
    "'; DROP TABLE people; --",
    "x" * 5000,
    "ğ" * 101,
]

field_values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=200),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=10),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(min_size=1000, max_size=3000),
)


class _Fields(HTMLParser):
    """The names of a page's form fields (inputs, selects, text areas)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("input", "select", "textarea"):
            name = dict(attrs).get("name")
            if name and name != "csrf_token":
                self.names.add(name)


def field_names(html: str) -> list[str]:
    parser = _Fields()
    parser.feed(html)
    return sorted(parser.names)


def post_endpoints(app: Any) -> list[str]:
    return sorted(
        {
            rule.endpoint
            for rule in app.url_map.iter_rules()
            if "POST" in rule.methods and rule.endpoint not in NOT_FORMS
        }
    )


def _form_endpoints() -> list[str]:
    """Every endpoint that takes a POST (read off an app made only to list its routes)."""
    with tempfile.TemporaryDirectory() as instance:
        previous = os.environ.get("MARUF_INSTANCE_PATH")
        os.environ["MARUF_INSTANCE_PATH"] = instance
        try:
            app = create_app(
                {
                    "SECRET_KEY": "routes",
                    "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "HUEY_IMMEDIATE": True,
                }
            )
        finally:
            if previous is None:
                del os.environ["MARUF_INSTANCE_PATH"]
            else:
                os.environ["MARUF_INSTANCE_PATH"] = previous
        return post_endpoints(app)


def assert_nothing_half_written(app: Any) -> None:
    with app.app_context():
        orphans = db.session.scalar(
            select(func.count())
            .select_from(Person)
            .where(~select(Registration.id).where(Registration.person_id == Person.id).exists())
        )
        assert orphans == 0, "a person without a registration"
        oversold = db.session.execute(
            select(Session.id, Session.capacity, func.count(Seat.id))
            .join(Seat, Seat.session_id == Session.id)
            .where(Seat.status == SeatStatus.BOOKED)
            .group_by(Session.id, Session.capacity)
            .having(func.count(Seat.id) > Session.capacity)
        ).all()
        assert oversold == [], "a session with more booked seats than places"


FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    database=None,
)


def _as_staff(app: Any, make_staff: Any, role: Role) -> Any:
    client = app.test_client()
    staff = make_staff(role)
    page = client.get("/login")
    client.post(
        "/login",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "email": staff.email,
            "password": staff.password,
        },
    )
    return client


def test_the_fuzzing_budget(app):
    """At least 10,000 generated inputs in all with the default settings."""
    forms = len(post_endpoints(app))
    total = forms * FUZZ_EXAMPLES + 3 * JSON_EXAMPLES
    if "MARUF_FUZZ_EXAMPLES" not in os.environ:
        assert total >= 10_000, total


@pytest.mark.slow
@pytest.mark.parametrize("endpoint", _form_endpoints())
def test_every_form_survives_generated_input(app, world: World, make_staff, endpoint):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    url = _url(app, endpoint, world.values_for(endpoint))
    access = ACCESS[endpoint]
    client = (
        app.test_client()
        if access in (PUBLIC, PERSONAL)
        else _as_staff(app, make_staff, Role.ADMIN)
    )
    names: list[str] = []
    if "GET" in rule.methods:
        page = client.get(url)
        if page.status_code == 200 and page.mimetype == "text/html":
            names = field_names(page.get_data(as_text=True))
    csrf = csrf_from(
        client.get("/login" if access in (PUBLIC, PERSONAL) else "/staff").get_data(as_text=True)
    )
    keys = st.sampled_from([*names, "unexpected_field"]) if names else st.just("unexpected_field")

    @FUZZ
    @given(
        form=st.dictionaries(keys, st.one_of(field_values, st.lists(field_values, max_size=3))),
        language=st.sampled_from(["tr", "en", "ar"]),
    )
    def fuzz(form: dict[str, Any], language: str) -> None:
        response = client.post(
            url, data={"csrf_token": csrf, **form}, headers={"Accept-Language": language}
        )
        assert response.status_code < 500, (url, form, response.status_code)
        if response.status_code == 200 and response.mimetype == "text/html":
            body = response.get_data(as_text=True)
            if access != PERSONAL:  # a personal page speaks its person's language
                direction = "rtl" if language == "ar" else "ltr"
                assert f'<html lang="{language}" dir="{direction}">' in body, "not in its language"
            assert "<script>alert(" not in body, "markup shown unescaped"
            if language in ("tr", "ar"):
                assert "This field is required" not in body, "an English error on a page"

    fuzz()
    assert_nothing_half_written(app)


json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(NASTY),
    st.text(max_size=50),
)
json_values = st.recursive(
    json_leaf,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@pytest.fixture
def door_api(app, world: World, make_api_token):
    token = make_api_token(Role.DOOR)
    desk = make_api_token(Role.DESK)
    with app.app_context():
        forum = db.session.scalars(select(Forum)).first()
        registration = db.session.get(Registration, world.values["registration_id"])
        badge = tokens.issue(
            forum,
            registration_id=registration.id,
            serial=1,
            category=Category.PARTICIPANT,
            secret_key=TEST_SECRET,
        )
    return {
        "door": {"Authorization": f"Bearer {token}"},
        "desk": {"Authorization": f"Bearer {desk}"},
        "badge": badge,
    }


def scan_items(world: World, badge: str) -> Any:
    return st.one_of(
        json_values,
        st.fixed_dictionaries(
            {},
            optional={
                "token": st.one_of(st.just(badge), json_values, st.just(badge[:-1] + "A")),
                "point": st.one_of(st.just(world.values["point_id"]), json_values),
                "uuid": st.one_of(st.uuids().map(str), json_values),
                "scanned_at": st.one_of(
                    st.datetimes().map(lambda d: d.isoformat() + "Z"), json_values
                ),
                "device": json_values,
                "direction": st.sampled_from(["in", "out", "sideways", None]),
                "sent_at": st.one_of(
                    st.datetimes().map(lambda d: d.isoformat() + "Z"), json_values
                ),
            },
        ),
    )


# Every outcome is a 200 answer (bad_time and uuid_conflict too); 400, 404, 413: malformed.
ANSWERS = {200, 400, 404, 413}
OUTCOMES = {
    "admitted",
    "already_in",
    "not_allowed",
    "revoked",
    "unknown",
    "invalid",
    "exited",
    "not_now",
    "room_full",
    "point_inactive",
    "bad_time",
    "uuid_conflict",
}


@pytest.mark.slow
def test_the_scan_api_survives_generated_input(app, world: World, door_api):
    client = app.test_client()

    @settings(FUZZ, max_examples=JSON_EXAMPLES)
    @given(body=scan_items(world, door_api["badge"]))
    def fuzz(body: Any) -> None:
        response = client.post("/api/v1/scans", json=body, headers=door_api["door"])
        assert response.status_code in ANSWERS, (body, response.status_code)
        data = response.get_json()
        assert isinstance(data, dict)
        if response.status_code == 200:
            assert data["outcome"] in OUTCOMES
        else:
            assert isinstance(data["error"], str)

    fuzz()


@pytest.mark.slow
def test_the_batch_api_survives_generated_input(app, world: World, door_api):
    client = app.test_client()

    @settings(FUZZ, max_examples=JSON_EXAMPLES)
    @given(
        body=st.one_of(
            json_values,
            st.fixed_dictionaries(
                {"scans": st.lists(scan_items(world, door_api["badge"]), max_size=5)}
            ),
        ),
        raw=st.one_of(st.none(), st.binary(max_size=200)),
    )
    def fuzz(body: Any, raw: bytes | None) -> None:
        if raw is None:
            response = client.post("/api/v1/scans/batch", json=body, headers=door_api["door"])
        else:
            response = client.post(
                "/api/v1/scans/batch",
                data=raw,
                headers=door_api["door"],
                content_type="application/json",
            )
        assert response.status_code in ANSWERS, (body, raw, response.status_code)
        data = response.get_json()
        assert isinstance(data, dict)
        if response.status_code == 200:
            assert len(data["results"]) == len(body["scans"])

    fuzz()


@pytest.mark.slow
def test_people_search_survives_generated_queries(app, world: World, door_api):
    client = app.test_client()

    @settings(FUZZ, max_examples=JSON_EXAMPLES)
    @given(query=st.one_of(st.sampled_from(NASTY), st.text(max_size=300)))
    def fuzz(query: str) -> None:
        response = client.get("/api/v1/people", query_string={"q": query}, headers=door_api["desk"])
        assert response.status_code in (200, 400), (query, response.status_code)
        assert isinstance(response.get_json(), (dict, list))

    fuzz()


def test_turkish_pages_give_turkish_errors(client, forum):
    """An empty sign-up form in Turkish: every error is Turkish."""
    page = client.get("/register", headers={"Accept-Language": "tr"})
    response = client.post(
        "/register",
        data={"csrf_token": csrf_from(page.get_data(as_text=True))},
        headers={"Accept-Language": "tr"},
    )
    body = response.get_data(as_text=True)
    errors = re.findall(r'<ul class="errors"[^>]*>(.*?)</ul>', body, re.S)
    assert errors, "no field errors shown"
    text = " ".join(re.sub(r"<[^>]+>", " ", e) for e in errors)
    assert "required" not in text
    assert "field" not in text.lower()
