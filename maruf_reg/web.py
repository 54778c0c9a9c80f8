"""What every page shares: error pages (JSON under /api/), security headers, template helpers,
and the trusted proxies in front of the app (`PROXY_HOPS`)."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import get_timezone, gettext
from flask_wtf.csrf import CSRFError
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BuildError

from maruf_reg import dates
from maruf_reg.categories import category_label
from maruf_reg.countries import country_name
from maruf_reg.database import WriteLockTimeout, is_disconnect, is_disk_full, is_lock_timeout
from maruf_reg.forum import current_forum, is_staff_page, public_forum, refuse_changes_to_frozen
from maruf_reg.i18n import locale_code
from maruf_reg.names import display_name
from maruf_reg.text import content_language

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # Theme colours are set in style attributes; no inline script is allowed anywhere.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def wants_json() -> bool:
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def _error_message(error: HTTPException) -> str:
    messages = {
        400: gettext("The request could not be understood."),
        401: gettext("Please log in."),
        403: gettext("You may not open this page."),
        404: gettext("This page does not exist."),
        405: gettext("This action is not allowed here."),
        409: gettext("This edition is frozen: it can be read, not changed."),
        413: gettext("The upload is too large."),
        429: gettext("Too many requests. Please wait a minute and try again."),
    }
    return str(messages.get(error.code or 500, gettext("Something went wrong on our side.")))


log = logging.getLogger(__name__)
#: Pages that need neither a template nor the database: what a server in trouble can still send.
STATIC_PAGES = Path(__file__).resolve().parent.parent / "static" / "errors"
#: Seconds a client is asked to wait before it tries a refused write again.
RETRY_AFTER_SECONDS = 5


def _static_page(name: str, code: int) -> Response:
    pages: dict[str, bytes] = current_app.extensions["maruf_static_pages"]
    response = Response(pages[name], status=code, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def handle_http_error(error: HTTPException) -> Any:
    code = error.code or 500
    if isinstance(error, CSRFError):
        message = gettext("The form has expired or was sent from elsewhere. Please try again.")
    else:
        message = _error_message(error)
    if wants_json():
        body: dict[str, Any] = {"error": error.description if code == 400 else message}
        return jsonify(body), code
    try:
        return render_template("error.html", code=code, message=message), code
    except Exception:
        # The page itself needs the database (the forum's name): when that is what failed, a
        # page from disk rather than none.
        if code < 500:
            raise
        log.exception("the error page could not be rendered")
        return _static_page("error.html", code)


def unavailable(error: Exception) -> Any:
    """503 with Retry-After for a write that could not have the lock in time, a full disk, or a
    database server that went away under the request (the pool is renewed: the next try works);
    any other database or file error goes on to the 500 page."""
    if not (is_lock_timeout(error) or is_disk_full(error) or is_disconnect(error)):
        raise error
    if is_disk_full(error):
        log.critical("the disk is full: %s", type(error).__name__)
    elif is_disconnect(error):
        log.warning("the database connection was lost: %s", type(error).__name__)
    else:
        log.warning("a write gave up waiting for the database lock")
    if wants_json():
        response = jsonify({"error": "busy: try again in a few seconds"})
        response.status_code = 503
    else:
        response = _static_page("unavailable.html", 503)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


#: what every page carries unless its view set its own
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    # Personal links carry a secret in the path: never send it to another site.
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(self), microphone=(), geolocation=()"),
)
#: the JSON API's answers (OWASP's headers for a REST service): data, not a document, so nothing
#: may load in one or frame it; like staff pages, no browser or cache keeps one (`no-store`)
API_PATH = "/api/"
API_HEADERS = (
    ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
#: the languages and the staff's log-in change a page: caches keep one copy for each
VARY = ("Accept-Language", "Cookie")


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    # What the view set, read once: Werkzeug's `setdefault` and `vary.add` each walk the whole
    # list (and `vary.add` parses and writes the header again), a cost on every door scan.
    present = {name.lower() for name, _value in headers.items()}
    secure = request.is_secure or current_app.config["SESSION_COOKIE_SECURE"]
    api = request.path.startswith(API_PATH)
    added = API_HEADERS if api else SECURITY_HEADERS
    for name, value in (*added, HSTS) if secure else added:
        if name.lower() not in present:
            headers.add(name, value)
    # Staff pages and personal pages hold personal data: no browser (a shared door tablet) or
    # cache in between keeps a copy. A view's own "private, no-store" stays as it is.
    if "no-store" not in headers.get("Cache-Control", "") and (api or _private_page()):
        headers["Cache-Control"] = "no-store"
    if api:
        return response  # stored by no cache: no copy to keep per language or log-in
    if "vary" in present:
        response.vary.update(VARY)
    else:
        headers.add("Vary", ", ".join(VARY))
    return response


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, its signer made once for the app's keys: Flask makes a new
    one to open and to save each request's session (1.6 % of a door scan's instructions)."""

    def __init__(self) -> None:
        self._made: tuple[Any, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        made = self._made
        if made is None or made[0] != keys:
            # a signer holds its keys and settings only: shared by threads as it is
            made = self._made = (keys, super().get_signing_serializer(app))
        return made[1]


#: personal pages (the secret link and everything under it) and the staff's log-in and log-out
PRIVATE_PATHS = ("/r/", "/login", "/logout")


def _private_page() -> bool:
    """A staff page, a personal page, or any page a logged-in staff user sees (not static files)."""
    if request.endpoint == "static":
        return False
    if is_staff_page() or request.path.startswith(PRIVATE_PATHS):
        return True
    # Only a user this request has loaded already: no query here (the database may be down).
    user = g.get("_login_user")
    return bool(user is not None and user.is_authenticated)


@functools.cache
def _file_version(path: str, mtime_ns: int, size: int) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:12]


