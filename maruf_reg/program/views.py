"""Public pages of the programme: the front page, the timetable, sessions, themes, calendar files.

The organisers' pages are in `admin.py`, on the same blueprint.
"""

from __future__ import annotations

from typing import TypeVar

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from maruf_reg.extensions import db
from maruf_reg.forum import current_forum, forum_days
from maruf_reg.i18n import locale_code
from maruf_reg.models import Forum, Room, Session, Theme
from maruf_reg.program import booklet, directory, ics, overview, portraits, search, timetable
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
    """The forum's front page: name, dates, venue, description, logo, themes, key figures."""
    forum = current_forum()
    return render_template(
        "program/index.html",
        themes=timetable.themes(forum) if forum else [],
        days=forum_days(forum) if forum else [],
        figures=overview.key_figures(forum) if forum else None,
    )


@bp.route("/favicon.ico")
def favicon() -> BaseResponse:
    """Browsers ask for /favicon.ico on their own: the site icon."""
    return redirect(url_for("static", filename="icon.svg"), code=301)


@bp.route("/forum/logo")
def forum_logo() -> Response:
    """The forum's logo (PNG or SVG, uploaded by organisers in the badge settings)."""
    forum = forum_or_404()
    logo, kind = overview.logo(forum)
    if logo is None or kind not in ("image/png", "image/svg+xml"):
        abort(404)
    response = Response(logo, mimetype=kind)
    # An SVG opened on its own is a document: nothing in it may run or load.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/program", endpoint="timetable")
def timetable_page() -> str:
    """The timetable: each day a grid of rooms and times; `?theme=slug` shows one theme,
    `?q=` searches titles, themes and speakers (a plain form: no JavaScript needed)."""
    forum = forum_or_404()
    theme = None
    if slug := request.args.get("theme"):
        theme = timetable.theme_by_slug(forum, slug) or abort(404)
    query = request.args.get("q", "").strip()[: search.QUERY_MAX]
    grids = [] if query else timetable.day_grids(forum, theme=theme)
    found = search.search_sessions(forum, query) if query else []
    shown = [c.session for g in grids for slot in g.slots for c in slot.cells]
    shown += [s for _day, day in found for s in day]
    return render_template(
        "program/timetable.html",
        days=grids,
        found=found,
        found_count=sum(len(day) for _day, day in found),
        query=query,
        people=timetable.public_roles_by_session(forum, shown),
        themes=timetable.themes(forum),
        theme=theme,
    )


@bp.route("/speakers", endpoint="speakers")
def speakers_page() -> str:
    """Everyone who speaks, moderates or chairs: search by name or organisation, or by theme."""
    forum = forum_or_404()
    theme = None
    if slug := request.args.get("theme"):
        theme = timetable.theme_by_slug(forum, slug) or abort(404)
    query = request.args.get("q", "").strip()[: search.QUERY_MAX]
    found = directory.speakers(forum, locale=locale_code(), query=query, theme=theme)
    return render_template(
        "program/speakers.html",
        speakers=found,
        query=query,
        theme=theme,
        themes=timetable.themes(forum),
    )


@bp.route("/speakers/<int:person_id>")
def speaker(person_id: int) -> str:
    """A speaker: portrait, position, organisation, biography and their sessions."""
    forum = forum_or_404()
    found = directory.speaker(forum, person_id) or abort(404)
    return render_template("program/speaker.html", speaker=found, role_groups=ROLE_GROUPS)


@bp.route("/speakers/<int:person_id>/portrait.jpg")
def portrait(person_id: int) -> Response:
    """A public speaker's portrait (a small JPEG made from the checked upload), else 404."""
    forum = forum_or_404()
    person = directory.portrait_holder(forum, person_id)
    if person is None or not person.photo:
        abort(404)
    etag = portraits.portrait_etag(person.photo)
    if request.if_none_match.contains(etag):
        return Response(status=304)
    response = Response(portraits.portrait_jpeg(person.photo), mimetype="image/jpeg")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, max-age=600"
    response.headers["Content-Disposition"] = f'inline; filename="portrait-{person_id}.jpg"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def booklet_response(forum: Forum, *, fresh: bool) -> Response:
    """The booklet PDF as a download named after the forum and the language."""
    locale = locale_code()
    pdf = booklet.booklet_pdf(forum, locale=locale, fresh=fresh)
    response = Response(pdf, mimetype="application/pdf")
    name = f"{forum.slug}-programme-{locale}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@bp.route("/program/booklet.pdf", endpoint="booklet")
def booklet_download() -> Response:
    """The printable programme (A5 PDF) in the page's language; kept a few minutes."""
    return booklet_response(forum_or_404(), fresh=False)


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
