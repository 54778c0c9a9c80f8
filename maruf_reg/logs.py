"""Logs: one line per event, readable or JSON (`LOG_FORMAT=json`), with the request's id, and
never a personal link, an invitation token or an e-mail address.

The request id comes from the trusted proxy (nginx's `X-Request-ID`, when `PROXY_HOPS` > 0) or is
made here, and is sent back in the answer's `X-Request-ID`: one id follows a request through
nginx's, gunicorn's and the app's logs. Whatever writes the log (the app, Werkzeug, Huey,
gunicorn with `GunicornLogger`), the line is redacted as the last step of formatting.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask, Response

# Flask is imported by the functions that run in a request, not with this module: gunicorn's master
# imports `GunicornLogger` (deploy/gunicorn.conf.py) and must not carry Flask (9 MB) for it.

#: what never reaches a log: personal links, invitation and other tokens in a query, e-mails
REDACTIONS = [
    (re.compile(r"/r/[A-Za-z0-9_-]+"), "/r/[link]"),
    (re.compile(r"(?i)\b(token=)[^&\s\"']+"), r"\1[token]"),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), "[e-mail]"),
]
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_HANDLER_MARK = "maruf_reg_log_handler"


def redact(text: str) -> str:
    for pattern, replacement in REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def request_id() -> str:
    """This request's id ("-" outside a request)."""
    from flask import g, has_request_context

    if not has_request_context():
        return "-"
    return str(g.get("request_id", "-"))


class _RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id()
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = getattr(record, "request_id", "-")
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id (and the traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, ensure_ascii=False))


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


def _install(log_format: str) -> None:
    """One handler on the root logger (stderr), replaced when an app is made again."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_MARK, False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    handler.setFormatter(formatter(log_format))
    handler.addFilter(_RequestId())
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    # Libraries that narrate every step at INFO (WeasyPrint: each stage of each document; Alembic:
    # each plugin it sets up).
    for chatty in ("weasyprint", "fontTools", "alembic.runtime.plugins"):
        logging.getLogger(chatty).setLevel(logging.WARNING)


def init_app(app: Flask) -> None:
    _install(str(app.config["LOG_FORMAT"]))
    from flask import g, request

    trusted = int(app.config["PROXY_HOPS"]) > 0

    @app.before_request
    def _request_id() -> None:
        given = request.headers.get("X-Request-ID", "") if trusted else ""
        # 32 hex digits, as uuid4().hex was, without making a UUID object
        g.request_id = given if REQUEST_ID_RE.match(given) else os.urandom(16).hex()

    @app.after_request
    def _send_request_id(response: Response) -> Response:
        # (no view sets its own: added, not set over another)
        response.headers.add("X-Request-ID", g.get("request_id", "-"))
        return response


try:  # gunicorn is there on app servers; the worker and the tests need not have it
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover
    _GunicornLogger = object


class GunicornLogger(_GunicornLogger):  # type: ignore[misc,valid-type]
    """gunicorn's logger (`logger_class` in deploy/gunicorn.conf.py): its error and access logs
    formatted like the app's (MARUF_LOG_FORMAT) and redacted."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        import os

        chosen = formatter(os.environ.get("MARUF_LOG_FORMAT", "text"))
        for handler in self.error_log.handlers:
            handler.setFormatter(chosen)
        for handler in self.access_log.handlers:
            handler.setFormatter(_AccessFormatter(chosen))

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        found: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {k: redact(v) if isinstance(v, str) else v for k, v in found.items()}


class _AccessFormatter(logging.Formatter):
    """Access lines as the chosen formatter writes them, under the logger name `access`."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        # gunicorn passes the access line's atoms as the record's arguments.
        atoms = record.args if isinstance(record.args, dict) else {}
        record.request_id = atoms.get("{x-request-id}o") or "-"
        return self.inner.format(record)
