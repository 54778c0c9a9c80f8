"""A web worker does not carry the PDF and spreadsheet stack until it draws a PDF or a workbook.

WeasyPrint (with fontTools, lxml, Pyphen), pypdf, openpyxl and Pillow add tens of MB to every
gunicorn worker (issue 16: ≤ 230 MB for master and two workers). They are imported inside the
functions that draw; this test serves the pages a participant and the door see, in a fresh
interpreter, and looks at what was imported — then draws the booklet and sees WeasyPrint arrive,
so that the check would notice a top-level import.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from maruf_reg.models import Forum

ROOT = Path(__file__).resolve().parent.parent

HEAVY = (
    "weasyprint",
    "pypdf",
    "openpyxl",
    "PIL",
    "pikepdf",
    "fontTools",
    "pyphen",
    "qrcode",
    "icalendar",
    # cryptography's Rust core and OpenSSL (7 MB): loaded by the first badge token signed or read
    "cryptography.hazmat.bindings._rust",
)

#: never loaded by a web worker: the migrations' tools (only `flask db`, `flask init-db`); the
#: Redis client without `REDIS_URL` (Huey's storage module would import it); and on SQLite the
#: PostgreSQL driver (Huey's storage module again) and SQLAlchemy's PostgreSQL dialect
UNUSED = ("alembic", "flask_migrate", "mako", "redis", "psycopg", "sqlalchemy.dialects.postgresql")

SCRIPT = """
import json, sys
from tests.conftest import _test_config
from maruf_reg import create_app

app = create_app(_test_config(sys.argv[1], FORUM_SLUG=sys.argv[2]))
client = app.test_client()
heavy = {heavy!r}
codes = {{}}
for path in sys.argv[3:]:
    codes[path] = client.get(path).status_code
before = sorted(name for name in heavy if name in sys.modules)
codes["/readyz"] = client.get("/readyz").status_code
unused = sorted(name for name in {unused!r} if name in sys.modules)
codes["/program/booklet.pdf"] = client.get("/program/booklet.pdf").status_code
after = sorted(name for name in heavy if name in sys.modules)
print(json.dumps({{"codes": codes, "before": before, "after": after, "unused": unused}}))
"""

PAGES = ["/", "/program", "/speakers", "/register", "/login", "/privacy", "/healthz"]


def _fresh(script: str, *args: str, instance: Path | None = None) -> Any:
    """Run `script` in a fresh interpreter (nothing imported yet); the JSON its last line prints."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if instance:
        env["MARUF_INSTANCE_PATH"] = str(instance)
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _serve(database_url: str, slug: str, tmp_path: Path) -> dict[str, Any]:
    script = SCRIPT.format(heavy=HEAVY, unused=UNUSED)
    result: dict[str, Any] = _fresh(script, database_url, slug, *PAGES, instance=tmp_path)
    return result


def test_pages_do_not_load_the_pdf_stack_until_a_pdf_is_drawn(
    database_url: str,
    forum: Forum,
    make_session: Any,
    make_room: Any,
    tmp_path: Path,
) -> None:
    make_session(forum, room=make_room(forum))
    result = _serve(database_url, forum.slug, tmp_path)

    readyz = result["codes"].pop("/readyz")
    assert readyz in (200, 503)  # the test database is not stamped by the migrations
    assert all(code == 200 for code in result["codes"].values()), result["codes"]
    if database_url.startswith("sqlite"):
        assert result["unused"] == [], f"imported by serving pages: {result['unused']}"
    else:  # SQLAlchemy's driver and dialect there
        assert result["unused"] == ["psycopg", "sqlalchemy.dialects.postgresql"], result["unused"]
    assert result["before"] == [], f"imported by serving pages: {result['before']}"
    assert "weasyprint" in result["after"]


REDIS_SCRIPT = """
import json, sys
from tests.conftest import _test_config
from maruf_reg import create_app
from maruf_reg.jobs import huey

create_app(_test_config(sys.argv[1]))
loaded_without = "redis" in sys.modules
app = create_app(_test_config(sys.argv[1], HUEY_IMMEDIATE=False, REDIS_URL=sys.argv[2],
                              HUEY_NAME=sys.argv[3]))
try:
    @huey.task()
    def add(a, b):
        return a + b

    result = add(2, 3)
    queued = len(huey)
    task = huey.dequeue()
    huey.execute(task)
    print(json.dumps({"loaded_without": loaded_without, "queued": queued, "result": result(),
                      "storage": type(huey.storage).__name__, "left": len(huey)}))
finally:
    huey.storage.flush_all()
"""


def test_the_redis_client_is_loaded_only_for_a_queue_in_redis(database_url, tmp_path):
    """Huey's storage module is imported with `redis` hidden (jobs.UNUSED_BY_HUEY); an app with
    `REDIS_URL` hands the client to Huey: in a fresh interpreter, where nothing else loaded it first,
    a task goes through Redis and back."""
    redis_url = os.environ.get("MARUF_REDIS_URL")
    if not redis_url:
        pytest.skip("MARUF_REDIS_URL is not set: no Redis to queue in")
    name = f"maruf-lazy-{secrets.token_hex(4)}"
    result = _fresh(REDIS_SCRIPT, database_url, redis_url, name, instance=tmp_path)
    assert result == {
        "loaded_without": False,
        "queued": 1,
        "result": 5,
        "storage": "RedisStorage",
        "left": 0,
    }


def test_gunicorns_master_does_not_import_flask_for_the_logger() -> None:
    """deploy/gunicorn.conf.py names `maruf_reg.logs.GunicornLogger`: the master imports it (and the
    package) but serves nothing, so Flask (9 MB) stays out of it; the class still works."""
    script = (
        "import json, sys\n"
        "from gunicorn.config import Config\n"
        "from maruf_reg.logs import GunicornLogger\n"
        "cfg = Config()\n"
        "cfg.set('logger_class', 'maruf_reg.logs.GunicornLogger')\n"
        "logger = cfg.logger_class(cfg)\n"
        "print(json.dumps({'flask': 'flask' in sys.modules,\n"
        "                  'class': type(logger) is GunicornLogger}))\n"
    )
    assert _fresh(script) == {"flask": False, "class": True}
