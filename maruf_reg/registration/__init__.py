"""Registration: sign-up, seats and waitlists, confirmation mail, the personal link, import."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    # The organisers' pages and the CLI commands hang on the same blueprint.
    # The programme's signals reach registration through programme_changes.
    from maruf_reg.program import editions
    from maruf_reg.registration import (  # noqa: F401
        admin,
        commands,
        data_rights,
        personal,
        programme_changes,
        question_admin,
    )
    from maruf_reg.registration.questions import copy_questions
    from maruf_reg.registration.views import bp

    # A new edition may start with the earlier one's sign-up questions.
    editions.add_part("questions", _l("Sign-up questions"), copy_questions)

    app.register_blueprint(bp)
