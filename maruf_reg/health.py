"""For the load balancer and the operator: is this app server alive, and is it ready to serve?

- `GET /healthz` → 200 `{"status": "ok"}` while the process serves (no database, no network).
- `GET /readyz` → 200 `{"status": "ok", "checks": {...}}` when the database answers, its schema is
  at the migrations' head and Redis answers (when configured); else 503 with the same shape,
  naming what failed. It also says when a worker was last seen (`workers`): without workers mail
  and badge batches wait in their queues, but sign-ups and scans go on, so that check alone does
  not take a server out of the load balancer.
"""

from __future__ import annotations

import ast
import functools
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify
from sqlalchemy import text

from maruf_reg.extensions import db
from maruf_reg.models import utcnow
from maruf_reg.workers import last_seen

bp = Blueprint("health", __name__)
#: a worker says it is alive every WORKER_UPKEEP_SECONDS; not heard of for this long is "stale"
WORKERS_SEEN_WITHIN = timedelta(minutes=1)
OK = "ok"


def _answer(body: dict[str, Any], status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz() -> Response:
    """The process serves."""
    return _answer({"status": OK}, 200)


#: the Alembic migrations' scripts
VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"


@functools.cache
def migration_heads(versions: Path = VERSIONS) -> frozenset[str]:
    """The revisions no other migration revises (Alembic's heads), read from the scripts' text.

    A web worker asks this on every /readyz but never loads Alembic (11 MB with Mako): the
    scripts' `revision` and `down_revision` literals are read with `ast`. A test checks the answer
    against Alembic's own `ScriptDirectory.get_heads()`.
    """
    revisions: set[str] = set()
    revised: set[str] = set()
    for script in versions.glob("*.py"):
        found: dict[str, Any] = {}
        for node in ast.parse(script.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                found[target.id] = ast.literal_eval(value)
        if "revision" not in found:
            continue
        revisions.add(found["revision"])
        down = found.get("down_revision")
        revised.update([down] if isinstance(down, str) else down or ())
    return frozenset(revisions - revised)


def _database_and_schema() -> tuple[str, str]:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            try:
                revisions = set(connection.scalars(text("SELECT version_num FROM alembic_version")))
            except Exception:
                connection.rollback()
                return OK, "not made by the migrations: run flask init-db"
    except Exception as error:
        return f"unreachable: {type(error).__name__}", "unknown"
    heads = migration_heads()
    if revisions != heads:
        found = ", ".join(sorted(revisions)) or "none"
        return OK, f"at {found}, the code wants {', '.join(sorted(heads))}: run flask init-db"
    return OK, OK


def _redis() -> str | None:
    url = current_app.config["REDIS_URL"]
    if not url:
        return None
    from redis import Redis

    try:
        client = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        client.ping()
        client.close()
    except Exception as error:
        return f"unreachable: {type(error).__name__}"
    return OK


def _workers() -> str:
    try:
        seen = last_seen()
        db.session.commit()
    except Exception:
        db.session.rollback()
        return "unknown"
    if seen is None:
        return "none seen yet"
    if utcnow() - seen > WORKERS_SEEN_WITHIN:
        return f"none seen since {seen.isoformat(timespec='seconds')}"
    return OK


@bp.get("/readyz")
def readyz() -> Response:
    """Ready for traffic: database, schema and Redis answer (workers are reported too)."""
    database, schema = _database_and_schema()
    checks: dict[str, str] = {"database": database, "schema": schema}
    redis = _redis()
    if redis is not None:
        checks["redis"] = redis
    ready = all(value == OK for value in checks.values())
    checks["workers"] = _workers() if database == OK else "unknown"
    return _answer(
        {"status": OK if ready else "unavailable", "checks": checks}, 200 if ready else 503
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
