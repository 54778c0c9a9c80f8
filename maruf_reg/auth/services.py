"""Staff users, passwords and API tokens."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from typing import NoReturn

from flask import current_app
from sqlalchemy import select, update
from werkzeug.exceptions import Forbidden
from werkzeug.security import check_password_hash, generate_password_hash

from maruf_reg import audit, text
from maruf_reg.caching import AppCache
from maruf_reg.database import end_reading
from maruf_reg.errors import RuleError
from maruf_reg.extensions import db
from maruf_reg.models import ApiToken, Role, StaffUser, utcnow

PASSWORD_MIN = 10


class AuthError(RuleError):
    """A staff user or token could not be created or changed; the message says why."""


@dataclass(frozen=True)
class TokenPrincipal:
    """Who is behind a bearer token, as Flask-Login's current_user."""

    token_id: int
    role: Role
    name: str
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        return f"token:{self.token_id}"

    @property
    def id(self) -> NoReturn:
        """A token is no staff user: a page that needs one refuses it (403), never a crash."""
        raise Forbidden("this page needs a staff log-in, not a bearer token")

    def has_role(self, *roles: Role | str) -> bool:
        return self.role == Role.ADMIN or self.role in roles


def normalise_email(email: str) -> str:
    try:
        return text.normalise_email(email)
    except text.InvalidEmail as error:
        raise AuthError(str(error)) from error


def _hash_password(password: str) -> str:
    """A scrypt hash (0.2 s): made before the write lock is taken, never under it."""
    end_reading()
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@functools.cache
def _dummy_hash(method: str) -> str:
    """Checked against when the e-mail is unknown: a wrong address costs as long as a wrong password."""
    return generate_password_hash(secrets.token_hex(16), method=method)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    email: str, *, role: Role, password: str | None = None, name: str = ""
) -> tuple[StaffUser, str]:
    """Create a staff user; with no password given, generate one. Returns the user and the password."""
    address = normalise_email(email)
    password = password or secrets.token_urlsafe(12)
    if len(password) < PASSWORD_MIN:
        raise AuthError(f"the password must have at least {PASSWORD_MIN} characters")
    password_hash = _hash_password(password)
    if db.session.scalar(select(StaffUser.id).where(StaffUser.email == address)):
        raise AuthError(f"a staff user with the e-mail {address} exists already")
    user = StaffUser(email=address, name=name, role=role, password_hash=password_hash)
    db.session.add(user)
    db.session.commit()
    return user, password


def set_password(user: StaffUser, password: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise AuthError(f"the password must have at least {PASSWORD_MIN} characters")
    user.password_hash = _hash_password(password)
    db.session.commit()


def authenticate(email: str, password: str) -> StaffUser | None:
    """The active staff user with this e-mail and password, or None."""
    user: StaffUser | None = db.session.scalar(
        select(StaffUser).where(StaffUser.email == email.strip().lower())
    )
    # The check costs as long as a hash: not under the write lock (a POST's first query took it).
    stored = user.password_hash if user is not None else None
    active = user.active if user is not None else False
    end_reading()
    if stored is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return None
    if not check_password_hash(stored, password) or not active:
        return None
    assert user is not None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def end_sessions(user: StaffUser) -> None:
    """Log the user out everywhere: every session cookie made before stops working."""
    db.session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id)
        .values(session_version=StaffUser.session_version + 1)
    )
    db.session.commit()
    db.session.refresh(user)


def create_token(
    *, role: Role, name: str = "", created_by: StaffUser | None = None
) -> tuple[ApiToken, str]:
    """Create an API token (256 bits); only its hash is kept. Returns the row and the token."""
    token = secrets.token_urlsafe(32)
    row = ApiToken(
        name=name,
        role=role,
        token_hash=hash_token(token),
        created_by_id=created_by.id if created_by else None,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "api_token.create",
        obj=row,
        staff_user_id=created_by.id if created_by else None,
        actor="staff" if created_by else "system",
        details={"name": name, "role": role.value},
    )
    db.session.commit()
    return row, token


def revoke_token(token: ApiToken, *, staff_user_id: int | None = None) -> None:
    """Revoke a token: at once in this process, within TOKEN_CACHE_SECONDS in the others."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            "api_token.revoke",
            obj=token,
            staff_user_id=staff_user_id,
            actor="staff" if staff_user_id else "system",
            details={"name": token.name, "role": token.role.value},
        )
        db.session.commit()
    _principals.clear()


# Scanner devices send a token with every scan: known tokens are remembered for a few seconds, so
# a scan costs no query for it. A revocation clears this process's memory at once; other app
# processes forget within TOKEN_CACHE_SECONDS.
TOKEN_CACHE_SECONDS = 10
_principals: AppCache[str, TokenPrincipal] = AppCache(
    "tokens", maxsize=4096, ttl=TOKEN_CACHE_SECONDS
)


def principal_for_token(token: str) -> TokenPrincipal | None:
    """Who a bearer token stands for, or None if it is unknown or revoked.

    The token is hashed before the lookup, so the comparison in the index leaks nothing of it.
    """
    digest = hash_token(token)
    known = _principals.get(digest)
    if known is not None:
        return known
    principal = _lookup_principal(digest)
    if principal is not None:
        _principals.set(digest, principal)
    return principal


def _lookup_principal(digest: str) -> TokenPrincipal | None:
    row = db.session.execute(
        select(ApiToken.id, ApiToken.role, ApiToken.name, ApiToken.revoked_at).where(
            ApiToken.token_hash == digest
        )
    ).first()
    if row is None or row.revoked_at is not None:
        return None
    return TokenPrincipal(token_id=row.id, role=Role(row.role), name=row.name)
