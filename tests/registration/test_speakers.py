"""Speaker invitations: invite → complete the profile → pending → approved → on the session page."""

from __future__ import annotations

import io
import re
import urllib.parse

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import undefer

from maruf_reg.models import (
    AuditLog,
    Category,
    Person,
    Registration,
    RegistrationStatus,
    SessionRole,
    SpeakerInvitation,
)
from maruf_reg.registration import speakers
from tests.conftest import csrf_from
from tests.registration.conftest import rows, text_of


def log_in(client, staff):
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login",
        data={"csrf_token": csrf_from(page), "email": staff.email, "password": staff.password},
    )
    assert response.status_code == 302


def image_bytes(kind: str = "PNG", size=(600, 800), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 60) if mode == "RGB" else (200, 30, 60, 128)).save(out, kind)
    return out.getvalue()


def invite(client, session_id, email, **fields):
    page = client.get("/admin/speakers/invitations").get_data(as_text=True)
    return client.post(
        "/admin/speakers/invitations",
        data={
            "csrf_token": csrf_from(page),
            "session": session_id,
            "role": "speaker",
            "email": email,
            "given_name": "",
            "family_name": "",
            "language": "en",
            **fields,
        },
    )


def profile_fields(**overrides):
    return {
        "given_name": "Leyla",
        "family_name": "Şahin",
        "organisation": "Boğaziçi Üniversitesi",
        "position": "Doçent",
        "country": "TR",
        "phone": "",
        "language": "tr",
        "bio_tr": "Kentsel dönüşüm üzerine çalışıyor.",
        "bio_en": "Works on urban renewal.",
        "consent_data": "y",
        **overrides,
    }


def complete_profile(client, path, photo: bytes | None = None, filename="me.png", **fields):
    page = client.get(path)
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), **profile_fields(**fields)}
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), filename)
    return client.post(path, data=data, content_type="multipart/form-data")


def session_page_shows(app, client, session_id, name) -> bool:
    """The public session page when the programme capability has it; else the rule it follows."""
    if "program.session" in app.view_functions:
        return name in client.get(f"/sessions/{session_id}").get_data(as_text=True)
    with app.app_context():
        return any(p.name == name for _role, p in speakers.confirmed_speakers(session_id))


def test_invitation_profile_approval_and_the_session_page(mail_app, mailbox, make_staff, programme):
    organiser = mail_app.test_client()
    log_in(organiser, make_staff("admin"))
    response = invite(
        organiser,
        programme.morning.id,
        "Leyla.Sahin@Example.org",
        given_name="Leyla",
        family_name="Şahin",
    )
    assert response.status_code == 302
    [invitation_mail] = mailbox.wait_for(1)
    assert invitation_mail["To"] == "leyla.sahin@example.org"
    assert invitation_mail["Subject"] == "Invitation to Marmara Urban Forum"
    assert "Migration in the City" in text_of(invitation_mail)
    link = re.search(
        r"http://localhost(/speakers/register\?token=[\w-]+)", text_of(invitation_mail)
    )
    assert link

    speaker = mail_app.test_client()
    form = speaker.get(link.group(1)).get_data(as_text=True)
    assert 'value="Leyla"' in form and "leyla.sahin@example.org" in form
    response = complete_profile(speaker, link.group(1), photo=image_bytes("PNG", mode="RGBA"))
    assert response.status_code == 302
    done = speaker.get(response.headers["Location"]).get_data(as_text=True)
    assert "Profiliniz bize ulaştı" in done

    [registration] = rows(mail_app, select(Registration))
    assert (registration.category, registration.status, registration.source) == (
        Category.SPEAKER,
        RegistrationStatus.PENDING,
        "invitation",
    )
    # The photo is loaded only when asked for (lists of speakers need its type alone).
    [person] = rows(mail_app, select(Person).options(undefer(Person.photo)))
    assert person.bio_en == "Works on urban renewal." and person.photo_type == "image/jpeg"
    with Image.open(io.BytesIO(person.photo)) as stored:
        assert stored.format == "JPEG" and max(stored.size) <= speakers.PHOTO_MAX_SIDE
    [role] = rows(mail_app, select(SessionRole))
    assert (role.session_id, role.person_id) == (programme.morning.id, person.id)
    welcome = mailbox.wait_for(2)[1]
    assert "kaydınızı aldık" in welcome["Subject"]  # pending, in her language
    assert not session_page_shows(mail_app, speaker, programme.morning.id, "Leyla Şahin")

    # The organiser approves her from the list of pending registrations.
    listing = organiser.get("/admin/registrations?status=pending").get_data(as_text=True)
    assert "Leyla Şahin" in listing
    detail = organiser.get(f"/admin/registrations/{registration.id}").get_data(as_text=True)
    response = organiser.post(
        f"/admin/registrations/{registration.id}/approve",
        data={"csrf_token": csrf_from(detail)},
    )
    assert response.status_code == 302
    [approved] = rows(mail_app, select(Registration))
    assert approved.status == RegistrationStatus.CONFIRMED and approved.confirmed_at
    approval_mail = mailbox.wait_for(3)[2]
    assert approval_mail["Subject"] == "Marmara Kentsel Forumu kaydınız onaylandı"
    assert session_page_shows(mail_app, speaker, programme.morning.id, "Leyla Şahin")
    actions = [e.action for e in rows(mail_app, select(AuditLog).order_by(AuditLog.id))]
    assert actions == ["invitation.create", "invitation.accept", "registration.approve"]

    # The link now only says the profile was received.
    again = speaker.get(link.group(1)).get_data(as_text=True)
    assert "Profiliniz bize ulaştı" in again and "<form" not in again.split("<main")[1]


