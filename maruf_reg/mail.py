"""Outgoing mail: built here, delivered by the worker (Huey), retried when the server fails.

With no `MAIL_SERVER` configured, messages are written to `instance/outbox/` as .eml files so that
a demo works offline.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import ssl
import tempfile
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlsplit

from flask import current_app

from maruf_reg.jobs import huey


def message_id_domain() -> str:
    """The site's host name (from BASE_URL): spam filters score a Message-ID without a full domain."""
    host = urlsplit(str(current_app.config["BASE_URL"])).hostname or ""
    return host if "." in host else "maruf-reg.localhost"


def build_message(*, to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
    """A mail with a plain-text part and, if given, an HTML alternative."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=message_id_domain())
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def deliver_now(message: EmailMessage) -> None:
    """Send through the configured SMTP server, or write to the outbox."""
    with connection() as send:
        send(message)


@contextlib.contextmanager
def connection() -> Iterator[Callable[[EmailMessage], None]]:
    """One SMTP connection for several messages (a batch of an organiser's message): yields a
    function that sends one; without `MAIL_SERVER`, it writes to the outbox."""
    if not current_app.config["MAIL_SERVER"]:
        yield _write_to_outbox
        return
    with _smtp() as smtp:

        def send(message: EmailMessage) -> None:
            smtp.send_message(message)

        yield send


def _smtp() -> smtplib.SMTP:
    config = current_app.config
    timeout = config["MAIL_TIMEOUT"]
    smtp: smtplib.SMTP
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(
            config["MAIL_SERVER"],
            config["MAIL_PORT"],
            timeout=timeout,
            context=ssl.create_default_context(),
        )
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
    try:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except BaseException:
        smtp.close()
        raise
    return smtp


def _write_to_outbox(message: EmailMessage) -> None:
    outbox = os.path.join(current_app.instance_path, "outbox")
    os.makedirs(outbox, exist_ok=True)
    name = f"{time.time_ns()}-{os.getpid()}.eml"
    # Written under a temporary name and renamed, so a reader never sees half a message.
    fd, temp = tempfile.mkstemp(dir=outbox, suffix=".part")
    with os.fdopen(fd, "wb") as handle:
        handle.write(message.as_bytes())
    os.replace(temp, os.path.join(outbox, name))


@huey.app_task(retries=8, retry_delay=30)
def deliver(raw: bytes) -> None:
    """The worker's task: send one message; Huey retries it when the server fails."""
    from email import message_from_bytes, policy

    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    deliver_now(message)


def queue(message: EmailMessage) -> None:
    """Hand a message to the worker. Call after the transaction that caused it has committed."""
    deliver(message.as_bytes())
