"""The SQLite database and its WAL are the app user's alone: files 0600 in a 0700 instance
folder, made so by init-db and again at every app start."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from maruf_reg import create_app
from maruf_reg.extensions import db


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_db_and_app_start_make_the_database_private(databases, tmp_path, monkeypatch):
    if databases.engine_name != "sqlite":
        pytest.skip("PostgreSQL keeps its files itself")
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    instance.chmod(0o755)
    database = instance / "maruf.sqlite3"
    old_umask = os.umask(0o022)
    try:
        result = subprocess.run(
            [str(Path(sys.executable).parent / "flask"), "--app", "maruf_reg", "init-db"],
            env={
                **os.environ,
                "MARUF_INSTANCE_PATH": str(instance),
                "MARUF_SECRET_KEY": "s" * 32,
                "MARUF_DATABASE_URL": f"sqlite:///{database}",
            },
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.umask(old_umask)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _mode(instance) == 0o700
    assert _mode(database) == 0o600

    # Someone loosens them (a copy, a restore): the next app start tightens them again, and the
    # WAL and shared memory SQLite makes beside the database are private too.
    instance.chmod(0o755)
    database.chmod(0o644)
    monkeypatch.setenv("MARUF_INSTANCE_PATH", str(instance))
    app = create_app(
        {
            "SECRET_KEY": "s" * 32,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "DATABASE_URL": f"sqlite:///{database}",
        }
    )
    assert _mode(instance) == 0o700
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
        files = [
            instance / name for name in ("maruf.sqlite3", "maruf.sqlite3-wal", "maruf.sqlite3-shm")
        ]
        assert all(path.exists() for path in files)
        assert [_mode(path) for path in files] == [0o600, 0o600, 0o600]
        db.engine.dispose()
