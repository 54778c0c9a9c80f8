"""Public pages of the programme: the front page, the timetable, sessions, themes, calendar files.

The organisers' pages are in `admin.py`, on the same blueprint.
"""

from __future__ import annotations

from typing import TypeVar

from flask import Blueprint, Response, abort, render_template, request, url_for

from maruf_reg.extensions import db
from maruf_reg.forum import current_forum, forum_days
from maruf_reg.i18n import locale_code
from maruf_reg.models import Forum, Room, Session, Theme
from maruf_reg.program import ics, timetable
from maruf_reg.program.labels import ROLE_GROUPS, kind_label, role_label

ModelT = TypeVar("ModelT", Room, Session, Theme)

bp = Blueprint("program", __name__, cli_group=None)
bp.add_app_template_filter(kind_label, "session_kind")
bp.add_app_template_filter(role_label, "role_label")


def forum_or_404() -> Forum:
    """The forum the pages serve; 404 while there is none."""
    forum = current_forum()
    if forum is None:
        abort(404)
    return forum


def own_or_404(model: type[ModelT], row_id: int, forum: Forum) -> ModelT:
    """A row of this forum (a theme, room or session), or 404."""
    row = db.get_or_404(model, row_id)
    if row.forum_id != forum.id:
        abort(404)
    return row


def _calendar(body: str, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/")
def index() -> str:
    """The forum's front page: name, dates, venue, themes and links."""
    forum = current_forum()
    return render_template(
        "program/index.html",
        themes=timetable.themes(forum) if forum else [],
        days=forum_days(forum) if forum else [],
    )


@bp.route("/program", endpoint="timetable")
def timetable_page() -> str:
    """The timetable: each day a grid of rooms and times; `?theme=slug` shows one theme."""
    forum = forum_or_404()
    theme = None
    if slug := request.args.get("theme"):
        theme = timetable.theme_by_slug(forum, slug) or abort(404)
    return render_template(
        "program/timetable.html",
        days=timetable.day_grids(forum, theme=theme),
        themes=timetable.themes(forum),
        theme=theme,
    )


@bp.route("/program.ics")
def timetable_ics() -> Response:
    """The whole programme as an iCalendar file."""
    forum = forum_or_404()
    locale = locale_code()
    sessions = [s for _day, day in timetable.sessions_by_day(forum) for s in day]
    roles = timetable.public_roles_by_session(forum, sessions)
    events = [
        ics.session_event(
            forum,
            session,
            roles=roles.get(session.id, []),
            locale=locale,
            url=url_for("program.session", session_id=session.id, _external=True),
        )
        for session in sessions
    ]
    return _calendar(ics.calendar(events, name=forum.name(locale)), f"{forum.slug}.ics")


@bp.route("/sessions/<int:session_id>")
def session(session_id: int) -> str:
    """A session: when, where, what, and who speaks, moderates or chairs."""
    forum = forum_or_404()
    found = own_or_404(Session, session_id, forum)
    return render_template(
        "program/session.html",
        session=found,
        roles=timetable.public_roles(found),
        role_groups=ROLE_GROUPS,
        seats_left=timetable.seats_left(found),
    )


@bp.route("/sessions/<int:session_id>.ics")
def session_ics(session_id: int) -> Response:
    """One session as an iCalendar file."""
    forum = forum_or_404()
    found = own_or_404(Session, session_id, forum)
    event = ics.session_event(
        forum,
        found,
        roles=timetable.public_roles(found),
        locale=locale_code(),
        url=url_for("program.session", session_id=found.id, _external=True),
    )
    return _calendar(ics.calendar([event]), f"{forum.slug}-session-{found.id}.ics")


@bp.route("/themes/<slug>")
def theme(slug: str) -> str:
    """A theme and its sessions."""
    forum = forum_or_404()
    found = timetable.theme_by_slug(forum, slug) or abort(404)
    return render_template(
        "program/theme.html",
        theme=found,
        days=timetable.sessions_by_day(forum, theme=found),
    )
