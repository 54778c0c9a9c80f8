"""Staff access: log-in, roles, API bearer tokens."""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, current_app, jsonify, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE
from werkzeug.wrappers import Response

from maruf_reg.extensions import csrf, db, login_manager
from maruf_reg.models import StaffUser


def bearer_token(req: Request) -> str | None:
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _load_user(user_id: str) -> Any:
    """The session's staff user, if the session is still theirs: made with the user's current
    session version (a log-out ends every copy of the cookie) and the user still active."""
    number, _, version = user_id.partition(":")
    if not (number.isascii() and number.isdigit() and version.isascii() and version.isdigit()):
        return None
    user = db.session.get(StaffUser, int(number))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


def _load_from_request(req: Request) -> Any:
    from maruf_reg.auth.services import principal_for_token

    token = bearer_token(req)
    return principal_for_token(token) if token else None


def _unauthorized() -> Response | tuple[Response, int]:
    if request.path.startswith("/api/") or bearer_token(request):
        return jsonify({"error": "authentication required"}), 401
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _check_credentials() -> tuple[Response, int] | None:
    """Before every view: a bearer token must be valid (401 if not); without one, writes need
    the form's CSRF token (views exempted with `csrf.exempt` check it themselves).

    A request authenticated by its bearer token carries no cookie a browser would add by itself,
    so there is no cross-site forgery to guard against.
    """
    from maruf_reg.auth.services import principal_for_token

    token = bearer_token(request)
    if token is not None:
        principal = principal_for_token(token)
        if principal is None:
            return jsonify({"error": "invalid or revoked token"}), 401
        if not _takes_tokens():
            return jsonify({"error": "this form needs a staff log-in, not a bearer token"}), 403
        if not _has_login_cookie():
            # What Flask-Login's request loader would make `current_user` (it tries the session
            # and the remember cookie first: none here), without its work at every request (the
            # session opened, session protection's hash, the token looked up again): 3 % of a
            # door scan's instructions.
            login_manager._update_request_context_with_user(principal)
        return None
    csrf.protect(apply_exemptions=True)
    return None


def _has_login_cookie() -> bool:
    """The request carries a session or remember-me cookie (Flask-Login reads a user there
    before it asks the request loader)."""
    config = current_app.config
    cookies = request.cookies
    return config["SESSION_COOKIE_NAME"] in cookies or (
        config.get("REMEMBER_COOKIE_NAME", REMEMBER_COOKIE) in cookies
    )


def _takes_tokens() -> bool:
    """Bearer tokens read any page their role may see and write through the JSON API; a form
    (a write outside /api/) acts as a staff user, unless its view says it takes tokens."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.path.startswith("/api/"):
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "takes_tokens", False))


def init_app(app: Flask) -> None:
    from maruf_reg.auth.views import bp

    # Flask-WTF's own hook would refuse token requests for lack of a CSRF token: ours decides.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.before_request(_check_credentials)

    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.request_loader(_load_from_request)
    login_manager.unauthorized_handler(_unauthorized)
    login_manager.login_message = _l("Please log in.")
    login_manager.session_protection = "basic"
    app.register_blueprint(bp)
