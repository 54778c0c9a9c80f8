"""Searching the programme: sessions whose title (in either language), theme or public speakers
hold every word of the query, accent- and case-insensitively ("goc" finds "Göç").

The programme is a few dozen to a few hundred sessions: they are read once and searched in Python.
A plain GET form on the timetable asks, so the search works without JavaScript.
"""

from __future__ import annotations

from datetime import date

from maruf_reg.models import Forum, Session
from maruf_reg.people_search import query_words
from maruf_reg.program.timetable import public_roles_by_session, sessions_by_day
from maruf_reg.text import search_key

#: a query longer than this is cut (a search box, not a document)
QUERY_MAX = 200


def _haystack(session: Session, speakers: list[str]) -> str:
    theme = session.theme
    parts = [session.title_tr, session.title_en, session.kind.value]
    if theme is not None:
        parts += [theme.name_tr, theme.name_en, theme.slug]
    return search_key(" ".join([*parts, *speakers]))


def search_sessions(forum: Forum, query: str) -> list[tuple[date, list[Session]]]:
    """The sessions matching every word of `query`, grouped by day; nothing for an empty query."""
    words = query_words(query[:QUERY_MAX])
    if not words:
        return []
    days = sessions_by_day(forum)
    roles = public_roles_by_session(forum, [s for _day, day in days for s in day])
    found = []
    for day, sessions in days:
        matching = []
        for session in sessions:
            text = _haystack(session, [r.person.name for r in roles.get(session.id, [])])
            if all(word in text for word in words):
                matching.append(session)
        if matching:
            found.append((day, matching))
    return found
