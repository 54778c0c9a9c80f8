"""Messages to the people over real SMTP on loopback: who gets them, in which language, what is
skipped and counted; the organisers' pages; consent; the personal page and personal data."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from maruf_reg import personal_data
from maruf_reg.extensions import db
from maruf_reg.messages import dispatch, merge, recipients, recovery, sending, services
from maruf_reg.models import (
    AuditLog,
    CheckInPoint,
    DeliveryStatus,
    Message,
    MessageDelivery,
    MessageKind,
    MessageState,
    Outcome,
    Person,
    PointKind,
    Registration,
    Scan,
    Session,
    utcnow,
)
from tests.conftest import Mailbox, csrf_from, free_port

TEXTS = {
    "subject_tr": "Salon değişti: {name}",
    "body_tr": "Sayın {name},\nOturumlarınız:\n{sessions}\nBağlantınız: {link}",
    "subject_en": "The room changed: {name}",
    "body_en": "Dear {name},\nYour sessions:\n{sessions}\nYour link: {link}",
    "subject_ar": "تغيرت القاعة: {name}",
    "body_ar": "عزيزي {name}،\nجلساتك:\n{sessions}",
}


@pytest.fixture
def mail_ctx(mail_app):
    with mail_app.app_context():
        yield mail_app


def draft(crowd, kind=MessageKind.SERVICE, texts=TEXTS, **chosen) -> int:
    return services.save_draft(
        crowd.forum_id,
        None,
        services.Draft(kind=kind, texts=dict(texts), chosen=recipients.Filter(**chosen), rate=0),
        staff_user_id=None,
    )


def by_recipient(messages):
    return {m["To"]: m for m in messages}


def test_a_message_to_one_sessions_booked_people_reaches_exactly_them_in_their_language(
    mail_ctx, people, mailbox
):
    message_id = draft(people, session_id=people.session.id, people="booked")
    assert dispatch.start(message_id, staff_user_id=None) == 3
    received = by_recipient(mailbox.wait_for(3))
    assert set(received) == {"ayse@example.org", "john@example.org", "layla@example.org"}
    assert received["ayse@example.org"]["Subject"] == "Salon değişti: Ayşe Öztürk"
    assert received["john@example.org"]["Subject"] == "The room changed: John Smith"
    assert received["layla@example.org"]["Subject"].startswith("تغيرت القاعة")
    turkish = received["ayse@example.org"].get_content()
    assert "Kentte Göç" in turkish and "/r/" in turkish
    assert "Migration in the City" in received["john@example.org"].get_content()
    # An Arabic mail's session line takes the Arabic comma, as its date does ("الأحد، 6 ...").
    arabic_line = next(
        line for line in received["layla@example.org"].get_content().splitlines()
        if line.startswith("- ")
    )  # fmt: skip
    assert "، " in arabic_line and ", " not in arabic_line, arabic_line
    message = db.session.get(Message, message_id)
    assert message.state == MessageState.DONE
    assert message.skipped_no_email == 1  # the walk-in at the desk
    assert sending.progress(message_id) == sending.Progress(sent=3)
    rows = db.session.scalars(select(MessageDelivery).order_by(MessageDelivery.id)).all()
    assert all(r.sent_at and r.subject for r in rows)
    [sent] = db.session.scalars(select(AuditLog).where(AuditLog.action == "message.send")).all()
    assert sent.details["recipients"] == 3 and sent.details["skipped_no_email"] == 1


def test_an_announcement_skips_people_without_the_consent(mail_ctx, people, mailbox):
    message_id = draft(people, kind=MessageKind.ANNOUNCEMENT)
    count = services.count(db.session.get(Message, message_id))
    assert (count.matched, count.no_email, count.no_consent, count.recipients) == (6, 1, 3, 2)
    dispatch.start(message_id, staff_user_id=None)
    received = by_recipient(mailbox.wait_for(2))
    assert set(received) == {"ayse@example.org", "layla@example.org"}
    assert "kabul ettiğiniz" in received["ayse@example.org"].get_content()  # the footer, in Turkish
    assert db.session.get(Message, message_id).skipped_no_consent == 3


def test_filters_waitlisted_speakers_country_language_badge_and_attendance(ctx, people):
    def who(**chosen):
        query = recipients.recipients(
            people.forum_id, recipients.Filter(**chosen), MessageKind.SERVICE
        )
        return {email for _id, email in db.session.execute(query)}

    assert who(session_id=people.session.id, people="waitlisted") == {"mehmet@example.org"}
    assert who(session_id=people.other.id) == {"zeynep@example.org"}
    assert who(country="GB") == {"john@example.org"}
    assert who(language="ar") == {"layla@example.org"}
    assert who(badge="printed") == set()
    point = CheckInPoint(
        forum_id=people.forum_id,
        name="Salon A",
        kind=PointKind.SESSION,
        session_id=people.session.id,
    )
    db.session.add(point)
    db.session.flush()
    db.session.add(
        Scan(
            point_id=point.id,
            registration_id=people.john.id,
            outcome=Outcome.ADMITTED,
            uuid="11111111-1111-4111-8111-111111111111",
            scanned_at=people.session.starts_at + timedelta(minutes=5),
        )
    )
    db.session.commit()
    assert who(session_id=people.session.id, attendance="attended") == {"john@example.org"}
    # As in the reports: nobody is a no-show of a session that has not started (it is in 2030).
    assert who(session_id=people.session.id, attendance="no_show") == set()
    starts = utcnow() - timedelta(hours=3)
    db.session.execute(
        update(Session)
        .where(Session.id == people.session.id)
        .values(starts_at=starts, ends_at=starts + timedelta(hours=1))
    )
    db.session.execute(
        update(Scan)
        .where(Scan.point_id == point.id)
        .values(scanned_at=starts + timedelta(minutes=5))
    )
    db.session.commit()
    assert who(session_id=people.session.id, attendance="attended") == {"john@example.org"}
    assert who(session_id=people.session.id, attendance="no_show") == {
        "ayse@example.org",
        "layla@example.org",
    }


def test_stopping_leaves_the_rest_queued_and_going_on_sends_it(
    mail_ctx, people, mailbox, monkeypatch
):
    message_id = draft(people)
    monkeypatch.setattr(sending, "_queue_task", lambda message_id: None)  # the worker is away
    dispatch.start(message_id, staff_user_id=None)
    dispatch.stop(message_id, staff_user_id=None)
    sending.send_batch(message_id)
    assert mailbox.messages == []
    assert sending.progress(message_id).queued == 5
    monkeypatch.undo()
    dispatch.resume(message_id, staff_user_id=None)
    assert len(mailbox.wait_for(5)) == 5
    assert db.session.get(Message, message_id).state == MessageState.DONE


def test_a_row_left_sending_by_a_lost_worker_is_failed_not_sent_again(
    mail_ctx, people, mailbox, monkeypatch
):
    message_id = draft(people)
    monkeypatch.setattr(sending, "_queue_task", lambda message_id: None)
    dispatch.start(message_id, staff_user_id=None)
    first = db.session.scalar(select(func.min(MessageDelivery.id)))
    db.session.execute(
        MessageDelivery.__table__.update()
        .where(MessageDelivery.id == first)
        .values(status="sending", worker="elsewhere:1", claimed_at=utcnow() - timedelta(hours=1))
    )
    db.session.execute(Message.__table__.update().values(heartbeat_at=None))
    db.session.commit()
    monkeypatch.undo()
    assert recovery.recover() == [message_id]
    mailbox.wait_for(4)
    lost = db.session.get(MessageDelivery, first)
    assert lost.status == DeliveryStatus.FAILED and lost.error == sending.LOST
    assert len(mailbox.messages) == 4
    assert db.session.get(Message, message_id).state == MessageState.DONE


def test_erasure_removes_what_was_written_and_keeps_the_counts(mail_ctx, people, mailbox):
    message_id = draft(people, session_id=people.session.id, people="booked")
    dispatch.start(message_id, staff_user_id=None)
    mailbox.wait_for(3)
    copy = personal_data.copy_of(people.ayse.id)
    [got] = copy["messages"]
    assert got["subject"] == "Salon değişti: Ayşe Öztürk" and got["status"] == "sent"
    assert copy["registration"]["consent_announcements_at"] is not None
    personal_data.erase_person(people.ayse.id)
    row = db.session.scalar(
        select(MessageDelivery).where(MessageDelivery.registration_id == people.ayse.id)
    )
    assert row.email is None and row.subject == "" and row.status == DeliveryStatus.SENT
    assert sending.progress(message_id).sent == 3


# --- the pages -----------------------------------------------------------------------------------


def form_data(**overrides):
    return {
        "kind": "service",
        **TEXTS,
        "rate": "0",
        "category": "",
        "status": "",
        "theme": "",
        "session": "",
        "people": "",
        "attendance": "",
        "badge": "",
        "country": "",
        "language": "",
        **overrides,
    }


def test_an_unknown_merge_field_is_a_form_error(client, login, people):
    login()
    client.get("/?lang=en")
    page = client.get("/admin/messages/new")
    assert page.status_code == 200
    response = client.post(
        "/admin/messages/new",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            **form_data(body_en="Dear {nme}"),
        },
    )
    assert response.status_code == 200
    assert "Unknown merge field {nme}" in response.get_data(as_text=True)
    with client.application.app_context():
        assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_compose_count_sample_test_send_and_progress(client, login, people, app):
    staff = login()
    client.get("/?lang=en")
    page = client.get(f"/admin/messages/new?session_id={people.session.id}")
    html = page.get_data(as_text=True)
    assert "Kentte Göç" in html  # prefilled for the session's people
    response = client.post(
        "/admin/messages/new",
        data={
            "csrf_token": csrf_from(html),
            **form_data(session=str(people.session.id), people="booked"),
        },
    )
    assert response.status_code == 302
    view = client.get(response.headers["Location"])
    body = view.get_data(as_text=True)
    assert "3 people will get this message" in body
    assert "Salon değişti: Ayşe Öztürk" in body  # the first recipient's own sample
    message_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    token = csrf_from(body)
    test = client.post(f"/admin/messages/{message_id}/test", data={"csrf_token": token, "n": "1"})
    assert test.status_code == 302
    [eml] = (Path(app.instance_path) / "outbox").iterdir()
    assert staff.email in eml.read_text(encoding="utf-8", errors="replace")
    client.post(f"/admin/messages/{message_id}/send", data={"csrf_token": token})
    state = client.get(f"/admin/messages/{message_id}/progress.json").get_json()
    assert state == {"state": "done", "sent": 3, "failed": 0, "queued": 0, "total": 3}
    again = client.post(f"/admin/messages/{message_id}/send", data={"csrf_token": token})
    assert again.status_code == 302  # refused with a message, nothing sent twice
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MessageDelivery)) == 3


def test_consent_on_sign_up_is_unchecked_and_the_personal_page_changes_it(client, people, app):
    client.get("/?lang=en")
    from tests.registration.conftest import signup_fields

    form = client.get("/register").get_data(as_text=True)
    [box] = re.findall(r'<input[^>]*name="consent_announcements"[^>]*>', form)
    assert 'type="checkbox"' in box and "checked" not in box
    for email, consent in (
        ("with@example.org", {"consent_announcements": "y"}),
        ("without@example.org", {}),
    ):
        page = client.get("/register").get_data(as_text=True)
        fields = {"csrf_token": csrf_from(page), **signup_fields(email=email), **consent}
        assert client.post("/register", data=fields).status_code == 302
    with app.app_context():
        given = dict(
            db.session.execute(
                select(Person.email, Registration.consent_announcements_at).join(
                    Registration.person
                )
            ).all()
        )
    assert given["with@example.org"] is not None and given["without@example.org"] is None
    with app.app_context():
        token = db.session.get(Registration, people.john.id).manage_token
    edit = client.get(f"/r/{token}/edit").get_data(as_text=True)
    fields = {
        k: v
        for k, v in signup_fields(given_name="John", family_name="Smith", language="en").items()
        if k not in ("email", "sessions", "category", "consent_data")
    }
    client.post(
        f"/r/{token}/edit",
        data={"csrf_token": csrf_from(edit), **fields, "consent_announcements": "y"},
    )
    with app.app_context():
        assert db.session.get(Registration, people.john.id).consent_announcements_at is not None
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Consent to announcements" in page


def test_the_personal_page_lists_the_messages_received(mail_app, people, mailbox):
    with mail_app.app_context():
        message_id = draft(people, session_id=people.session.id, people="booked")
        dispatch.start(message_id, staff_user_id=None)
        token = db.session.get(Registration, people.john.id).manage_token
    mailbox.wait_for(3)
    page = mail_app.test_client().get(f"/r/{token}").get_data(as_text=True)
    assert "Messages from the organisers" in page
    assert "The room changed: John Smith" in page
    data = mail_app.test_client().get(f"/r/{token}/data?lang=en").get_data(as_text=True)
    assert "Messages from the organisers" in data and "The room changed: John Smith" in data


def test_a_session_moved_to_another_time_gets_a_prefilled_draft_for_its_people(ctx, people):
    from maruf_reg.program import sessions as programme

    session = db.session.get(Session, people.session.id)
    moved = programme.SessionFields(
        kind=session.kind,
        title_tr=session.title_tr,
        title_en=session.title_en,
        starts_at=session.starts_at + timedelta(hours=2),
        ends_at=session.ends_at + timedelta(hours=2),
        capacity=session.capacity,
    )
    programme.update_session(session.id, moved, staff_user_id=None)
    [message] = db.session.scalars(select(Message)).all()
    assert message.state == MessageState.DRAFT and message.kind == MessageKind.SERVICE
    assert "Kentte Göç" in message.subject_tr and "Migration in the City" in message.subject_en
    assert "13:00" in message.body_tr  # the new time, in Istanbul
    count = services.count(message)
    assert (count.matched, count.no_email) == (5, 1)  # booked and waitlisted, the walk-in skipped
    renamed = programme.SessionFields(**{**moved.__dict__, "title_en": "Migration"})
    programme.update_session(session.id, renamed, staff_user_id=None)
    assert db.session.scalar(select(func.count()).select_from(Message)) == 1  # a title: no draft


@pytest.mark.parametrize(
    "text", ["{nme}", "{0}", "{name.__class__}", "{name!r}", "{name:>99}", "{name", "}"]
)
def test_merge_fields_refuse_anything_but_the_known_ones(text):
    with pytest.raises(merge.MergeError):
        merge.check(text, "body_en")


def test_merge_fields_fill_only_known_values_and_keep_escaped_braces():
    merge.check("{{literal}} {name} {link}", "body_en")
    assert (
        merge.fill("{{x}} {name}: {sessions}", {"name": "Ayşe", "sessions": "-"}) == "{x} Ayşe: -"
    )


def test_the_organiser_stops_a_message_and_goes_on_from_its_page(
    client, login, people, app, monkeypatch
):
    login()
    client.get("/?lang=en")
    with app.app_context():
        message_id = draft(people)
    page = client.get(f"/admin/messages/{message_id}").get_data(as_text=True)
    token = csrf_from(page)
    monkeypatch.setattr(sending, "_queue_task", lambda message_id: None)  # the worker is away
    client.post(f"/admin/messages/{message_id}/send", data={"csrf_token": token})
    state = client.get(f"/admin/messages/{message_id}/progress.json").get_json()
    assert state == {"state": "sending", "sent": 0, "failed": 0, "queued": 5, "total": 5}
    assert "Stop sending" in client.get(f"/admin/messages/{message_id}").get_data(as_text=True)
    client.post(f"/admin/messages/{message_id}/stop", data={"csrf_token": token})
    stopped = client.get(f"/admin/messages/{message_id}").get_data(as_text=True)
    assert "Go on sending" in stopped
    monkeypatch.undo()
    client.post(f"/admin/messages/{message_id}/resume", data={"csrf_token": token})
    state = client.get(f"/admin/messages/{message_id}/progress.json").get_json()
    assert state == {"state": "done", "sent": 5, "failed": 0, "queued": 0, "total": 5}
    with app.app_context():
        actions = db.session.scalars(
            select(AuditLog.action).where(AuditLog.object_type == "message").order_by(AuditLog.id)
        ).all()
    assert actions == [
        "message.save",
        "message.send",
        "message.stop",
        "message.resume",
        "message.done",
    ]


class Refusing(Mailbox):
    """An SMTP server that refuses one recipient, as a real one refuses an unknown mailbox."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("john@"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_recipient_the_server_refuses_is_failed_with_its_answer(make_app, people):
    from aiosmtpd.controller import Controller

    mailbox = Refusing()
    port = free_port()
    server = Controller(mailbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        with app.app_context():
            message_id = draft(people, session_id=people.session.id, people="booked")
            dispatch.start(message_id, staff_user_id=None)
            assert {str(m["To"]) for m in mailbox.wait_for(2)} == {
                "ayse@example.org",
                "layla@example.org",
            }
            [refused] = services.failures(message_id)
            assert refused.email == "john@example.org"
            assert "refused by the mail server" in refused.error and "550" in refused.error
            assert sending.progress(message_id) == sending.Progress(sent=2, failed=1)
            assert db.session.get(Message, message_id).state == MessageState.DONE
    finally:
        server.stop()