def test_a_participant_who_is_invited_is_merged_not_duplicated(
    app, client, login, make_registration, make_person, programme
):
    person = make_person(email="merve@example.org", given_name="Merve")
    participant = make_registration(programme.forum, person)
    login("admin")
    assert invite(client, programme.afternoon.id, "MERVE@example.org").status_code == 302
    [invitation] = rows(app, select(SpeakerInvitation))
    path = f"/speakers/register?token={invitation.token}"
    assert complete_profile(client, path, given_name="Merve").status_code == 302
    assert len(rows(app, select(Person))) == 1
    [registration] = rows(app, select(Registration))
    assert registration.id == participant.id
    assert (registration.category, registration.status) == (
        Category.SPEAKER,
        RegistrationStatus.PENDING,
    )
    assert registration.manage_token == participant.manage_token  # her personal link still works


@pytest.mark.parametrize(
    ("upload", "filename"),
    [
        (b"this is not a picture at all", "photo.jpg"),
        (image_bytes("GIF"), "photo.gif"),
        (image_bytes("PNG")[:200], "broken.png"),
        (b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024), "huge.jpg"),
    ],
)
def test_bad_photos_are_refused_with_a_field_error(app, client, login, programme, upload, filename):
    login("admin")
    invite(client, programme.morning.id, "photo@example.org")
    [invitation] = rows(app, select(SpeakerInvitation))
    path = f"/speakers/register?token={invitation.token}"
    response = complete_profile(client, path, photo=upload, filename=filename, language="en")
    assert response.status_code == 200
    assert "JPEG ya da PNG" in response.get_data(as_text=True) or "JPEG or PNG" in (
        response.get_data(as_text=True)
    )
    assert rows(app, select(Registration)) == []


def test_unknown_invitations_are_404(client):
    assert client.get("/speakers/register").status_code == 404
    assert client.get("/speakers/register?token=" + "x" * 43).status_code == 404
    token = urllib.parse.quote("<script>")
    assert client.get(f"/speakers/register?token={token}").status_code == 404


def test_only_organisers_invite(client, login, programme):
    login("desk")
    assert client.get("/admin/speakers/invitations").status_code == 403


def test_a_rejected_speaker_is_not_put_back_in_the_queue_by_an_older_invitation(
    app, client, login, make_staff, programme
):
    from maruf_reg.registration import lifecycle

    login("admin")
    assert invite(client, programme.morning.id, "deniz@example.org").status_code == 302
    assert invite(client, programme.afternoon.id, "deniz@example.org").status_code == 302
    first, second = sorted(rows(app, select(SpeakerInvitation)), key=lambda i: i.id)
    path = f"/speakers/register?token={first.token}"
    assert complete_profile(client, path, given_name="Deniz").status_code == 302
    [registration] = rows(app, select(Registration))
    with app.app_context():
        lifecycle.reject(registration.id, staff_user_id=make_staff("admin").id)
    path = f"/speakers/register?token={second.token}"
    assert complete_profile(client, path, given_name="Deniz").status_code == 302
    [registration] = rows(app, select(Registration))
    assert registration.status == RegistrationStatus.CANCELLED
