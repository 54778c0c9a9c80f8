"""MARUF-Reg: registration and on-site check-in for large urban forums."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: load config, bind extensions, register blueprints and CLI commands."""
    from flask import Flask  # here, not above: gunicorn's master imports the package (its logger)

    app = Flask(
        __name__,
        instance_path=os.environ.get("MARUF_INSTANCE_PATH") or str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object("maruf_reg.config")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("MARUF")
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "MARUF_SECRET_KEY is not set: set it in the environment or in instance/config.py "
            "(`make run` generates one for a development machine)."
        )
    # The instance folder holds the SQLite database, Huey's queue, the outbox and generated files:
    # 0700, and the database files 0600 (maruf_reg.database makes them so as it opens them).
    from maruf_reg.database import protect_instance_folder, protect_sqlite_files

    protect_instance_folder(app.instance_path)
    protect_sqlite_files(os.path.join(app.instance_path, "huey.sqlite3"))  # the job queue
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"] or (
            "sqlite:///" + os.path.join(app.instance_path, "maruf.sqlite3")
        )

    if not app.config["BASE_URL"]:
        app.config["BASE_URL"] = app.config["SERVED_URL"] or "http://127.0.0.1:5000"
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = str(app.config["BASE_URL"]).startswith("https://")
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config["SESSION_COOKIE_SECURE"])
    if not app.config["RATELIMIT_STORAGE_URI"]:
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"] or "memory://"

    from maruf_reg import database, extensions, health, i18n, jobs, logs, web

    logs.init_app(app)
    database.init_app(app)
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    jobs.init_app(app)
    i18n.init_app(app)
    web.init_app(app)
    health.init_app(app)

    from maruf_reg import auth, badges, checkin, cli, messages, program, registration, reports

    for capability in (auth, program, registration, badges, checkin, reports, messages):
        capability.init_app(app)
    cli.init_app(app)
    return app
