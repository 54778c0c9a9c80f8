"""Organisers' and the desk's registration pages: list, search, approve, edit, cancel, import, invite.

Who may do what: the desk (and organisers) see, search and correct people's details (a misspelt name
before the badge is printed) and re-send a personal link; only organisers (admin) approve, reject,
cancel, change categories, import files and invite speakers.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from maruf_reg.auth.access import admin_required, role_required
from maruf_reg.extensions import db
from maruf_reg.forum import current_forum
from maruf_reg.i18n import locale_code
from maruf_reg.models import Category, Forum, Role, RoleKind, Theme
from maruf_reg.registration import answers, importer, lifecycle, listing, services, speakers
from maruf_reg.registration.forms import (
    AdminEditForm,
    ConfirmForm,
    FilterForm,
    ImportForm,
    InvitationForm,
    options,
)
from maruf_reg.registration.mails import session_when
from maruf_reg.registration.views import bp, person_details

IMPORT_MAX_BYTES = 10 * 1024 * 1024


def _forum() -> Forum:
    forum = current_forum()
    if forum is None:
        abort(404)
    return forum


def _staff_id() -> int:
    return int(current_user.id)


def _is_admin() -> bool:
    return bool(current_user.has_role(Role.ADMIN))


@bp.route("/admin/registrations")
@role_required(Role.DESK)
def admin_list() -> str:
    """Registrations of the forum: search, filters, pages of 50."""
    forum = _forum()
    form = FilterForm(formdata=request.args)
    themes = db.session.scalars(
        db.select(Theme).where(Theme.forum_id == forum.id).order_by(Theme.position, Theme.id)
    ).all()
    locale = locale_code()
    form.theme.choices = options(
        [("", _("All themes")), *((str(t.id), t.name(locale)) for t in themes)]
    )
    if form.left_out():
        flash(_("A filter in the address was not understood and is left out."), "warning")
    page = listing.search_registrations(
        forum.id, form.filters(), page=request.args.get("page", 1, type=int) or 1
    )
    return render_template(
        "registration/admin/list.html",
        form=form,
        page=page,
        args=form.query_args(),
        is_admin=_is_admin(),
    )


@bp.route("/admin/registrations/<int:registration_id>", methods=["GET", "POST"])
@role_required(Role.DESK)
def admin_detail(registration_id: int) -> str | Response:
    """One registration: details to correct, seats, speaking roles, actions and history."""
    registration = listing.registration_detail(registration_id)
    if registration is None:
        abort(404)
    person = registration.person
    form = AdminEditForm(obj=person)
    if not form.is_submitted():
        form.category.data = registration.category.value
    if not _is_admin():
        del form.category
    if form.validate_on_submit():
        try:
            changed = lifecycle.update_details(
                registration.id,
                person_details(form),
                email=form.email.data or None,
                category=Category(form.category.data) if "category" in form else None,
                actor="staff",
                staff_user_id=_staff_id(),
            )
        except services.EmailTaken:
            form.email.errors.append(_("Another person has this e-mail address."))
        except services.InvalidEmail:
            form.email.errors.append(_("This is not a valid e-mail address."))
        else:
            flash(_("Saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("registration.admin_detail", registration_id=registration_id))
    return render_template(
        "registration/admin/detail.html",
        form=form,
        registration=registration,
        person=person,
        seats=sorted(registration.seats, key=lambda s: (s.session.starts_at, s.session_id)),
        roles=services.speaking_roles(registration),
        answered=answers.answered(registration.forum_id, registration.id, locale_code()),
        history=listing.audit_trail(registration),
        confirm=ConfirmForm(),
        is_admin=_is_admin(),
    )


def _action(registration_id: int, run: Any, done: str) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        run()
    except services.WrongStatus:
        flash(_("This cannot be done in the registration's present state."), "error")
    except services.RegistrationError:
        abort(404)
    else:
        flash(done, "success")
    return redirect(url_for("registration.admin_detail", registration_id=registration_id))


@bp.route("/admin/registrations/<int:registration_id>/approve", methods=["POST"])
@admin_required
def admin_approve(registration_id: int) -> Response:
    """Confirm a pending registration; the person is told by mail."""
    return _action(
        registration_id,
        lambda: lifecycle.approve(registration_id, staff_user_id=_staff_id()),
        _("Approved. The person has been told by e-mail."),
    )


@bp.route("/admin/registrations/<int:registration_id>/reject", methods=["POST"])
@admin_required
def admin_reject(registration_id: int) -> Response:
    """Turn down a pending registration."""
    return _action(
        registration_id,
        lambda: lifecycle.reject(registration_id, staff_user_id=_staff_id()),
        _("Rejected. The person has been told by e-mail."),
    )


@bp.route("/admin/registrations/decide", methods=["POST"])
@admin_required
def admin_decide() -> Response:
    """Approve or reject the pending registrations ticked in the list, all at once."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    ids = [int(v) for v in request.form.getlist("registration") if v.isascii() and v.isdigit()]
    approve = request.form.get("decision") == "approve"
    done = lifecycle.decide_many(
        ids[:1000], approve=approve, forum_id=_forum().id, staff_user_id=_staff_id()
    )
    message = (
        ngettext("%(num)d approved.", "%(num)d approved.", done)
        if approve
        else ngettext("%(num)d rejected.", "%(num)d rejected.", done)
    )
    flash(message + " " + _("Each person has been told by e-mail."), "success")
    back = request.form.get("back", "")
    # Only a path on this site: the list the organiser came from.
    same_site = back.startswith("/") and not back.startswith(("//", "/\\"))
    return redirect(back if same_site else url_for("registration.admin_list"))


