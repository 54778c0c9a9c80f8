"""The programme: themes, rooms, sessions and speakers; the public timetable."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from maruf_reg.program.views import bp

    app.register_blueprint(bp)
