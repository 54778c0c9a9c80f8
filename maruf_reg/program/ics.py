"""iCalendar (RFC 5545) files of the programme, written by hand: the subset we need is small.

Lines end in CRLF and are folded at 75 octets (never inside a UTF-8 character); TEXT values
escape backslash, semicolon, comma and newlines; times are UTC with a trailing Z. Each session's
UID is made of its id and the forum's slug, so it stays the same however often the file is made
and a calendar updates the event instead of adding a second one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from maruf_reg.models import Forum, Session, SessionRole
from maruf_reg.program.labels import role_label

PRODID = "-//MARUF-Reg//Programme//EN"
LINE_OCTETS = 75


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


def text(value: str) -> str:
    """Escape a TEXT value (RFC 5545, 3.3.11)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets, continued with CRLF and a space."""
    if len(line.encode()) <= LINE_OCTETS:
        return line
    pieces: list[str] = []
    current: list[str] = []
    size, limit = 0, LINE_OCTETS
    for char in line:
        octets = len(char.encode())
        if size + octets > limit:
            pieces.append("".join(current))
            # Continuation lines start with a space, which counts towards their 75 octets.
            current, size, limit = [], 0, LINE_OCTETS - 1
        current.append(char)
        size += octets
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def calendar(events: Iterable[Event], *, name: str = "", stamp: datetime | None = None) -> str:
    """A VCALENDAR holding one VEVENT per event."""
    stamp = stamp or datetime.now(UTC)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    if name:
        lines.append(f"X-WR-CALNAME:{text(name)}")
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{utc(stamp)}",
            f"DTSTART:{utc(event.starts_at)}",
            f"DTEND:{utc(event.ends_at)}",
            f"SUMMARY:{text(event.summary)}",
        ]
        if event.description:
            lines.append(f"DESCRIPTION:{text(event.description)}")
        if event.location:
            lines.append(f"LOCATION:{text(event.location)}")
        if event.categories:
            lines.append("CATEGORIES:" + ",".join(text(c) for c in event.categories))
        if event.url:
            lines.append(f"URL:{event.url}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def session_event(
    forum: Forum, session: Session, roles: Iterable[SessionRole], *, locale: str, url: str
) -> Event:
    """A session as a calendar event: title, who speaks, room and venue, theme, link."""
    people = "\n".join(
        f"{role_label(role.role)}: {role.person.name}"
        + (f" ({role.person.organisation})" if role.person.organisation else "")
        for role in roles
    )
    room = session.room.name if session.room else ""
    return Event(
        uid=f"session-{session.id}.{forum.slug}@maruf-reg",
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        summary=session.title(locale),
        description="\n\n".join(part for part in (session.description(locale), people) if part),
        location=", ".join(part for part in (room, forum.venue, forum.city) if part),
        url=url,
        categories=[session.theme.name(locale)] if session.theme else [],
    )
