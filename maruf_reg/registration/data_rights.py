"""Pages for personal data rights: the copy of a person's data (a readable page and JSON) and
erasure, from the personal link and by an organiser; the public privacy notice.

The rules are on the ground floor (`maruf_reg/personal_data.py`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Response, abort, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from maruf_reg import personal_data
from maruf_reg.auth.access import admin_required
from maruf_reg.extensions import db
from maruf_reg.forum import current_forum
from maruf_reg.models import Registration
from maruf_reg.registration import services
from maruf_reg.registration.forms import ConfirmForm
from maruf_reg.registration.views import bp

PRIVATE_HEADERS = {"Cache-Control": "no-store, private", "X-Robots-Tag": "noindex, nofollow"}


def _by_token(token: str) -> Registration:
    registration = services.registration_by_token(token)
    if registration is None:
        abort(404)
    g.person_locale = registration.person.language
    return registration


def _json(copy: dict[str, Any], name: str) -> Response:
    body = json.dumps(copy, ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={**PRIVATE_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
    )


#: The copy's field names as a reader of the page calls them (the JSON keeps the names themselves;
#: a field without a label here is shown by its name).
FIELD_LABELS = {
    "action": _l("Action"),
    "answered_at": _l("Answered at"),
    "at": _l("Time"),
    "badge_serial": _l("Badge number"),
    "bio_en": _l("Biography (English)"),
    "bio_tr": _l("Biography (Turkish)"),
    "booked_at": _l("Booked at"),
    "by": _l("By"),
    "cancelled_at": _l("Cancelled at"),
    "category": _l("Category"),
    "confirmed_at": _l("Confirmed at"),
    "consent_announcements_at": _l("Agreed to announcements at"),
    "consent_data_at": _l("Agreed to the processing of data at"),
    "consent_photo_at": _l("Agreed to photographs at"),
    "country": _l("Country"),
    "created_at": _l("Created at"),
    "details": _l("Details"),
    "device": _l("Device"),
    "direction": _l("Direction"),
    "email": _l("E-mail"),
    "family_name": _l("Family name"),
    "given_name": _l("Given name"),
    "id": _l("Number"),
    "language": _l("Language"),
    "manual": _l("Admitted at the desk"),
    "number": _l("Number"),
    "offline": _l("Scanned offline"),
    "organisation": _l("Organisation"),
    "outcome": _l("Answer at the door"),
    "phone": _l("Phone"),
    "photo": _l("Photo"),
    "point": _l("Check-in point"),
    "position": _l("Position"),
    "printed_at": _l("Printed at"),
    "question_en": _l("Question (English)"),
    "question_tr": _l("Question (Turkish)"),
    "queued_at": _l("Queued at"),
    "reprint": _l("Reprint"),
    "requested_at": _l("Requested at"),
    "role": _l("Role"),
    "scanned_at": _l("Scanned at"),
    "sent_at": _l("Sent at"),
    "serial": _l("Badge number"),
    "session": _l("Session"),
    "source": _l("Registered through"),
    "starts_at": _l("Starts at"),
    "status": _l("Status"),
    "subject": _l("Subject"),
    "text": _l("Answer"),
}


def _page(registration: Registration, *, token: str | None) -> Response:
    data = personal_data.copy_of(registration.id)
    html = render_template(
        "registration/my_data.html",
        data=data,
        labels=FIELD_LABELS,
        # The copy's moment for people, by the one formatter (the copy itself keeps ISO 8601).
        generated_at=datetime.fromisoformat(data["generated_at"]),
        registration=registration,
        token=token,
    )
    return Response(html, headers=PRIVATE_HEADERS)


@bp.route("/r/<token>/data")
def my_data(token: str) -> Response:
    """Everything held about the person, readable."""
    return _page(_by_token(token), token=token)


@bp.route("/r/<token>/data.json")
def my_data_json(token: str) -> Response:
    """Everything held about the person, as JSON (a copy to take away)."""
    registration = _by_token(token)
    return _json(personal_data.copy_of(registration.id), "my-data.json")


@bp.route("/r/<token>/erase", methods=["GET", "POST"])
def erase_me(token: str) -> str | BaseResponse:
    """The person erases their data; the link stops working, the statistics stay."""
    registration = _by_token(token)
    form = ConfirmForm()
    if form.validate_on_submit():
        personal_data.erase_person(registration.id, actor="self")
        flash(_("Your data has been erased. This link no longer works."), "success")
        return redirect(url_for("registration.privacy"))
    return render_template("registration/erase.html", form=form, token=token)


@bp.route("/admin/registrations/<int:registration_id>/data")
@admin_required
def admin_data(registration_id: int) -> Response:
    """An organiser answers a request for a copy: the readable page (its JSON is linked)."""
    return _page(db.get_or_404(Registration, registration_id), token=None)


@bp.route("/admin/registrations/<int:registration_id>/data.json")
@admin_required
def admin_data_json(registration_id: int) -> Response:
    registration = db.get_or_404(Registration, registration_id)
    return _json(personal_data.copy_of(registration.id), f"registration-{registration.id}.json")


@bp.route("/admin/registrations/<int:registration_id>/erase", methods=["POST"])
@admin_required
def admin_erase(registration_id: int) -> BaseResponse:
    """An organiser erases a person's data on their request (audited: who and when)."""
    registration = db.get_or_404(Registration, registration_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    personal_data.erase_person(registration.id, staff_user_id=current_user.id)
    flash(_("The person's data has been erased; the statistics are kept."), "success")
    return redirect(url_for("registration.admin_detail", registration_id=registration.id))


@bp.route("/privacy")
def privacy() -> str:
    """The privacy notice: what is kept, why, for how long, and the person's rights."""
    return render_template(
        "registration/privacy.html",
        forum=current_forum(),
        retention_days=current_app.config["DATA_RETENTION_DAYS"],
    )
