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
import subprocess
import sys
from pathlib import Path
from typing import Any

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
)

#: never loaded by a web worker: the migrations' tools (only `flask db`, `flask init-db`), and on
#: SQLite the PostgreSQL driver Huey's storage module would import for a storage never used
UNUSED = ("alembic", "flask_migrate", "mako", "psycopg")

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


def _serve(database_url: str, slug: str, tmp_path: Path) -> dict[str, Any]:
    env = {**os.environ, "MARUF_INSTANCE_PATH": str(tmp_path), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            SCRIPT.format(heavy=HEAVY, unused=UNUSED),
            database_url,
            slug,
            *PAGES,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
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
    else:  # psycopg is SQLAlchemy's driver there
        assert result["unused"] == ["psycopg"], result["unused"]
    assert result["before"] == [], f"imported by serving pages: {result['before']}"
    assert "weasyprint" in result["after"]
