"""The one iCalendar (RFC 5545) writer: the programme's files and a person's own calendar.

Written with the `icalendar` library (escaping, folding at 75 octets, CRLF). A session's UID is
`session_uid`: the same in every file that holds the session — the whole programme, one session,
a person's programme from their personal link — so a calendar that subscribed to two of them
updates one event instead of showing the session twice. Times are UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import current_app

from maruf_reg.models import Forum, Session, SessionRole
from maruf_reg.program.labels import role_label

PRODID = "-//MARUF-Reg//Programme//EN"


@dataclass(frozen=True)
class Event:
    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str = ""
    location: str = ""
    url: str = ""
    categories: list[str] = field(default_factory=list)


def session_uid(forum: Forum, session: Session) -> str:
    """The session's UID in every calendar file: stable, and unique to this site."""
    host = urlsplit(str(current_app.config["BASE_URL"])).hostname or "maruf-reg.invalid"
    return f"session-{session.id}.{forum.slug}@{host}"


def session_event(
    forum: Forum,
    session: Session,
    *,
    locale: str,
    url: str = "",
    roles: Iterable[SessionRole] = (),
    note: str = "",
) -> Event:
    """A session as a calendar event: title, the reader's part (`note`), who speaks, room and
    venue, theme, link."""
    people = "\n".join(
        f"{role_label(role.role)}: {role.person.name}"
        + (f" ({role.person.organisation})" if role.person.organisation else "")
        for role in roles
    )
    room = session.room.name if session.room else ""
    parts = (note, session.description(locale), people)
    return Event(
        uid=session_uid(forum, session),
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        summary=session.title(locale),
        description="\n\n".join(part for part in parts if part),
        location=", ".join(part for part in (room, forum.venue, forum.city) if part),
        url=url,
        categories=[session.theme.name(locale)] if session.theme else [],
    )


def calendar(events: Iterable[Event], *, name: str = "", stamp: datetime | None = None) -> str:
    """A VCALENDAR holding one VEVENT per event."""
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC)
    import icalendar  # with the first calendar asked for, not in every web worker's start

    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
    for event in events:
        item = icalendar.Event()
        item.add("uid", event.uid)
        item.add("dtstamp", stamp)
        item.add("dtstart", event.starts_at.astimezone(UTC))
        item.add("dtend", event.ends_at.astimezone(UTC))
        item.add("summary", event.summary)
        if event.description:
            item.add("description", event.description)
        if event.location:
            item.add("location", event.location)
        if event.categories:
            item.add("categories", event.categories)
        if event.url:
            item.add("url", event.url)
        cal.add_component(item)
    body: bytes = cal.to_ical()
    return body.decode("utf-8")
