"""What the load balancer and the operator read: /healthz, /readyz, request ids and clean logs."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import stamp
from sqlalchemy import text

from maruf_reg import logs, workers
from maruf_reg.cli import MIGRATIONS, migrations
from maruf_reg.extensions import db
from maruf_reg.health import migration_heads
from maruf_reg.models import utcnow


def test_healthz_says_the_process_serves(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_names_a_schema_not_made_by_the_migrations(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert "run flask init-db" in body["checks"]["schema"]


def test_readyz_is_ok_at_the_migrations_head_and_reports_workers(app, client):
    with app.app_context():
        migrations(app)
        stamp()
        db.session.commit()
    try:
        body = client.get("/readyz").get_json()
        assert body == {
            "status": "ok",
            "checks": {"database": "ok", "schema": "ok", "workers": "none seen yet"},
        }
        with app.app_context():
            workers.record_presence("host:1", ["mail", "render"], utcnow())
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.get_json()["checks"]["workers"] == "ok"
    finally:
        with app.app_context():
            db.session.execute(text("DROP TABLE alembic_version"))
            db.session.commit()


def test_the_heads_read_from_the_scripts_are_alembics(tmp_path):
    """/readyz reads the migrations' heads from their text (no Alembic in a web worker)."""
    assert migration_heads() == frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())
    assert len(migration_heads()) == 1
    # Two branches, one of them a merge with a tuple and an annotated assignment: two heads.
    branches, merged = tmp_path / "branches", tmp_path / "merged"
    for folder in (branches, merged):
        folder.mkdir()
        (folder / "a.py").write_text("revision = 'a'\ndown_revision = None\n")
        (folder / "b.py").write_text("revision: str = 'b'\ndown_revision: str | None = 'a'\n")
        (folder / "c.py").write_text("revision = 'c'\ndown_revision = 'a'\n")
    assert migration_heads(branches) == {"b", "c"}
    (merged / "d.py").write_text("revision = 'd'\ndown_revision = ('b', 'c')\n")
    (merged / "notes.py").write_text("# not a migration\n")
    assert migration_heads(merged) == {"d"}


def test_readyz_names_redis_when_it_does_not_answer(make_app):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    body = app.test_client().get("/readyz").get_json()
    assert body["checks"]["redis"].startswith("unreachable")
    assert body["status"] == "unavailable"


def test_readyz_names_a_database_that_does_not_answer(app, make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/folder/db.sqlite3")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"].startswith("unreachable")


# --- request ids and logs ------------------------------------------------------------------------


def test_each_answer_carries_a_request_id(client):
    first = client.get("/healthz").headers.getlist("X-Request-ID")
    second = client.get("/healthz").headers.getlist("X-Request-ID")
    assert len(first) == len(second) == 1 and first != second
    assert all(len(made) == 32 and set(made) <= set("0123456789abcdef") for made in first + second)


def test_the_proxys_request_id_is_kept_only_behind_a_trusted_proxy(make_app):
    behind = make_app(PROXY_HOPS=1).test_client()
    assert behind.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == (
        "abc-123"
    )
    assert behind.get("/healthz", headers={"X-Request-ID": "bad id <script>"}).headers[
        "X-Request-ID"
    ] != ("bad id <script>")
    direct = make_app().test_client()
    assert direct.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] != (
        "abc-123"
    )


def test_logs_never_hold_a_personal_link_a_token_or_an_e_mail_address():
    line = (
        "GET /r/Xy7_abc-DEF123/certificate.pdf from ayse.ozturk@example.org "
        '"/speakers/register?token=s3cr3t&lang=tr"'
    )
    assert logs.redact(line) == (
        'GET /r/[link]/certificate.pdf from [e-mail] "/speakers/register?token=[token]&lang=tr"'
    )


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_log_lines_are_redacted_and_carry_the_request_id(make_app, log_format, capfd):
    app = make_app(LOG_FORMAT=log_format, PROXY_HOPS=1)

    @app.get("/_test/log")
    def write_a_log_line():
        logging.getLogger("maruf_reg.test").warning("sent /r/abcdefSECRET to mehmet@example.org")
        return "ok"

    app.test_client().get("/_test/log", headers={"X-Request-ID": "req-42"})
    err = capfd.readouterr().err
    [line] = [line for line in err.splitlines() if "maruf_reg.test" in line]
    assert "SECRET" not in line and "mehmet" not in line
    if log_format == "json":
        entry = json.loads(line)
        assert entry["request_id"] == "req-42"
        assert entry["message"] == "sent /r/[link] to [e-mail]"
        assert entry["level"] == "WARNING"
    else:
        assert "[req-42] sent /r/[link] to [e-mail]" in line


def test_init_db_from_several_hosts_at_once(databases, tmp_path):
    """Each deploy runs init-db on every host: on PostgreSQL they take turns (advisory lock)."""
    if databases.engine_name != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; SQLite has one host")
    url = databases.new("init_db_race")
    hosts = [
        subprocess.Popen(
            [str(Path(sys.executable).parent / "flask"), "--app", "maruf_reg", "init-db"],
            env={
                **os.environ,
                "MARUF_INSTANCE_PATH": str(tmp_path / f"host{n}"),
                "MARUF_SECRET_KEY": "s" * 32,
                "MARUF_DATABASE_URL": url,
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for n in range(3)
    ]
    outputs = [host.communicate(timeout=120)[0] for host in hosts]
    assert [host.returncode for host in hosts] == [0, 0, 0], outputs
    assert all("The database schema is up to date." in output for output in outputs)
    # One of them upgraded; the others found nothing to do.
    assert sum("Running upgrade  -> " in output for output in outputs) == 1, outputs
