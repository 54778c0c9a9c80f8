"""The demo forum's programme: themes, rooms, about 40 sessions over three days, speakers' parts."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

from maruf_reg import demo_data
from maruf_reg.models import (
    Forum,
    RoleKind,
    Room,
    Session,
    SessionKind,
    Theme,
)


def local(forum: Forum, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, clock(hour, minute), tzinfo=ZoneInfo(forum.timezone)).astimezone(
        UTC
    )


def demo_programme(forum: Forum, themes: list[Theme], rooms: dict[str, Room]) -> list[Session]:
    """About 40 sessions over three days: plenaries, parallel panels, workshops, a screening,
    an interview and a photograph exhibition."""
    days = [forum.starts_on + timedelta(days=n) for n in range(3)]
    panel_rooms = ["Salon A", "Salon B", "Salon C"]
    workshop_rooms = ["Atölye 1", "Atölye 2"]
    slots = [(11, 0, 12, 30), (14, 0, 15, 30), (16, 0, 17, 30)]
    sessions: list[Session] = []
    theme_index = 0

    def add(
        kind: SessionKind,
        room: str,
        day: date,
        start: tuple[int, int],
        end: tuple[int, int],
        title: tuple[str, str],
        theme: Theme | None,
        needs_booking: bool = True,
    ) -> None:
        sessions.append(
            Session(
                forum=forum,
                theme=theme,
                room=rooms[room],
                kind=kind,
                title_tr=title[0],
                title_en=title[1],
                description_tr=demo_data.DESCRIPTION_TR,
                description_en=demo_data.DESCRIPTION_EN,
                starts_at=local(forum, day, *start),
                ends_at=local(forum, day, *end),
                capacity=rooms[room].capacity,
                needs_booking=needs_booking,
            )
        )

    add(
        SessionKind.PLENARY,
        "Haliç Salonu",
        days[0],
        (9, 30),
        (10, 30),
        ("Açılış Oturumu: Marmara'nın Kentleri", "Opening Plenary: The Cities of Marmara"),
        None,
        False,
    )
    for day_number, day in enumerate(days):
        add(
            SessionKind.EXHIBITION,
            "Fuaye",
            day,
            (9, 0),
            (19, 0),
            ("Fotoğraf Sergisi: Kentin Hafızası", "Photograph Exhibition: The Memory of the City"),
            themes[8],
            False,
        )
        for slot_number, (h1, m1, h2, m2) in enumerate(slots):
            for room in panel_rooms:
                theme = themes[theme_index % len(themes)]
                pattern = demo_data.PANEL_TITLES[theme_index % len(demo_data.PANEL_TITLES)]
                theme_index += 1
                add(
                    SessionKind.PANEL,
                    room,
                    day,
                    (h1, m1),
                    (h2, m2),
                    (pattern[0].format(tr=theme.name_tr), pattern[1].format(en=theme.name_en)),
                    theme,
                )
            if (day_number + slot_number) % 2 == 0:
                theme = themes[(theme_index + 5) % len(themes)]
                pattern = demo_data.WORKSHOP_TITLES[slot_number % 2]
                add(
                    SessionKind.WORKSHOP,
                    workshop_rooms[slot_number % 2],
                    day,
                    (h1, m1),
                    (h2, m2),
                    (pattern[0].format(tr=theme.name_tr), pattern[1].format(en=theme.name_en)),
                    theme,
                )
    add(
        SessionKind.SCREENING,
        "Sinema Salonu",
        days[1],
        (18, 0),
        (19, 45),
        ("Film Gösterimi: Göçün Kenti", "Film Screening: City of Migration"),
        themes[0],
    )
    add(
        SessionKind.INTERVIEW,
        "Sinema Salonu",
        days[1],
        (19, 45),
        (20, 30),
        ("Söyleşi: Yönetmenle Göç Üzerine", "Interview: The Director on Migration"),
        themes[0],
    )
    add(
        SessionKind.PLENARY,
        "Haliç Salonu",
        days[2],
        (17, 45),
        (18, 45),
        ("Kapanış Oturumu: MARUF Bildirgesi", "Closing Plenary: The MARUF Declaration"),
        None,
        False,
    )
    return sessions


def demo_speaker_roles(
    sessions: list[Session], speaker_ids: list[int], rng: random.Random
) -> list[dict[str, Any]]:
    """Three or four speakers and a moderator for panels; fewer elsewhere; nobody in two places at once."""
    busy: dict[int, list[Session]] = {}
    roles: list[dict[str, Any]] = []
    cursor = 0
    for session in sessions:
        if session.kind == SessionKind.EXHIBITION:
            continue
        wanted = {
            SessionKind.PANEL: [RoleKind.MODERATOR] + [RoleKind.SPEAKER] * rng.choice([3, 4]),
            SessionKind.PLENARY: [RoleKind.CHAIR] + [RoleKind.SPEAKER] * 4,
            SessionKind.WORKSHOP: [RoleKind.MODERATOR, RoleKind.SPEAKER, RoleKind.SPEAKER],
        }.get(session.kind, [RoleKind.MODERATOR, RoleKind.SPEAKER])
        taken: set[int] = set()
        for position, role in enumerate(wanted):
            for _attempt in range(len(speaker_ids)):
                person_id = speaker_ids[cursor % len(speaker_ids)]
                cursor += 1
                if person_id in taken or any(session.overlaps(s) for s in busy.get(person_id, [])):
                    continue
                taken.add(person_id)
                busy.setdefault(person_id, []).append(session)
                roles.append(
                    {
                        "session_id": session.id,
                        "person_id": person_id,
                        "role": role,
                        "position": position,
                    }
                )
                break
    return roles
