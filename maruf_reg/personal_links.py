"""Personal links: the secret in `/r/<token>` that lets a person read and change their registration.

One generator for every link token (sign-up, import, speakers, invitations, demo) and one look-up,
used by the personal page, the personal badge and the certificate. A token is 256 random bits,
URL-safe (43 characters); it is found by its unique index, never compared in Python.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from sqlalchemy import select

from maruf_reg.extensions import db
from maruf_reg.models import Registration

#: what a link token may look like; anything else is refused before a database look-up
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_token() -> str:
    """An unguessable token for a link: 256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def registration_by_token(token: str, *options: Any) -> Registration | None:
    """The registration behind a personal link (loaded with the given options), or None."""
    if not TOKEN_RE.match(token or ""):
        return None
    query = select(Registration).where(Registration.manage_token == token)
    return db.session.scalar(query.options(*options) if options else query)
