"""`flask backup`: an online copy of the SQLite database that restores to the same data."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select

from maruf_reg import create_app
from maruf_reg.extensions import db
from maruf_reg.models import Person, Registration
from tests.conftest import _test_config


def test_backup_copies_the_database_while_in_use_and_restores(app, runner, tmp_path):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite backup: this run uses PostgreSQL")
    assert runner.invoke(args=["demo", "--participants", "200", "--speakers", "20"]).exit_code == 0
    out = tmp_path / "backups" / "maruf.sqlite3"
    result = runner.invoke(args=["backup", str(out)])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "backups" / "maruf.sqlite3.part").exists()
    assert sqlite3.connect(out).execute("PRAGMA integrity_check").fetchone() == ("ok",)
    restored = create_app(_test_config(f"sqlite:///{out}"))

    def snapshot(an_app):
        with an_app.app_context():
            counts = [
                db.session.scalar(select(func.count()).select_from(m))
                for m in (Person, Registration)
            ]
            sample = db.session.execute(
                select(Person.id, Person.given_name, Person.family_name, Person.email)
                .order_by(Person.id)
                .limit(50)
            ).all()
            db.engine.dispose()
            return counts, [tuple(row) for row in sample]

    assert snapshot(restored) == snapshot(app)


def test_backup_for_postgresql_prints_pg_dump(make_app, tmp_path):
    app = make_app()
    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://maruf@db.example.org:5433/maruf"
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.dump")])
    assert result.exit_code == 0
    assert "pg_dump --format=custom" in result.output
    assert "--host=db.example.org --port=5433 --username=maruf maruf" in result.output