@bp.route("/admin/registrations/<int:registration_id>/cancel", methods=["POST"])
@admin_required
def admin_cancel(registration_id: int) -> Response:
    """Cancel a registration; its seats go to the waitlists."""
    return _action(
        registration_id,
        lambda: lifecycle.cancel(registration_id, actor="staff", staff_user_id=_staff_id()),
        _("Cancelled. The person has been told by e-mail."),
    )


@bp.route("/admin/registrations/<int:registration_id>/reactivate", methods=["POST"])
@admin_required
def admin_reactivate(registration_id: int) -> Response:
    """Undo a cancellation."""
    return _action(
        registration_id,
        lambda: lifecycle.reactivate(registration_id, actor="staff", staff_user_id=_staff_id()),
        _("The registration is active again."),
    )


@bp.route("/admin/registrations/<int:registration_id>/resend", methods=["POST"])
@role_required(Role.DESK)
def admin_resend(registration_id: int) -> Response:
    """Send the person their personal link again."""
    return _action(
        registration_id,
        lambda: lifecycle.resend(registration_id, staff_user_id=_staff_id()),
        _("The personal link has been sent again."),
    )


@bp.route("/admin/registrations/<int:registration_id>/photo")
@role_required(Role.DESK)
def admin_photo(registration_id: int) -> Response:
    """A speaker's photo, for organisers."""
    registration = listing.registration_detail(registration_id)
    if registration is None or not registration.person.photo:
        abort(404)
    response = Response(registration.person.photo, mimetype=registration.person.photo_type)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.route("/admin/registrations/import", methods=["GET", "POST"])
@admin_required
def admin_import() -> str | Response:
    """Organisers import people from a CSV file (all rows or none)."""
    forum = _forum()
    form = ImportForm()
    errors: list[tuple[int, str]] = []
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(IMPORT_MAX_BYTES + 1) if isinstance(upload, FileStorage) else b""
        if not data:
            form.file.errors.append(_("Please choose a CSV file."))
        elif len(data) > IMPORT_MAX_BYTES:
            form.file.errors.append(_("The file is larger than 10 MB; please split it."))
        else:
            try:
                result = importer.import_people(
                    forum.id,
                    data,
                    category=Category(form.category.data),
                    staff_user_id=_staff_id(),
                    send_mail=bool(form.send_mail.data),
                )
            except importer.ImportRefused as refused:
                errors = refused.errors
            else:
                flash(
                    _(
                        "Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged "
                        "(read as %(encoding)s, “%(delimiter)s”-separated).",
                        created=result.created,
                        updated=result.updated,
                        unchanged=result.unchanged,
                        encoding=result.encoding,
                        delimiter="TAB" if result.delimiter == "\t" else result.delimiter,
                    ),
                    "success",
                )
                return redirect(url_for("registration.admin_import"))
    return render_template(
        "registration/admin/import.html", form=form, errors=errors, columns=importer.COLUMNS
    )


@bp.route("/admin/speakers/invitations", methods=["GET", "POST"])
@admin_required
def admin_invitations() -> str | Response:
    """Organisers invite speakers to sessions and follow the invitations."""
    forum = _forum()
    locale = locale_code()
    form = InvitationForm()
    form.session.choices = options(
        (s.id, f"{session_when(s, forum, locale)} · {s.title(locale)}")
        for s in listing.forum_sessions(forum.id)
    )
    if form.validate_on_submit():
        try:
            speakers.invite(
                form.session.data,
                role=RoleKind(form.role.data),
                email=form.email.data,
                given_name=form.given_name.data or "",
                family_name=form.family_name.data or "",
                language=form.language.data or "tr",
                staff_user_id=_staff_id(),
            )
        except services.RegistrationError:
            form.session.errors.append(_("Please choose a session."))
        else:
            flash(_("The invitation has been sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("registration.admin_invitations"))
    return render_template(
        "registration/admin/invitations.html",
        form=form,
        invitations=speakers.invitations(forum.id),
    )
