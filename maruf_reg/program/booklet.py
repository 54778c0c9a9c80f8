"""The programme booklet: a print-ready A5 PDF of the programme, day by day (time, room, session,
who speaks), with an index of speakers that gives each one's pages.

Drawn with WeasyPrint from `templates/program/booklet.html`, in the page's language (Turkish,
English or Arabic, right to left). The public copy is kept for `BOOKLET_SECONDS` (drawing the
demo's 40 sessions and 250 speakers takes about 4 s); organisers' copies are drawn afresh.
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass
from datetime import date

from flask import current_app, render_template

from maruf_reg.caching import AppCache
from maruf_reg.models import Forum, Session, SessionRole
from maruf_reg.program import directory, overview, timetable

_kept: AppCache[tuple[int, str], bytes] = AppCache("booklets", maxsize=16, ttl="BOOKLET_SECONDS")
#: one drawing at a time per process: a rush of visitors waits for it instead of each drawing
_drawing = threading.Lock()


@dataclass(frozen=True)
class BookletDay:
    day: date
    sessions: list[tuple[Session, list[SessionRole]]]


def _days(forum: Forum) -> list[BookletDay]:
    days = timetable.sessions_by_day(forum)
    roles = timetable.public_roles_by_session(forum, [s for _day, day in days for s in day])
    return [
        BookletDay(day, [(session, roles.get(session.id, [])) for session in sessions])
        for day, sessions in days
    ]


def booklet_html(forum: Forum, *, locale: str) -> str:
    """The booklet as HTML for WeasyPrint (the caller has set the page's language)."""
    logo, logo_type = overview.logo(forum)
    logo_uri = None
    if logo is not None and logo_type in ("image/png", "image/svg+xml"):
        logo_uri = f"data:{logo_type};base64,{base64.b64encode(logo).decode()}"
    return render_template(
        "program/booklet.html",
        forum=forum,
        days=_days(forum),
        # Sorted by family name in the reader's alphabet (`maruf_reg.names`).
        speakers=directory.speakers(forum, locale=locale),
        themes=timetable.themes(forum),
        logo_uri=logo_uri,
    )


def booklet_pdf(forum: Forum, *, locale: str, fresh: bool = False) -> bytes:
    """The booklet as PDF; a copy drawn less than `BOOKLET_SECONDS` ago unless `fresh`."""
    key = (forum.id, locale)
    if not fresh and (kept := _kept.get(key)) is not None:
        return kept
    with _drawing:
        if not fresh and (kept := _kept.get(key)) is not None:
            return kept  # drawn by another request while this one waited
        from weasyprint import HTML  # the PDF stack loads with the first booklet, not at start

        html = booklet_html(forum, locale=locale)
        pdf: bytes = HTML(string=html, base_url=current_app.root_path).write_pdf()
        _kept.set(key, pdf)
    return pdf
