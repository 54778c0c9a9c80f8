"""Staff access: log-in, roles, API bearer tokens."""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, jsonify, redirect, request, url_for
from flask_babel import lazy_gettext as _l
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
    if not user_id.isdigit():
        return None
    return db.session.get(StaffUser, int(user_id))


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
        if principal_for_token(token) is None:
            return jsonify({"error": "invalid or revoked token"}), 401
        return None
    csrf.protect(apply_exemptions=True)
    return None


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
