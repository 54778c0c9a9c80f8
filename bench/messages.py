"""An organiser's message to 5,000 people: queueing and delivery to a local SMTP server.

Makes a forum with N registrations booked in one session (SQLite in a temporary folder, or
`--database postgresql+psycopg://…/postgres`: a scratch database made and dropped), starts an SMTP
server (aiosmtpd) on loopback, queues a service message to the session's people (one INSERT …
SELECT of the delivery rows), then starts a real `flask worker --queues mail` and waits until
every row is sent. The rate limit is off (rate 0). Prints the time to queue, the mails/s from the
worker's start to the last mail, and from the first mail to the last (rows' `sent_at`).

    .venv/bin/python bench/messages.py [--people 5000] [--database URL]
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from common import ROOT, VENV_BIN, postgres_database

SECRET = "bench-" + secrets.token_hex(16)


class Counter:
    """An SMTP handler that only counts what it accepts."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.count += 1
        return "250 OK"


def seed(people: int) -> tuple[int, int]:
    """A forum, a session and `people` registrations booked in it; (forum id, session id)."""
    from sqlalchemy import insert, select

    from maruf_reg import badge_tokens
    from maruf_reg.extensions import db
    from maruf_reg.models import Forum, Person, Registration, Seat, Session, SessionKind

    start = date.today() + timedelta(days=30)
    forum = Forum(slug="bench", name_tr="Bench Forumu", name_en="Bench Forum", venue="Hall",
                  city="İstanbul", starts_on=start, ends_on=start, timezone="Europe/Istanbul")  # fmt: skip
    badge_tokens.ensure_keys(forum, secret_key=SECRET)
    db.session.add(forum)
    db.session.flush()
    moment = datetime.combine(start, datetime.min.time(), tzinfo=UTC) + timedelta(hours=8)
    session = Session(forum_id=forum.id, kind=SessionKind.PANEL, title_tr="Kentte Göç",
                      title_en="Migration in the City", starts_at=moment,
                      ends_at=moment + timedelta(hours=1), capacity=people)  # fmt: skip
    db.session.add(session)
    db.session.flush()
    now = datetime.now(UTC)
    db.session.execute(
        insert(Person),
        [{"given_name": f"Kişi {n}", "family_name": "Öztürk", "email": f"p{n}@example.org",
          "language": ("tr", "en", "ar")[n % 3], "country": "TR", "organisation": "",
          "position": "", "phone": "", "bio_tr": "", "bio_en": "", "search_key": "",
          "created_at": now, "updated_at": now} for n in range(people)],
    )  # fmt: skip
    person_ids = list(db.session.scalars(select(Person.id).order_by(Person.id)))
    db.session.execute(
        insert(Registration),
        [{"forum_id": forum.id, "person_id": pid, "category": "participant",
          "status": "confirmed", "manage_token": secrets.token_urlsafe(24), "badge_serial": 1,
          "source": "online", "consent_data_at": now, "created_at": now, "updated_at": now,
          "confirmed_at": now} for pid in person_ids],
    )  # fmt: skip
    registration_ids = list(db.session.scalars(select(Registration.id)))
    db.session.execute(
        insert(Seat),
        [{"registration_id": rid, "session_id": session.id, "status": "booked",
          "requested_at": now, "booked_at": now} for rid in registration_ids],
    )  # fmt: skip
    db.session.commit()
    return forum.id, session.id


@contextlib.contextmanager
def database(url: str | None, folder: str) -> Iterator[str]:
    if url:
        with postgres_database(url) as made:
            yield made
    else:
        yield "sqlite:///" + os.path.join(folder, "bench.sqlite3")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--database", default="", help="a PostgreSQL server URL (default SQLite)")
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command

    from tests.conftest import free_port

    counter = Counter()
    port = free_port()
    smtp = Controller(counter, hostname="127.0.0.1", port=port)
    smtp.start()
    folder = tempfile.mkdtemp(prefix="maruf-bench-messages-")
    try:
        with database(args.database or None, folder) as url:
            run(args.people, url, folder, port, counter)
    finally:
        smtp.stop()


def run(people: int, url: str, folder: str, port: int, counter: Counter) -> None:
    env = {**os.environ, "MARUF_INSTANCE_PATH": folder, "MARUF_SECRET_KEY": SECRET,
           "MARUF_DATABASE_URL": url, "MARUF_MAIL_SERVER": "127.0.0.1",
           "MARUF_MAIL_PORT": str(port), "MARUF_REDIS_URL": "", "MARUF_HUEY_IMMEDIATE": "false"}  # fmt: skip
    os.environ.update(env)
    from sqlalchemy import func, select

    from maruf_reg import create_app
    from maruf_reg.extensions import db
    from maruf_reg.messages import dispatch, recipients, sending, services
    from maruf_reg.models import Message, MessageDelivery, MessageKind, MessageState

    app = create_app()
    with app.app_context():
        db.create_all()
        forum_id, session_id = seed(people)
        draft = services.Draft(
            kind=MessageKind.SERVICE,
            texts={"subject_tr": "Salon değişti", "body_tr": "Sayın {name}\n{sessions}\n{link}",
                   "subject_en": "The room changed", "body_en": "Dear {name}\n{sessions}\n{link}"},
            chosen=recipients.Filter(session_id=session_id, people="booked"),
            rate=0,
        )  # fmt: skip
        message_id = services.save_draft(forum_id, None, draft, staff_user_id=None)
        began = time.perf_counter()
        queued = dispatch.start(message_id, staff_user_id=None)
        queue_seconds = time.perf_counter() - began
    print(f"queued {queued} delivery rows in {queue_seconds:.2f} s")

    worker = subprocess.Popen(
        [str(VENV_BIN / "flask"), "--app", "maruf_reg", "worker", "--queues", "mail",
         "--workers", "1"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    started = time.perf_counter()
    try:
        while True:
            with app.app_context():
                state = db.session.scalar(select(Message.state).where(Message.id == message_id))
            if state == MessageState.DONE or time.perf_counter() - started > 600:
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime
    with app.app_context():
        counts = sending.progress(message_id)
        first, last = db.session.execute(
            select(func.min(MessageDelivery.sent_at), func.max(MessageDelivery.sent_at)).where(
                MessageDelivery.message_id == message_id
            )
        ).one()
        db.engine.dispose()
    span = (last - first).total_seconds() if first and last else 0.0
    print(f"sent {counts.sent}, failed {counts.failed}, queued {counts.queued}; "
          f"the SMTP server received {counter.count}")  # fmt: skip
    print(f"from the worker's start to the last mail: {elapsed:.2f} s = "
          f"{counts.sent / elapsed:.0f} mails/s")  # fmt: skip
    print(f"the worker's CPU: {cpu:.1f} s = {1000 * cpu / max(1, counts.sent):.1f} ms a mail")
    if span:
        print(f"from the first mail to the last: {span:.2f} s = {counts.sent / span:.0f} mails/s")
    ok = (
        queue_seconds <= 5
        and counts.sent == people == counter.count
        and counts.sent / elapsed >= 100
    )
    print("targets (queued in ≤ 5 s, ≥ 100 mails/s, every mail once):", "met" if ok else "NOT met")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
