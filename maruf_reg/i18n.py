"""Languages (Turkish, English and Arabic) and the forum's time zone, through Flask-Babel.

The page language comes from, in order: `?lang=` in the URL (the switch; remembered in a cookie),
the cookie, the language a page chose for its reader (`g.person_locale`, e.g. the personal link
uses the person's language), the browser's Accept-Language, then Turkish.
Each capability keeps its own catalogue in `maruf_reg/<capability>/translations/`; Flask-Babel
merges them.

Arabic pages are written right to left (`<html lang="ar" dir="rtl">`; the stylesheets use logical
properties, so the layout mirrors). Content (titles, descriptions, biographies) exists in Turkish
and English only: an Arabic page shows the English text, marked with its language (`content`).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, current_app, g, has_request_context, request
from flask_babel import get_locale
from markupsafe import Markup, escape

from maruf_reg.extensions import babel
from maruf_reg.forum import current_forum
from maruf_reg.text import content_language, localized

LANG_COOKIE = "lang"
PACKAGE = Path(__file__).resolve().parent
CATALOGUES = (
    "translations",
    *(
        f"{c}/translations"
        for c in ("auth", "program", "registration", "badges", "checkin", "reports", "messages")
    ),
)

#: Each interface language in its own name, in the order the switch and the forms offer them.
LANGUAGE_NAMES = {"tr": "Türkçe", "en": "English", "ar": "العربية"}
#: Languages written right to left.
RTL_LANGUAGES = frozenset({"ar"})


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


def text_direction(locale: str | None = None) -> str:
    """ "rtl" for a language written right to left, else "ltr" (for `dir` attributes)."""
    return "rtl" if (locale or locale_code()) in RTL_LANGUAGES else "ltr"


def list_separator() -> str:
    """Between the items of a list in the page's language: ", ", or the Arabic comma "، "."""
    return "، " if locale_code() == "ar" else ", "


def direction_mark() -> str:
    """The page direction's mark (LRM or RLM): after a name in another script, it keeps what
    follows (a page number, a comma) on the page's side where `<bdi>` is not supported (PDFs)."""
    return "\u200f" if text_direction() == "rtl" else "\u200e"


def content_attributes(obj: object, field: str) -> Markup:
    """` lang="en" dir="ltr"` for an element whose content field (`title`, `name` …) is shown in
    another language than the page's (an Arabic page shows English titles); empty otherwise."""
    page = locale_code()
    language = content_language(obj, field, page)
    if language == page:
        return Markup("")
    return Markup(' lang="%s" dir="%s"') % (language, text_direction(language))


def content(obj: object, field: str) -> Markup:
    """A content field in the page's language (`text.localized`); text from another language is
    isolated and marked with its language, so that it reads rightly inside a page of the other
    direction: `<bdi lang="en">Urban Resilience</bdi>` in an Arabic page."""
    text = localized(obj, field, locale_code())
    attributes = content_attributes(obj, field)
    if not attributes or not text:
        return escape(text)
    return Markup("<bdi%s>%s</bdi>") % (attributes, text)


def language_choices() -> list[tuple[str, str]]:
    """(code, name) of the interface languages this app offers."""
    languages: tuple[str, ...] = current_app.config["LANGUAGES"]
    return [(code, name) for code, name in LANGUAGE_NAMES.items() if code in languages]


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
        if not request.query_string:
            return response  # no ?lang= (a door scan): its query is not parsed at all
        lang = request.args.get("lang")
        if lang and lang in app.config["LANGUAGES"] and request.cookies.get(LANG_COOKIE) != lang:
            response.set_cookie(
                LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
            )
        return response

    # Globals, not a context processor: macros imported from other templates see them too.
    app.jinja_env.globals.update(
        text_direction=text_direction,
        direction_mark=direction_mark,
        list_separator=list_separator,
        content=content,
        content_attributes=content_attributes,
        language_choices=language_choices,
        language_names=LANGUAGE_NAMES,
    )
