"""The help desk's walk-in page: register a person on the spot, let them in, print their badge.

One form, one step for the desk volunteer: the registration (registration's rules, confirmed and
marked as a walk-in), the admission at the chosen door (the one scan decision, recorded as manual),
then a page with the badge to print.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from maruf_reg.auth.access import role_required
from maruf_reg.checkin import points as checkin_points
from maruf_reg.checkin import scans as checkin_scans
from maruf_reg.checkin.forms import WalkInForm
from maruf_reg.checkin.views import bp, outcome_label
from maruf_reg.extensions import db
from maruf_reg.forms import show_refusal
from maruf_reg.forum import current_forum
from maruf_reg.i18n import locale_code
from maruf_reg.models import Category, Forum, Outcome, Registration, Role
from maruf_reg.registration.forms import options
from maruf_reg.registration.services import InvalidEmail, PersonDetails
from maruf_reg.registration.walk_ins import WalkIn, WalkInKnown, register_walk_in


def _forum() -> Forum:
    forum = current_forum()
    if forum is None:
        abort(404)
    return forum


def _walk_in(form: WalkInForm) -> WalkIn:
    return WalkIn(
        details=PersonDetails(
            given_name=form.given_name.data or "",
            family_name=form.family_name.data or "",
            organisation=form.organisation.data or "",
            position=form.position.data or "",
            country=form.country.data or "",
            language=form.language.data or "tr",
        ),
        category=Category(form.category.data),
        email=form.email.data or "",
        consent_data=bool(form.consent_data.data),
        consent_photo=bool(form.consent_photo.data),
    )


@bp.route("/desk/walk-in", methods=["GET", "POST"])
@role_required(Role.DESK)
def walk_in() -> str | Response:
    """Register a walk-in, admit them at the chosen door, then print the badge."""
    forum = _forum()
    form = WalkInForm()
    form.point.choices = options(
        [(None, _("Nowhere yet")), *((p.id, p.name) for p in checkin_points.points(forum.id))]
    )
    if not form.is_submitted():
        form.language.data = locale_code()
    if form.validate_on_submit():
        try:
            registration_id = register_walk_in(
                forum.id, _walk_in(form), staff_user_id=current_user.id
            )
        except WalkInKnown as known:
            show_refusal(form, known)
        except InvalidEmail:
            form.email.errors.append(_("This is not a valid e-mail address."))
        else:
            if form.point.data is not None:
                _admit(registration_id, form.point.data, _choice_label(form.point))
            return redirect(url_for("checkin.walk_in_done", registration_id=registration_id))
    return render_template("checkin/walk_in.html", form=form)


def _choice_label(field: Any) -> str:
    """The label of a select field's chosen option (the point's name)."""
    return next((str(c.label) for c in field.choices if c.value == field.data), "")


def _admit(registration_id: int, point_id: int, point_name: str) -> None:
    result = checkin_scans.admit_manually(
        registration_id, point_id=point_id, staff_user_id=current_user.id, device="desk walk-in"
    )
    if result.outcome == Outcome.ADMITTED:
        flash(_("Admitted at %(point)s.", point=point_name), "success")
    else:
        flash(
            _(
                "Registered, but not admitted there: %(outcome)s.",
                outcome=outcome_label(result.outcome),
            ),
            "error",
        )


@bp.route("/desk/walk-in/<int:registration_id>")
@role_required(Role.DESK)
def walk_in_done(registration_id: int) -> str:
    """The walk-in is registered: their badge to print, and where they were let in."""
    registration = db.get_or_404(Registration, registration_id)
    if registration.forum_id != _forum().id:
        abort(404)
    return render_template("checkin/walk_in_done.html", registration=registration)
