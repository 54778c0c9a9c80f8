"""Reports: dashboards, session reports, exports, certificates."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from maruf_reg.reports import commands  # noqa: F401  (adds `flask export`, `flask certificates`)
    from maruf_reg.reports.views import bp

    app.register_blueprint(bp)
