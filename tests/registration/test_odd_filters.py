"""List filters that take a number: odd input in the address is left out with a message, and
the list's links repeat only its own filters; never a 500."""

from __future__ import annotations

import re

import pytest

from maruf_reg.models import Role

EN = {"Accept-Language": "en"}
LEFT_OUT = "A filter in the address was not understood and is left out."


@pytest.mark.parametrize(
    "query",
    [
        {"theme": "²"},
        {"theme": "٣"},
        {"theme": "-1"},
        {"theme": "99999999999999999999999"},
        {"category": "king"},
        {"status": "\u0000"},
        {"country": "Atlantis"},
    ],
)
def test_an_odd_filter_is_left_out_with_a_message(client, login, forum, make_registration, query):
    make_registration(forum)
    login(Role.DESK)
    response = client.get("/admin/registrations", query_string=query, headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert LEFT_OUT in html
    assert "1 registration" in html or "registration" in html


@pytest.mark.parametrize(
    "query",
    [
        {"page": "²"},
        {"page": "99999999999999999999999"},
        {"kind": "x"},
        {"_external": "1", "_scheme": "javascript"},
        {"fmt": "zip", "for": "me"},
    ],
)
def test_other_odd_arguments_are_ignored(client, login, forum, make_registration, query):
    make_registration(forum)
    login(Role.ADMIN)
    response = client.get("/admin/registrations", query_string=query, headers=EN)
    assert response.status_code == 200
    assert "javascript" not in response.get_data(as_text=True)


def test_a_good_filter_is_kept_in_the_links(client, login, forum, make_registration):
    make_registration(forum)
    login(Role.ADMIN)
    html = client.get("/admin/registrations?status=confirmed&kind=x", headers=EN).get_data(
        as_text=True
    )
    assert LEFT_OUT not in html
    exports = [link for link in re.findall(r'href="([^"]+)"', html) if "for=people" in link]
    assert exports
    assert all("status=confirmed" in link and "kind=x" not in link for link in exports)
