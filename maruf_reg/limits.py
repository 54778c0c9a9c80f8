"""What the rate limits count by: the client's address, an e-mail address, an account, a link.

Behind the trusted proxies (`PROXY_HOPS`, web.py) `request.remote_addr` is the client's own
address, not the proxy's; a venue's Wi-Fi still puts thousands of people behind one address, so
limits per address are generous (config.py) and the tight ones count what one person controls:
the e-mail address they sign up with, the account they log in to, their personal link.
Counts live in Redis when `REDIS_URL` is set, so every app server shares them.
"""

from __future__ import annotations

import hashlib

from flask import request
from flask_login import current_user

from maruf_reg.text import InvalidEmail, normalise_email


def client_address() -> str:
    """The client's address (as the trusted proxies saw it)."""
    return f"address:{request.remote_addr or '-'}"


def _hashed(value: str) -> str:
    # Keys are kept in Redis: no e-mail address or personal link in the clear.
    return hashlib.sha256(value.encode()).hexdigest()[:24]


def _form_email() -> str:
    raw = request.form.get("email", "")
    try:
        return normalise_email(raw)
    except InvalidEmail:
        return raw.strip().lower()


def submitted_email() -> str:
    """The e-mail address a form was sent with (sign-up, the lost-link form)."""
    return f"email:{_hashed(_form_email())}"


def account_and_address() -> str:
    """The account a log-in tries, from this address: failing on purpose locks out only oneself."""
    return f"login:{_hashed(_form_email())}:{request.remote_addr or '-'}"


def staff_member() -> str:
    """The staff user or API token searching (the desks of a venue share one address)."""
    if current_user.is_authenticated:
        return f"staff:{current_user.get_id()}"
    return client_address()


def personal_link() -> str:
    """The personal link (`/r/<token>/…`) a download is asked through."""
    token = str((request.view_args or {}).get("token", ""))
    return f"link:{_hashed(token)}"


def failed(response: object) -> bool:
    """A log-in that did not succeed (success redirects)."""
    return getattr(response, "status_code", 0) != 302
