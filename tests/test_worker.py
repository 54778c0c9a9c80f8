"""The background worker: jobs queued by the app are run by `flask worker`'s consumer."""

from __future__ import annotations

import os
import secrets

import pytest

from maruf_reg import mail
from maruf_reg.extensions import huey


def _deliver_through_a_consumer(app, mailbox):
    with app.app_context():
        mail.queue(mail.build_message(to="ali@example.org", subject="Kuyruk", text="Merhaba"))
    assert mailbox.messages == []  # queued, not sent inline
    assert len(huey) == 1
    consumer = huey.create_consumer(workers=1, worker_type="thread", periodic=False)
    consumer.start()
    try:
        received = mailbox.wait_for(1, timeout=15)
    finally:
        consumer.stop(graceful=True)
    assert received[0]["Subject"] == "Kuyruk"
    assert len(huey) == 0


def test_jobs_queue_in_sqlite_and_the_worker_sends_them(make_app, smtp_server, mailbox):
    host, port, _ = smtp_server
    app = make_app(HUEY_IMMEDIATE=False, MAIL_SERVER=host, MAIL_PORT=port)
    _deliver_through_a_consumer(app, mailbox)
    assert os.path.exists(os.path.join(app.instance_path, "huey.sqlite3"))


def test_jobs_queue_in_redis_when_configured(make_app, smtp_server, mailbox):
    redis_url = os.environ.get("MARUF_REDIS_URL")
    if not redis_url:
        pytest.skip("MARUF_REDIS_URL is not set: no Redis to queue in")
    host, port, _ = smtp_server
    name = f"maruf-test-{secrets.token_hex(4)}"
    app = make_app(
        HUEY_IMMEDIATE=False, REDIS_URL=redis_url, HUEY_NAME=name, MAIL_SERVER=host, MAIL_PORT=port
    )
    try:
        _deliver_through_a_consumer(app, mailbox)
    finally:
        huey.storage.flush_all()


def test_worker_command_refuses_inline_mode(runner):
    result = runner.invoke(args=["worker"])
    assert result.exit_code != 0
    assert "HUEY_IMMEDIATE" in result.output
