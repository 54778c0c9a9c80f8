"""The Alembic migrations make exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from maruf_reg import create_app
from maruf_reg.extensions import db
from maruf_reg.people_search import is_search_table


def test_migration_head_matches_the_models(databases, tmp_path, monkeypatch):
    monkeypatch.setenv("MARUF_INSTANCE_PATH", str(tmp_path))
    url = databases.new("migrations")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "s" * 32,
            "SQLALCHEMY_DATABASE_URI": url,
            "HUEY_IMMEDIATE": True,
        }
    )
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "render_as_batch": True,
                    "include_object": lambda obj, name, type_, reflected, compare_to: (
                        not (type_ == "table" and is_search_table(name))
                    ),
                },
            )
            differences = compare_metadata(context, db.metadata)
            tables = set(inspect(connection).get_table_names())
        db.engine.dispose()
    assert differences == []
    assert {"forums", "sessions", "registrations", "scans", "alembic_version"} <= tables


def test_init_db_twice_changes_nothing(databases, tmp_path, monkeypatch):
    monkeypatch.setenv("MARUF_INSTANCE_PATH", str(tmp_path))
    url = databases.new("migrations2")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "s" * 32,
            "SQLALCHEMY_DATABASE_URI": url,
            "HUEY_IMMEDIATE": True,
        }
    )
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    second = runner.invoke(args=["init-db"])
    assert second.exit_code == 0, second.output
    with app.app_context():
        db.engine.dispose()
