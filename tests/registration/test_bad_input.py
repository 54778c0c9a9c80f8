"""Bad input on every form: a field error, never a 500, never a half-written change; markup is
kept as plain text and always shown escaped."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import undefer

from maruf_reg.models import AuditLog, Person, Registration, Seat, SpeakerInvitation
from tests.conftest import csrf_from
from tests.registration.conftest import rows, signup_fields

SCRIPT = '<script>alert("x")</script><b onmouseover=alert(1)>'
HUGE = "ş" * 10_000

SIGNUP_TEXT_FIELDS = ("given_name", "family_name", "email", "organisation", "position", "phone")


def post_form(client, url, fields, **kwargs):
    page = client.get(url, **{k: v for k, v in kwargs.items() if k == "headers"})
    assert page.status_code == 200
    return client.post(
        url, data={"csrf_token": csrf_from(page.get_data(as_text=True)), **fields}, **kwargs
    )


def assert_field_errors(response, *fields):
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html  # "Please correct the marked fields."
    for name in fields:
        assert (
            f'id="{name}-error"' in html
            or f'{name}" aria-invalid' in html
            or (f'name="{name}"' in html and "has-error" in html)
        ), name
    assert "<script>alert" not in html


@pytest.mark.parametrize("name", SIGNUP_TEXT_FIELDS)
def test_oversized_sign_up_fields_are_field_errors(app, client, programme, name):
    response = post_form(client, "/register", signup_fields(**{name: HUGE}))
    assert_field_errors(response, name)
    assert rows(app, select(Person)) == []


def test_a_name_of_101_characters_is_refused_and_100_accepted(app, client, programme):
    response = post_form(
        client, "/register", signup_fields(given_name="Ş" * 101), headers={"Accept-Language": "en"}
    )
    assert_field_errors(response, "given_name")
    assert "At most 100 characters, please (this has 101)" in response.get_data(as_text=True)
    # No maxlength on the page: a browser would cut a pasted name silently.
    assert "maxlength" not in client.get("/register").get_data(as_text=True)
    long_name = "Ğ" * 100
    assert post_form(client, "/register", signup_fields(given_name=long_name)).status_code == 302
    [person] = rows(app, select(Person))
    assert person.given_name == long_name  # never cut


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"given_name": "", "email": ""}, ("given_name", "email")),
        ({"given_name": "   "}, ("given_name",)),
        ({"email": "not an address"}, ("email",)),
        ({"email": "a@b"}, ("email",)),
        ({"country": "XX"}, ("country",)),
        ({"country": ""}, ("country",)),
        ({"language": "de"}, ("language",)),
        ({"language": ""}, ("language",)),
        ({"category": "god"}, ("category",)),
        ({"consent_data": ""}, ("consent_data",)),
        ({"phone": "call me maybe"}, ("phone",)),
        ({"sessions": ["abc"]}, ("sessions",)),
        ({"sessions": ["999999"]}, ("sessions",)),
        ({"given_name": "Ay\x00şe"}, ("given_name",)),
        ({"organisation": "line\nbreak\x07"}, ("organisation",)),
    ],
)
def test_wrong_or_missing_sign_up_values_are_field_errors(app, client, programme, fields, errors):
    response = post_form(client, "/register", signup_fields(**fields))
    assert_field_errors(response, *errors)
    assert rows(app, select(Person)) == []


def test_a_session_without_booking_is_not_a_choice(app, client, programme):
    response = post_form(client, "/register", signup_fields(sessions=[programme.open_plenary.id]))
    assert_field_errors(response, "sessions")


def test_markup_is_kept_as_text_and_shown_escaped_everywhere(
    mail_app, mailbox, make_staff, programme
):
    client = mail_app.test_client()
    fields = signup_fields(
        given_name=SCRIPT[:100],
        family_name="<i>Öztürk</i>",
        organisation=SCRIPT,
        position="&amp; <b>",
        email="markup@example.org",
    )
    assert post_form(client, "/register", fields).status_code == 302
    [person] = rows(mail_app, select(Person))
    assert person.given_name == SCRIPT[:100] and person.organisation == SCRIPT
    [registration] = rows(mail_app, select(Registration))
    [message] = mailbox.wait_for(1)
    html_mail = message.get_body(("html",)).get_content()
    assert "<script>" not in html_mail and "&lt;script&gt;" in html_mail
    text_mail = message.get_body(("plain",)).get_content()
    assert SCRIPT[:100] in text_mail  # plain text shows it as typed

    page = client.get(f"/r/{registration.manage_token}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "<i>Öztürk</i>" not in page and "&amp;amp; &lt;b&gt;" in page

    staff = make_staff("admin")
    login_page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={
            "csrf_token": csrf_from(login_page),
            "email": staff.email,
            "password": staff.password,
        },
    )
    for url in ("/admin/registrations", f"/admin/registrations/{registration.id}"):
        admin_page = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in admin_page and "&lt;script&gt;" in admin_page


@pytest.mark.parametrize(
    "fields",
    [
        {"given_name": HUGE},
        {"given_name": ""},
        {"country": "ZZ"},
        {"language": "fr"},
        {"phone": "<script>"},
        {"position": "x\x00y"},
    ],
)
def test_the_edit_form_refuses_bad_input(app, client, make_registration, forum, fields):
    registration = make_registration(forum)
    url = f"/r/{registration.manage_token}/edit"
    base = {"given_name": "Ayşe", "family_name": "", "country": "TR", "language": "tr"}
    response = post_form(client, url, {**base, **fields})
    assert_field_errors(response, *fields)
    assert rows(app, select(AuditLog)) == []


@pytest.mark.parametrize("value", [["abc"], ["1.5"], ["-1"], ["99999999999999999999"], [""]])
def test_the_sessions_form_refuses_bad_input(app, client, make_registration, programme, value):
    registration = make_registration(programme.forum)
    url = f"/r/{registration.manage_token}/sessions"
    response = post_form(client, url, {"sessions": value})
    assert_field_errors(response, "sessions")
    assert rows(app, select(Seat)) == []


def test_forms_of_the_personal_page_need_their_token(app, client, make_registration, forum):
    registration = make_registration(forum)
    base = f"/r/{registration.manage_token}"
    for path in ("/edit", "/sessions", "/cancel", "/reactivate"):
        assert client.post(base + path, data={"given_name": "X"}).status_code == 400
    [unchanged] = rows(app, select(Registration))
    assert unchanged.status == registration.status


@pytest.mark.parametrize("value", ["", "nope", "a" * 300, "ş@ş", "<script>@x.y"])
def test_the_lost_link_form_refuses_bad_addresses(client, forum, value):
    response = post_form(client, "/register/link", {"email": value})
    assert_field_errors(response, "email")


@pytest.mark.parametrize(
    "fields",
    [
        {"given_name": HUGE},
        {"bio_tr": "b" * 5001},
        {"bio_en": "\x00"},
        {"country": "Q1"},
        {"consent_data": ""},
        {"photo": "just a string, not a file"},
    ],
)
def test_the_speaker_form_refuses_bad_input(app, client, login, programme, fields):
    login("admin")
    post_form(
        client,
        "/admin/speakers/invitations",
        {
            "session": programme.morning.id,
            "role": "speaker",
            "email": "s@example.org",
            "language": "tr",
        },
    )
    [invitation] = rows(app, select(SpeakerInvitation))
    url = f"/speakers/register?token={invitation.token}"
    base = {
        "given_name": "Leyla",
        "family_name": "Şahin",
        "country": "TR",
        "language": "tr",
        "consent_data": "y",
    }
    response = post_form(client, url, {**base, **fields})
    if "photo" in fields:
        # A string where a file belongs is no photo at all: the profile is taken without one.
        assert response.status_code == 302
        [person] = rows(app, select(Person).options(undefer(Person.photo)))
        assert person.photo is None
    else:
        assert_field_errors(response, *fields)
        assert rows(app, select(Registration)) == []


@pytest.mark.parametrize(
    "fields",
    [
        {"session": "abc"},
        {"session": "999999"},
        {"role": "king"},
        {"email": "nope"},
        {"given_name": HUGE},
        {"language": "xx"},
    ],
)
def test_the_invitation_form_refuses_bad_input(app, client, login, programme, fields):
    login("admin")
    base = {
        "session": programme.morning.id,
        "role": "speaker",
        "email": "s@example.org",
        "language": "tr",
    }
    response = post_form(client, "/admin/speakers/invitations", {**base, **fields})
    assert_field_errors(response, *fields)
    assert rows(app, select(SpeakerInvitation)) == []


@pytest.mark.parametrize(
    "fields",
    [
        {"email": "bad"},
        {"given_name": ""},
        {"family_name": HUGE},
        {"category": "emperor"},
        {"country": "XX"},
        {"phone": "☎"},
    ],
)
def test_the_organisers_edit_form_refuses_bad_input(
    app, client, login, make_registration, forum, fields
):
    registration = make_registration(forum)
    login("admin")
    base = {
        "given_name": "Ayşe",
        "family_name": "Öztürk",
        "email": "a@example.org",
        "language": "tr",
        "category": "participant",
    }
    response = post_form(client, f"/admin/registrations/{registration.id}", {**base, **fields})
    assert_field_errors(response, *fields)
    assert rows(app, select(AuditLog)) == []


def test_a_binary_upload_for_the_import_is_a_list_of_errors(app, client, login, forum):
    login("admin")
    page = client.get("/admin/registrations/import").get_data(as_text=True)
    response = client.post(
        "/admin/registrations/import",
        data={
            "csrf_token": csrf_from(page),
            "file": (io.BytesIO(bytes(range(256)) * 40), "random.bin"),
            "category": "participant",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "import-errors" in response.get_data(as_text=True)
    assert rows(app, select(Person)) == []


def test_an_upload_beyond_the_size_limit_is_413_not_500(make_app, forum):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    client = app.test_client()
    page = client.get("/register").get_data(as_text=True)
    response = client.post(
        "/register", data={"csrf_token": csrf_from(page), **signup_fields(organisation="x" * 5000)}
    )
    assert response.status_code == 413


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    text=st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=0, max_size=150),
    field=st.sampled_from(SIGNUP_TEXT_FIELDS),
)
def test_any_text_in_any_sign_up_field_never_breaks_the_page(client, programme, text, field):
    response = post_form(
        client,
        "/register",
        signup_fields(
            **{field: text, "email": "f@example.org"} if field != "email" else {field: text}
        ),
    )
    assert response.status_code in (200, 302)
