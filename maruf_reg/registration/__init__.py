"""Registration: sign-up, seats and waitlists, confirmation mail, the personal link, import."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # The organisers' pages and the CLI commands hang on the same blueprint.
    # The programme's signals reach registration through programme_changes.
    from maruf_reg.registration import (  # noqa: F401
        admin,
        commands,
        data_rights,
        personal,
        programme_changes,
        question_admin,
    )
    from maruf_reg.registration.views import bp

    app.register_blueprint(bp)
