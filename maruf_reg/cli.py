"""`flask ...` commands for the whole app. They parse, call a service and print; nothing more.

Capabilities register their own commands (`flask badges`, `flask import-people`, `flask export`)
next to what they manage.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import text
from sqlalchemy.engine import make_url

from maruf_reg.auth import services as auth_services
from maruf_reg.database import (
    protect_instance_folder,
    protect_sqlite_files,
    render_migration_item,
    write_intent,
)
from maruf_reg.extensions import db, huey
from maruf_reg.jobs import QUEUES
from maruf_reg.models import Role
from maruf_reg.workers import Worker

ROLE_NAMES = [role.value for role in Role]


#: the Alembic migrations (`flask db …`, `flask init-db`)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def migrations(app: Flask) -> Any:
    """Flask-Migrate bound to `app`, on first use: a web worker never pays for it.

    Flask-Migrate loads Alembic and Mako (11 MB a process); only `flask db …`, `flask init-db` and
    the tests need them. Returns the bound `flask_migrate.Migrate`.
    """
    state = app.extensions.get("migrate")
    if state is None:
        from flask_migrate import Migrate

        state = Migrate(
            app,
            db,
            directory=str(MIGRATIONS),
            render_as_batch=True,  # SQLite alters tables by copying them
            compare_type=True,
            render_item=render_migration_item,
        )
        return state
    return state.migrate


def upgrade(revision: str = "head") -> None:
    """Upgrade the current app's database to `revision` (Alembic, through Flask-Migrate)."""
    migrations(current_app._get_current_object())  # type: ignore[attr-defined]
    from flask_migrate import upgrade as alembic_upgrade

    alembic_upgrade(revision=revision)


class MigrationCommands(click.Group):
    """`flask db …`: Flask-Migrate's own group (its options, its commands), loaded when asked for."""

    def __init__(self, app: Flask) -> None:
        super().__init__("db", help="Perform database migrations (Flask-Migrate).")
        self.app = app
        self.loaded = False

    def _load(self) -> None:
        if not self.loaded:
            migrations(self.app)
            from flask_migrate.cli import db as group

            self.params, self.callback, self.commands = group.params, group.callback, group.commands
            self.loaded = True

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        self._load()
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load()
        return super().get_command(ctx, cmd_name)


#: PostgreSQL advisory lock that lets one `init-db` at a time upgrade the schema
INIT_DB_LOCK = 0x4D415255  # "MARU"


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema (Alembic upgrade to the newest revision).

    Several hosts may run it at once (each deploy): on PostgreSQL they take turns on an advisory
    lock, and the later ones find the schema up to date.
    """
    protect_instance_folder(current_app.instance_path)
    if db.engine.dialect.name != "postgresql":
        upgrade()
        if db.engine.url.database:
            protect_sqlite_files(db.engine.url.database)
    else:
        with db.engine.connect() as connection:
            # Wait as long as the other host's upgrade takes (no WRITE_LOCK_TIMEOUT here).
            connection.exec_driver_sql("SET lock_timeout = 0")
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": INIT_DB_LOCK})
            connection.commit()
            try:
                upgrade()
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": INIT_DB_LOCK})
                connection.commit()
    click.echo("The database schema is up to date.")


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--role", type=click.Choice(ROLE_NAMES), required=True)
@click.option("--name", default="", help="The person's name, shown in the audit log.")
@click.option(
    "--password",
    envvar="MARUF_NEW_PASSWORD",
    default=None,
    help="Password (default: a generated one, printed). Also read from MARUF_NEW_PASSWORD.",
)
def create_user(email: str, role: str, name: str, password: str | None) -> None:
    """Add a staff user who logs in with EMAIL."""
    try:
        with write_intent():
            user, password = auth_services.create_user(
                email, role=Role(role), password=password, name=name
            )
    except auth_services.AuthError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Staff user {user.email} ({user.role.value}) created.")
    click.echo(f"Password: {password}")


@click.command("create-token")
@with_appcontext
@click.option("--role", type=click.Choice(ROLE_NAMES), default=Role.DOOR.value, show_default=True)
@click.option("--name", default="", help="What the token is for (a device, a script).")
def create_token(role: str, name: str) -> None:
    """Create an API bearer token; the token alone is printed on the last line."""
    with write_intent():
        row, token = auth_services.create_token(role=Role(role), name=name)
    click.echo(f"API token {row.id} ({row.role.value}) created. Keep it secret:", err=True)
    click.echo(token)


@click.command("worker")
@with_appcontext
@click.option("--workers", default=2, show_default=True, help="Worker threads for each queue.")
@click.option(
    "--queues",
    default=",".join(QUEUES),
    show_default=True,
    help="The queues this worker serves, comma-separated (mail: mail; render: badge batches).",
)
def worker(workers: int, queues: str) -> None:
    """Run the background jobs (mail, badge batches) until stopped."""
    if huey.immediate:
        raise click.ClickException("HUEY_IMMEDIATE is set: jobs run inline, there is no queue.")
    try:
        runner = Worker(
            current_app._get_current_object(),  # type: ignore[attr-defined]
            [name.strip() for name in queues.split(",") if name.strip()],
            threads=workers,
        )
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    for job_id in runner.start():
        click.echo(f"Job {job_id} was cut off by a stopped worker of this host: marked failed.")
    click.echo(
        f"Worker {runner.name} serves the queues {', '.join(runner.queues)} "
        f"({workers} threads each)."
    )
    runner.run()


@click.command("backup")
@with_appcontext
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def backup(out: Path) -> None:
    """Copy the SQLite database to OUT while it is in use (for PostgreSQL: print the pg_dump command)."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        args = ["pg_dump", "--format=custom", f"--file={out}"]
        if url.host:
            args.append(f"--host={url.host}")
        if url.port:
            args.append(f"--port={url.port}")
        if url.username:
            args.append(f"--username={url.username}")
        args.append(url.database or "")
        click.echo("PostgreSQL is backed up with pg_dump; run:")
        click.echo(" ".join(args))
        return
    if not url.database or not os.path.exists(url.database):
        raise click.ClickException(f"no database file at {url.database}")
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_name(out.name + ".part")
    source = sqlite3.connect(url.database)
    target = sqlite3.connect(temp)
    try:
        # The online backup API copies a consistent snapshot while the app goes on writing.
        source.backup(target)
    finally:
        target.close()
        source.close()
    os.replace(temp, out)
    click.echo(f"Backed up {url.database} to {out} ({out.stat().st_size:,} bytes).")


def init_app(app: Flask) -> None:
    from maruf_reg.demo import demo

    for command in (init_db, create_user, create_token, worker, backup, demo):
        app.cli.add_command(command)
    app.cli.add_command(MigrationCommands(app))
