"""Languages (Turkish and English) and the forum's time zone, through Flask-Babel.

The page language comes from, in order: `?lang=` in the URL (the switch; remembered in a cookie),
the cookie, the language a page chose for its reader (`g.person_locale`, e.g. the personal link
uses the person's language), the browser's Accept-Language, then Turkish.
Each capability keeps its own catalogue in `maruf_reg/<capability>/translations/`; Flask-Babel
merges them.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, current_app, g, has_request_context, request
from flask_babel import get_locale

from maruf_reg.extensions import babel
from maruf_reg.forum import current_forum

LANG_COOKIE = "lang"
PACKAGE = Path(__file__).resolve().parent
CATALOGUES = (
    "translations",
    *(
        f"{c}/translations"
        for c in ("auth", "program", "registration", "badges", "checkin", "reports")
    ),
)


def select_locale() -> str:
    languages: tuple[str, ...] = current_app.config["LANGUAGES"]
    if not has_request_context():
        return str(getattr(g, "person_locale", None) or current_app.config["BABEL_DEFAULT_LOCALE"])
    for choice in (
        request.args.get("lang"),
        request.cookies.get(LANG_COOKIE),
        getattr(g, "person_locale", None),
    ):
        if choice in languages:
            return str(choice)
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def select_timezone() -> str | None:
    forum = current_forum()
    return forum.timezone if forum else None


def locale_code() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def init_app(app: Flask) -> None:
    directories = [str(PACKAGE / c) for c in CATALOGUES if (PACKAGE / c).is_dir()]
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=";".join(directories),
    )

    @app.after_request
    def remember_language(response: Response) -> Response:
        lang = request.args.get("lang")
        if lang and lang in app.config["LANGUAGES"] and request.cookies.get(LANG_COOKIE) != lang:
            response.set_cookie(
                LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
            )
        return response
