"""The calendar files, read back as a calendar program would (RFC 5545)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from maruf_reg.extensions import db
from maruf_reg.models import Category, RegistrationStatus, RoleKind, SessionRole
from maruf_reg.program import ics
from tests.conftest import csrf_from, forum_time

TRICKY = 'Kentler, göç; ve "uyum" \\ yeni\nsatır'


def physical_lines(body: bytes) -> list[bytes]:
    assert body.endswith(b"\r\n")
    lines = body[:-2].split(b"\r\n")
    for line in lines:
        assert b"\n" not in line and b"\r" not in line, line  # CRLF only, never a bare LF
        assert len(line) <= 75, (len(line), line)
        line.decode("utf-8")  # folding never splits a character
    return lines


def unfold(body: bytes) -> list[str]:
    text = body.decode("utf-8").replace("\r\n ", "")
    return text.split("\r\n")[:-1]


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def properties(lines: list[str], name: str) -> list[str]:
    return [line.split(":", 1)[1] for line in lines if line.split(":", 1)[0].split(";")[0] == name]


def events(lines: list[str]) -> list[list[str]]:
    found, current = [], None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = []
        elif line == "END:VEVENT":
            found.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return found


def test_a_session_calendar_reads_back(
    app, client, programme, make_session, make_person, make_registration
):
    session = make_session(
        programme.forum,
        room=programme.workshop_room,
        theme=programme.theme,
        starts_at=forum_time(1, 14),
        title_en=TRICKY,
        description_en="Uzun bir açıklama: " + "ğüşiöç İstanbul " * 20,
    )
    speaker = make_person(
        given_name="محمد", family_name="الخطيب", organisation="Ville de Strasbourg"
    )
    hidden = make_person(given_name="Not", family_name="Approved")
    with app.app_context():
        make_registration(programme.forum, speaker, category=Category.SPEAKER)
        make_registration(
            programme.forum, hidden, category=Category.SPEAKER, status=RegistrationStatus.PENDING
        )
        db.session.add_all(
            [
                SessionRole(session_id=session.id, person_id=p.id, role=RoleKind.SPEAKER)
                for p in (speaker, hidden)
            ]
        )
        db.session.commit()
    response = client.get(f"/sessions/{session.id}.ics", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert response.mimetype == "text/calendar" and response.mimetype_params["charset"] == "utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    physical_lines(response.data)
    lines = unfold(response.data)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    (event,) = events(lines)
    assert unescape(properties(event, "SUMMARY")[0]) == TRICKY
    assert properties(event, "DTSTART") == ["20301002T110000Z"]  # 14:00 in Istanbul
    assert properties(event, "DTEND") == ["20301002T123000Z"]
    assert re.fullmatch(r"\d{8}T\d{6}Z", properties(event, "DTSTAMP")[0])
    description = unescape(properties(event, "DESCRIPTION")[0])
    assert description.startswith("Uzun bir açıklama: ğüşiöç")
    assert "Speaker: محمد الخطيب (Ville de Strasbourg)" in description
    assert "Approved" not in description
    assert unescape(properties(event, "LOCATION")[0]) == "Atölye 1, Haliç Kongre Merkezi, İstanbul"
    assert properties(event, "CATEGORIES") == ["Migration and Social Cohesion"]
    assert properties(event, "URL") == [f"http://localhost/sessions/{session.id}"]
    assert "\\;" in properties(event, "SUMMARY")[0] and "\\," in properties(event, "SUMMARY")[0]
    # The same UID every time: a calendar updates the event instead of adding another.
    again = events(unfold(client.get(f"/sessions/{session.id}.ics").data))[0]
    assert properties(again, "UID") == properties(event, "UID")


def test_the_programme_calendar_has_one_event_per_session(client, programme, make_session):
    for hour in (9, 14, 16):
        make_session(
            programme.forum,
            room=programme.workshop_room,
            starts_at=forum_time(2, hour),
            title_tr=f"Oturum {hour}",
            title_en=f"Session {hour}",
        )
    response = client.get("/program.ics", headers={"Accept-Language": "tr"})
    assert response.status_code == 200
    physical_lines(response.data)
    lines = unfold(response.data)
    found = events(lines)
    assert len(found) == 4 == lines.count("BEGIN:VEVENT")
    uids = [properties(e, "UID")[0] for e in found]
    assert len(set(uids)) == 4
    assert unescape(properties(lines, "X-WR-CALNAME")[0]) == "Marmara Kentsel Forumu"
    assert "Oturum 9" in [unescape(properties(e, "SUMMARY")[0]) for e in found]


def test_folding_counts_octets_not_characters():
    event = ics.Event(
        uid="u1",
        starts_at=datetime(2030, 10, 1, 8, tzinfo=UTC),
        ends_at=datetime(2030, 10, 1, 9, tzinfo=UTC),
        summary="ş" * 100 + "x" * 100,
    )
    body = ics.calendar([event], stamp=datetime(2030, 1, 1, tzinfo=UTC)).encode()
    folded = physical_lines(body)
    assert max(len(line) for line in folded) in (74, 75)
    assert unescape(properties(unfold(body), "SUMMARY")[0]) == "ş" * 100 + "x" * 100
    assert b"DTSTAMP:20300101T000000Z\r\n" in body


def test_a_session_has_the_same_uid_in_the_programme_and_in_a_personal_calendar(
    client, programme, make_registration
):
    """A person who subscribes to both files sees each session once: the UIDs agree."""
    registration = make_registration(programme.forum)
    path = f"/r/{registration.manage_token}"
    page = client.get(path + "/sessions").get_data(as_text=True)
    client.post(
        path + "/sessions",
        data={"csrf_token": csrf_from(page), "sessions": [programme.panel.id]},
    )
    personal = events(unfold(client.get(path + "/programme.ics").data))
    (mine,) = personal
    everything = events(unfold(client.get("/program.ics").data))
    single = events(unfold(client.get(f"/sessions/{programme.panel.id}.ics").data))
    uid = properties(mine, "UID")[0]
    assert uid == properties(single[0], "UID")[0]
    assert uid in [properties(event, "UID")[0] for event in everything]
    assert uid.startswith(f"session-{programme.panel.id}.")
    assert properties(mine, "DESCRIPTION")[0].startswith("Yeriniz ayrıldı.")  # "You have a seat."
