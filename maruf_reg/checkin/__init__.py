"""Check-in: points, scanner pages, the JSON API, offline bundle and sync."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from maruf_reg.checkin import (  # noqa: F401  (receivers of the programme's signals)
        door_admin,
        doors,
        walk_in_desk,  # (its pages hang on the blueprint)
    )
    from maruf_reg.checkin.api import api
    from maruf_reg.checkin.screen import bp as screen
    from maruf_reg.checkin.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(api)
    app.register_blueprint(screen)
