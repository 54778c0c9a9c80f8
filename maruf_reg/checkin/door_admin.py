"""The organisers' side of "every session gets its door" (`checkin/doors.py`): the programme page's
list of sessions without one (a template helper, so the programme never imports check-in) and the
button that gives them their doors."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, url_for
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from maruf_reg.auth.access import admin_required
from maruf_reg.checkin import doors
from maruf_reg.checkin.views import bp
from maruf_reg.forum import current_forum
from maruf_reg.models import Session


def _doorless(forum_id: int) -> list[Session]:
    return doors.doorless(forum_id)


@bp.app_context_processor
def _door_helpers() -> dict[str, Any]:
    return {"checkin_doorless": _doorless}


@bp.route("/doors", methods=["POST"])
@admin_required
def give_doors() -> Response:
    """Give every session of the forum without a door its door (not those marked no check-in)."""
    forum = current_forum()
    if forum is None:
        abort(404)
    made = doors.give_doors(forum.id, staff_user_id=current_user.id)
    flash(
        ngettext("%(num)d check-in point added.", "%(num)d check-in points added.", made),
        "success",
    )
    return redirect(url_for("program.admin_sessions"))
