"""The venue's room screen `/screen` (public, no names): sessions now and next per room with seats
left or ROOM FULL, and `/screen.json`, the same for the page's script to refresh itself.

Both are built from `room_screen.screen()` (kept a few seconds for many TVs) and laid out in the
page's language (`?lang=tr|en|ar`, Arabic right to left) and the forum's local time. Without
JavaScript the page reloads itself (`<noscript><meta http-equiv=refresh>`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from maruf_reg.checkin.room_screen import Screen, ScreenSession, screen
from maruf_reg.dates import format_moment, time_range
from maruf_reg.i18n import locale_code, text_direction
from maruf_reg.text import content_language

bp = Blueprint("screen", __name__)


def _session(item: ScreenSession | None, screen_: Screen, locale: str) -> dict[str, Any] | None:
    if item is None:
        return None
    zone = _zone(screen_)
    language = content_language(item, "title", locale)
    seats = item.seats_left
    if item.full:
        status = _("Room full")
    elif seats is not None:
        status = ngettext("%(num)d seat free", "%(num)d seats free", seats)
    else:
        status = ""
    return {
        "title": item.title(locale),
        "title_lang": language,
        "title_dir": text_direction(language),
        "time": time_range(item.starts_at, item.ends_at, locale=locale, zone=zone),
        # A next session on another day (late in the evening) says its day.
        "starts": format_moment(
            item.starts_at,
            "time" if _same_day(item.starts_at, screen_) else "weekday_time",
            locale=locale,
            zone=zone,
        ),
        "seats_left": seats,
        "full": item.full,
        "status": status,
    }


def _same_day(moment: datetime, screen_: Screen) -> bool:
    zone = _zone(screen_)
    return moment.astimezone(zone).date() == screen_.at.astimezone(zone).date()


def _zone(screen_: Screen) -> ZoneInfo:
    return ZoneInfo(screen_.timezone)


def _layout(screen_: Screen) -> dict[str, Any]:
    """The screen in the page's language: every text the page and its script show."""
    locale = locale_code()
    return {
        "lang": locale,
        "dir": text_direction(locale),
        "forum": screen_.forum_name(locale),
        "clock": format_moment(screen_.at, "time", locale=locale, zone=_zone(screen_)),
        "at": screen_.at.isoformat(),
        "labels": {
            "now": _("Now"),
            "next": _("Next"),
            "nothing_now": _("No session now"),
            "nothing_next": _("Nothing more today"),
            "empty": _("No more sessions today."),
        },
        "rooms": [
            {
                "name": room.name,
                "now": _session(room.now, screen_, locale),
                "next": _session(room.next, screen_, locale),
            }
            for room in screen_.rooms
        ],
    }


def _found() -> Screen:
    found = screen()
    if found is None:
        abort(404)
    return found


@bp.route("/screen")
def room_screen() -> Response:
    """The room screen for the venue's TVs (and phones): no names, refreshing itself."""
    layout = _layout(_found())
    refresh = int(current_app.config["SCREEN_REFRESH_SECONDS"])
    page = render_template(
        "checkin/screen.html",
        screen=layout,
        json_url=url_for("screen.room_screen_json", lang=layout["lang"]),
        refresh=refresh,
        # Without a script the page reloads itself, a little less often.
        reload=max(refresh * 3 // 2, 5),
    )
    return _public(Response(page, mimetype="text/html"))


def _public(response: Response) -> Response:
    response.cache_control.public = True
    response.cache_control.max_age = int(current_app.config["SCREEN_SECONDS"])
    return response


@bp.route("/screen.json")
def room_screen_json() -> Response:
    """The room screen's content for its script (the same texts, in the `?lang=` language)."""
    return _public(jsonify(_layout(_found())))
