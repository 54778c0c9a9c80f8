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


def test_upgrading_a_forum_in_use_keeps_its_people_and_their_search(
    databases, tmp_path, monkeypatch
):
    """A migration that copies the people table (SQLite alters a column so) must not take the
    registrations with it through their foreign keys, nor leave the people search behind."""
    from maruf_reg.cli import upgrade

    monkeypatch.setenv("MARUF_INSTANCE_PATH", str(tmp_path))
    url = databases.new("migrations3")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "s" * 32,
            "SQLALCHEMY_DATABASE_URI": url,
            "HUEY_IMMEDIATE": True,
        }
    )
    with app.app_context():
        upgrade(revision="76e82d6a47c6")  # before people could have no e-mail address
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO forums (slug, name_tr, name_en, venue, city, starts_on, ends_on, timezone,"
                " registration_open, approval_categories, signup_categories, badge_colours, colour,"
                " created_at) VALUES ('f', 'F', 'F', '', '', '2030-10-01', '2030-10-03',"
                " 'Europe/Istanbul', true, '[]', '[]', '{}', '#000000', '2030-01-01')"
            )
            connection.exec_driver_sql(
                "INSERT INTO people (given_name, family_name, email, organisation, position, country,"
                " phone, language, bio_tr, bio_en, search_key, created_at, updated_at) VALUES"
                " ('Ayşe', 'Öztürk', 'a@example.org', '', '', 'TR', '', 'tr', '', '', 'ayse ozturk',"
                " '2030-01-01', '2030-01-01')"
            )
            connection.exec_driver_sql(
                "INSERT INTO registrations (forum_id, person_id, category, status, manage_token,"
                " badge_serial, source, created_at, updated_at) SELECT f.id, p.id, 'participant',"
                " 'confirmed', 'token-of-ayse-0123456789', 1, 'online', '2030-01-01', '2030-01-01'"
                " FROM forums f, people p"
            )
        upgrade()
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM registrations").scalar() == 1
        from maruf_reg import people_search

        with app.test_request_context():
            assert [hit.given_name for hit in people_search.search_people(1, "ozturk")] == ["Ayşe"]
        db.engine.dispose()
