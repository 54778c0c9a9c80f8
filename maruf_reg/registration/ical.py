"""A person's programme as an iCalendar file (RFC 5545) for their phone's or laptop's calendar."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from maruf_reg.models import Forum, Session

PRODID = "-//MARUF-Reg//Programme//EN"


@dataclass(frozen=True)
class Event:
    session: Session
    #: what the person does there: "Booked seat", "Waitlist", "Speaker" (in their language)
    note: str


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """Split lines longer than 75 octets, never inside a UTF-8 character (RFC 5545 §3.1)."""
    out: list[str] = []
    current = ""
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(forum: Forum, events: Iterable[Event], *, locale: str, host: str) -> str:
    """The calendar text: one event per session, times in UTC."""
    now = datetime.now(UTC)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(forum.name(locale))}",
    ]
    for event in events:
        session = event.session
        location = ", ".join(
            part
            for part in (session.room.name if session.room else "", forum.venue, forum.city)
            if part
        )
        description = "\n\n".join(
            part for part in (event.note, session.description(locale)) if part
        )
        lines += [
            "BEGIN:VEVENT",
            f"UID:session-{session.id}-{forum.slug}@{host}",
            f"DTSTAMP:{_stamp(now)}",
            f"DTSTART:{_stamp(session.starts_at)}",
            f"DTEND:{_stamp(session.ends_at)}",
            f"SUMMARY:{_escape(session.title(locale))}",
            f"LOCATION:{_escape(location)}",
            f"DESCRIPTION:{_escape(description)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
