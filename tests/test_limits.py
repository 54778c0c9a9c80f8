"""Rate limits that fit a venue: behind a trusted proxy they count the real client's address, a
whole venue's Wi-Fi can sign up, and nobody can lock staff out by failing on purpose."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_from
from tests.registration.conftest import signup_fields


def from_address(address: str, hops_seen: str = "") -> dict[str, str]:
    """Headers as nginx sends them: whatever the client wrote, then the address nginx saw."""
    forwarded = f"{hops_seen}, {address}" if hops_seen else address
    return {"X-Forwarded-For": forwarded, "X-Forwarded-Proto": "https"}


def sign_up(client, email: str, headers: dict[str, str]) -> int:
    page = client.get("/register", headers=headers).get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), **signup_fields(email=email)}
    return client.post("/register", data=data, headers=headers).status_code


def log_in(client, email: str, password: str, headers: dict[str, str]) -> int:
    page = client.get("/login", headers=headers).get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "email": email, "password": password}
    status = client.post("/login", data=data, headers=headers).status_code
    client.post("/logout", data={"csrf_token": csrf_from(page)}, headers=headers)
    return status


@pytest.fixture
def proxied_app(app, make_app):
    """Behind one trusted proxy, limits on (in memory). Made after `app` (which the factories
    use): the limiter is one object, configured by the app made last."""
    return make_app(
        PROXY_HOPS=1,
        RATELIMIT_ENABLED=True,
        RATELIMIT_SIGNUP="3 per minute",
        RATELIMIT_SIGNUP_EMAIL="2 per minute",
        RATELIMIT_LOGIN="3 per minute",
        RATELIMIT_LOGIN_ADDRESS="6 per minute",
        # https as nginx says: the CSRF check then wants a Referer of the site.
        WTF_CSRF_SSL_STRICT=False,
    )


def test_behind_the_proxy_each_client_address_has_its_own_sign_up_limit(proxied_app, make_forum):
    make_forum()
    client = proxied_app.test_client()
    venue = from_address("203.0.113.7")
    codes = [sign_up(client, f"venue{n}@example.org", venue) for n in range(4)]
    assert codes == [302, 302, 302, 429]
    # Another address is not held back by the first one's count.
    assert sign_up(client, "home@example.org", from_address("198.51.100.20")) == 302


def test_a_forged_x_forwarded_for_does_not_escape_the_limit(proxied_app, make_forum):
    make_forum()
    client = proxied_app.test_client()
    codes = [
        sign_up(client, f"forger{n}@example.org", from_address("203.0.113.9", f"10.0.0.{n}"))
        for n in range(4)
    ]
    assert codes == [302, 302, 302, 429]  # the address nginx saw counts, not the client's claim


def test_without_trusted_proxies_x_forwarded_for_is_ignored(make_app, make_forum):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_SIGNUP="2 per minute")
    make_forum()
    client = app.test_client()
    codes = [sign_up(client, f"x{n}@example.org", from_address(f"10.1.1.{n}")) for n in range(3)]
    assert codes == [302, 302, 429]


def test_one_e_mail_address_is_limited_from_any_address(proxied_app, make_forum):
    make_forum()
    client = proxied_app.test_client()
    codes = [sign_up(client, "same@example.org", from_address(f"198.51.100.{n}")) for n in range(3)]
    assert codes == [302, 302, 429]


def test_failing_on_purpose_locks_out_only_the_one_who_fails(proxied_app, make_staff):
    staff = make_staff("admin")
    client = proxied_app.test_client()
    attacker = from_address("203.0.113.66")
    tries = [log_in(client, staff.email, "wrong password", attacker) for _ in range(4)]
    assert tries == [200, 200, 200, 429]
    # The organiser, from the venue, logs in as usual.
    assert log_in(client, staff.email, staff.password, from_address("198.51.100.5")) == 302


def test_an_address_that_tries_many_accounts_is_refused(proxied_app, make_staff):
    staff = make_staff("desk")
    client = proxied_app.test_client()
    hammer = from_address("203.0.113.99")
    tries = [log_in(client, f"guess{n}@example.org", "password123", hammer) for n in range(7)]
    assert tries == [200] * 6 + [429]
    # Even the right password is refused from that address for now; elsewhere it works.
    assert log_in(client, staff.email, staff.password, hammer) == 429
    assert log_in(client, staff.email, staff.password, from_address("198.51.100.6")) == 302


def test_successful_log_ins_do_not_count(proxied_app, make_staff):
    staff = make_staff("door")
    client = proxied_app.test_client()
    door = from_address("198.51.100.7")
    assert [log_in(client, staff.email, staff.password, door) for _ in range(8)] == [302] * 8