def static_version(endpoint: str, values: dict[str, Any]) -> None:
    """Static URLs carry their file's version (`?v=…`): nginx lets browsers keep a versioned file
    for a year, and a new release changes the URL (deploy/nginx/maruf-reg.conf)."""
    if endpoint != "static" or "v" in values or "filename" not in values:
        return
    folder = current_app.static_folder
    path = os.path.join(folder, values["filename"]) if folder else ""
    try:
        found = os.stat(path)
    except OSError:
        return
    values["v"] = _file_version(path, found.st_mtime_ns, found.st_size)


def has_endpoint(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def lang_url(lang: str) -> str:
    """This page in another language (the language switch)."""
    values: dict[str, Any] = {**request.args.to_dict(flat=True), **(request.view_args or {})}
    values["lang"] = lang
    if request.endpoint is None:
        return url_for("program.index", lang=lang)
    try:
        return url_for(request.endpoint, **values)
    except BuildError:
        return url_for("program.index", lang=lang)


def local_time(value: datetime | date | None, style: str = "datetime") -> str:
    """A UTC time shown in the forum's time zone (or a date), in the page's language, in one of
    the styles of `maruf_reg.dates` ("time", "date", "day", "datetime" …)."""
    if value is None:
        return ""
    return dates.format_moment(value, style, locale=locale_code(), zone=get_timezone())


def time_range(start: datetime, end: datetime) -> str:
    """ "09:00–10:30" at the forum."""
    return dates.time_range(start, end, locale=locale_code(), zone=get_timezone())


def session_when(start: datetime, end: datetime, year: bool = False) -> str:
    """ "Tuesday 1 October, 11:00–12:30" at the forum, in the page's language."""
    return dates.session_when(start, end, locale=locale_code(), zone=get_timezone(), year=year)


def date_range(first: date, last: date) -> str:
    """The forum's days as "1–3 October 2030" in the page's language."""
    return dates.date_range(first, last, locale=locale_code())


def local_day(value: datetime) -> date:
    """The forum's local date of a moment (for links to a day of the programme)."""
    return value.astimezone(get_timezone()).date()


def init_app(app: Flask) -> None:
    hops = int(app.config["PROXY_HOPS"])
    if hops > 0:
        # The last `hops` entries of X-Forwarded-For/-Proto/-Host are the trusted proxies' own:
        # what a client wrote there itself is ignored, and the client's address keys the limits.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    app.extensions["maruf_static_pages"] = {
        name: (STATIC_PAGES / name).read_bytes() for name in ("error.html", "unavailable.html")
    }
    # Also serves unexpected errors: Flask logs them and passes an InternalServerError here.
    app.register_error_handler(HTTPException, handle_http_error)
    for error in (WriteLockTimeout, OperationalError, OSError):
        app.register_error_handler(error, unavailable)
    app.after_request(set_security_headers)
    app.session_interface = SessionCookies()
    app.url_defaults(static_version)
    app.before_request(refuse_changes_to_frozen)
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["country_name"] = lambda code: country_name(code, locale_code())
    app.jinja_env.filters["category_name"] = category_label
    app.jinja_env.globals.update(
        has_endpoint=has_endpoint,
        lang_url=lang_url,
        locale=locale_code,
        time_range=time_range,
        session_when=session_when,
        date_range=date_range,
        local_day=local_day,
        display_name=display_name,
        staff_page=is_staff_page,
        public_forum=public_forum,
        content_language=content_language,
    )

    @app.context_processor
    def forum_context() -> dict[str, Any]:
        return {"forum": current_forum()}
