"""Badges: signed QR tokens, layouts, PDF rendering, batches, print tracking."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from maruf_reg.badges import cli  # noqa: F401  (registers `flask badges` on the blueprint)
    from maruf_reg.badges.views import bp

    app.register_blueprint(bp)
