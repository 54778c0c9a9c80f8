"""A real `flask worker` killed with SIGKILL in the middle of sending a message, then started
again: everyone gets the message at most once, and everyone whose row says sent got it."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from sqlalchemy import select

from maruf_reg.extensions import db
from maruf_reg.messages import dispatch, recipients, sending, services
from maruf_reg.models import DeliveryStatus, Message, MessageDelivery, MessageKind, MessageState
from tests.conftest import forum_time
from tests.messages.conftest import seat
from tests.test_crash_safety import BIN, kill, process, server_env

pytestmark = pytest.mark.slow

TEXTS = {"subject_tr": "Salon değişti", "body_tr": "Sayın {name}", "subject_en": "Room changed",
         "body_en": "Dear {name}"}  # fmt: skip
PEOPLE = 40


def test_a_worker_killed_mid_send_and_started_again_sends_no_one_a_second_copy(
    make_app, smtp_server, forum, make_session, make_registration, make_person
):
    host, port, mailbox = smtp_server
    queueing = make_app(HUEY_IMMEDIATE=False, MAIL_SERVER=host, MAIL_PORT=port)
    session = make_session(forum, starts_at=forum_time(0, 11), capacity=100)
    for n in range(PEOPLE):
        person = make_person(email=f"kisi{n}@example.org", language="en" if n % 2 else "tr")
        seat(queueing, make_registration(forum, person=person), session)
    with queueing.app_context():
        message_id = services.save_draft(
            forum.id,
            None,
            services.Draft(
                kind=MessageKind.SERVICE,
                texts=TEXTS,
                chosen=recipients.Filter(session_id=session.id, people="booked"),
                rate=1200,  # 20 a second: the kill lands in the middle
            ),
            staff_user_id=None,
        )
        assert dispatch.start(message_id, staff_user_id=None) == PEOPLE  # into the SQLite queue

    def rows() -> list[MessageDelivery]:
        with queueing.app_context():
            found = list(db.session.scalars(select(MessageDelivery).order_by(MessageDelivery.id)))
            db.session.expunge_all()
            return found

    env = {**server_env(queueing), "MARUF_MAIL_SERVER": host, "MARUF_MAIL_PORT": str(port)}
    command = [str(BIN / "flask"), "--app", "maruf_reg", "worker", "--workers", "1",
               "--queues", "mail"]  # fmt: skip
    with process(command, env) as worker:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            sent = sum(r.status == DeliveryStatus.SENT for r in rows())
            if sent >= 8:
                break
            time.sleep(0.02)
        else:
            raise AssertionError("the worker never got under way")
        kill(worker)
    before = rows()
    assert any(r.status == DeliveryStatus.QUEUED for r in before), "it ended before the kill"

    with process(command, env):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with queueing.app_context():
                state = db.session.scalar(select(Message.state).where(Message.id == message_id))
            if state == MessageState.DONE:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the restarted worker did not finish the message")
        time.sleep(0.3)  # nothing more arrives

    after = rows()
    received = Counter(str(m["To"]) for m in mailbox.messages)
    assert max(received.values()) == 1, "somebody got the message twice"
    sent = {r.email for r in after if r.status == DeliveryStatus.SENT}
    failed = [r for r in after if r.status == DeliveryStatus.FAILED]
    assert all(r.error == sending.LOST for r in failed)
    # Exactly the row the dead worker had claimed (if the kill fell inside the window between
    # the send and its commit) is failed; nothing else.
    assert {r.id for r in failed} == {r.id for r in before if r.status == DeliveryStatus.SENDING}
    assert len(failed) <= 1
    assert sent <= set(received)  # every row marked sent was received
    assert len(sent) + len(failed) == PEOPLE
    assert set(received) - sent <= {r.email for r in failed}
