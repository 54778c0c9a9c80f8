"""Staff access: log-in, roles, API bearer tokens."""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, jsonify, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from maruf_reg.extensions import db, login_manager
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


def init_app(app: Flask) -> None:
    from maruf_reg.auth.views import bp

    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.request_loader(_load_from_request)
    login_manager.unauthorized_handler(_unauthorized)
    login_manager.login_message = _l("Please log in.")
    login_manager.session_protection = "basic"
    app.register_blueprint(bp)
