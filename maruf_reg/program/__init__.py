"""The programme: themes, rooms, sessions and speakers; the public timetable."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # The organisers' pages add their routes to the blueprint when imported.
    from maruf_reg.program import admin, setup  # noqa: F401
    from maruf_reg.program.views import bp

    app.register_blueprint(bp)
