"""The background worker: jobs queued by the app are run by `flask worker`'s consumer."""

from __future__ import annotations

import io
import os
import secrets
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from maruf_reg import files, mail, workers
from maruf_reg.extensions import db, huey
from maruf_reg.models import Job, JobStatus, StoredFile, WorkerPresence, utcnow
from maruf_reg.workers import Worker


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


# --- queues, heartbeats and lost workers ---------------------------------------------------------


def test_a_confirmation_mail_goes_out_while_a_badge_batch_runs(
    make_app, smtp_server, mailbox, forum, make_registration, monkeypatch
):
    """Mail and rendering have queues of their own: the batch holds the render queue's only
    thread until the mail has arrived; with one shared queue the mail would wait behind it."""
    from maruf_reg.badges import batches, tasks

    host, port, _ = smtp_server
    app = make_app(HUEY_IMMEDIATE=False, MAIL_SERVER=host, MAIL_PORT=port)
    make_registration(forum)
    mail_arrived = threading.Event()
    rendering = threading.Event()
    real_print_batch = batches.print_batch

    def slow_print_batch(*args, **kwargs):
        rendering.set()
        assert mail_arrived.wait(timeout=30), "the mail waited behind the batch"
        return real_print_batch(*args, **kwargs)

    monkeypatch.setattr(batches, "print_batch", slow_print_batch)
    runner = Worker(app, ["mail", "render"], threads=1)
    with app.app_context():
        job_id = batches.start_batch_job(
            forum.id, batches.Selection(), layout="a6", staff_user_id=None
        ).id
        tasks.render_badge_batch(job_id)
    runner.start()
    try:
        assert rendering.wait(timeout=30)
        with app.app_context():
            mail.queue(mail.build_message(to="new@example.org", subject="Hoş geldiniz", text="…"))
        [message] = mailbox.wait_for(1, timeout=30)
        with app.app_context():
            assert db.session.get(Job, job_id).status == JobStatus.RUNNING
        mail_arrived.set()
        assert message["Subject"] == "Hoş geldiniz"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with app.app_context():
                if db.session.get(Job, job_id).status != JobStatus.RUNNING:
                    break
            time.sleep(0.05)
        with app.app_context():
            assert db.session.get(Job, job_id).status == JobStatus.DONE
    finally:
        mail_arrived.set()
        runner.graceful = True
        runner.stop()


def test_the_worker_says_which_queues_it_serves(make_app, monkeypatch):
    app = make_app(HUEY_IMMEDIATE=False)
    monkeypatch.setattr(Worker, "run", lambda self: None)
    monkeypatch.setattr(Worker, "start", lambda self: [])
    result = app.test_cli_runner().invoke(args=["worker", "--queues", "mail"])
    assert result.exit_code == 0, result.output
    assert "serves the queues mail (2 threads each)" in result.output
    result = app.test_cli_runner().invoke(args=["worker", "--queues", "mail,printer"])
    assert result.exit_code != 0
    assert "unknown queue(s) printer: choose from mail, render" in result.output


def _running_job(app, *, worker: str, heartbeat_age: timedelta | None) -> int:
    now = utcnow()
    with app.app_context():
        job = Job(
            kind="badges",
            status=JobStatus.RUNNING,
            worker=worker,
            started_at=now - timedelta(hours=1),
            heartbeat_at=now - heartbeat_age if heartbeat_age is not None else None,
        )
        db.session.add(job)
        db.session.commit()
        files.save(
            f"jobs/{job.id}/part.pdf",
            io.BytesIO(b"%PDF-"),
            content_type="application/pdf",
            job_id=job.id,
        )
        return job.id


def test_any_worker_fails_a_job_whose_heartbeat_stopped_and_removes_its_files(make_app):
    app = make_app(JOB_STALE_SECONDS=60)
    lost = _running_job(app, worker="lost-host:4242", heartbeat_age=timedelta(minutes=5))
    never_beat = _running_job(app, worker="lost-host:4243", heartbeat_age=None)
    alive = _running_job(app, worker="other-host:99", heartbeat_age=timedelta(seconds=5))
    with app.app_context():
        assert sorted(workers.fail_stale_jobs()) == sorted([lost, never_beat])
        for job_id in (lost, never_beat):
            job = db.session.get(Job, job_id)
            assert job.status == JobStatus.FAILED
            assert "start it again" in job.error
            assert files.find(f"jobs/{job_id}/part.pdf") is None
        assert db.session.get(Job, alive).status == JobStatus.RUNNING
        assert files.find(f"jobs/{alive}/part.pdf") is not None
        assert workers.fail_stale_jobs() == []  # once is enough


def test_a_running_jobs_heartbeat_is_kept_fresh(make_app):
    app = make_app(JOB_HEARTBEAT_SECONDS=0.05)
    job_id = _running_job(app, worker="here:1", heartbeat_age=timedelta(hours=1))
    with app.app_context():
        before = db.session.get(Job, job_id).heartbeat_at
        db.session.commit()
        beats = set()
        with workers.heartbeat(job_id):
            deadline = time.monotonic() + 10
            while len(beats) < 3 and time.monotonic() < deadline:
                beats.add(db.session.scalar(select(Job.heartbeat_at).where(Job.id == job_id)))
                db.session.commit()
                time.sleep(0.02)
    assert len(beats) >= 3, "the heartbeat did not move on its own"
    assert min(beats) > before


def test_a_job_failed_as_stale_is_not_recorded_by_its_slow_worker(
    make_app, forum, make_registration
):
    """The worker was only slow: when it comes back its batch is not recorded as printed."""
    from maruf_reg.badges import batches
    from maruf_reg.models import BadgePrint

    app = make_app()
    make_registration(forum)
    with app.app_context():
        job_id = batches.start_batch_job(
            forum.id, batches.Selection(), layout="a6", staff_user_id=None
        ).id
        real_store = batches._store_result

        def store_then_get_failed(job, pdf):
            key = real_store(job, pdf)
            workers.fail_job(job)  # another worker gave up on it meanwhile
            return key

        batches._store_result = store_then_get_failed
        try:
            batches.run_batch_job(job_id)
        finally:
            batches._store_result = real_store
        assert db.session.get(Job, job_id).status == JobStatus.FAILED
        assert db.session.scalar(select(func.count()).select_from(BadgePrint)) == 0
        assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0


def test_workers_say_they_are_alive(make_app):
    app = make_app()
    with app.app_context():
        assert workers.last_seen() is None
        workers.upkeep("here:1", ["mail"], utcnow())
        seen = workers.last_seen()
        assert seen is not None and utcnow() - seen < timedelta(minutes=1)
        assert db.session.get(WorkerPresence, "here:1").queues == "mail"
