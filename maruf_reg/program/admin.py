"""The organisers' programme pages: sessions and who speaks in them (setup.py: forum, themes, rooms).

Every page here is for organisers (admin role). A refused change comes back as a form error on the
same page, and nothing is changed (the services roll back).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from maruf_reg.auth.access import admin_required
from maruf_reg.extensions import db
from maruf_reg.forms import show_refusal
from maruf_reg.forum import current_forum, local_to_utc, utc_to_local
from maruf_reg.i18n import locale_code
from maruf_reg.models import Forum, Session, SessionKind, SessionRole
from maruf_reg.program import services, sessions, speakers, timetable
from maruf_reg.program.forms import (
    AddRoleForm,
    ButtonForm,
    DeleteForm,
    EditRoleForm,
    SessionForm,
)
from maruf_reg.program.labels import role_label
from maruf_reg.program.rules import ProgrammeError
from maruf_reg.program.speakers import PersonFields, RegistrationChange
from maruf_reg.program.views import booklet_response, bp, forum_or_404, own_or_404

Page = str | Response


def _id(value: str | None) -> int | None:
    return int(value) if value else None


def _bdi(name: str) -> Markup:
    return Markup("<bdi>%s</bdi>") % name


def _message(text: str, **values: Any) -> Markup:
    """A message (our own translated text) with values filled in escaped: names may carry <bdi>."""
    # Our text; values are escaped by %.
    return Markup(text) % values  # noqa: S704  # nosec B704


# --- the programme -----------------------------------------------------------------------------


@bp.route("/admin/program")
@admin_required
def admin_sessions() -> Page:
    """The organisers' programme: sessions by day, with their rooms, seats and warnings."""
    forum = current_forum()
    if forum is None:
        return redirect(url_for("program.forum_settings"))
    return render_template(
        "program/admin/sessions.html",
        days=sessions.sessions_by_day(forum),
        booked=sessions.booked_counts(forum.id),
        overlaps=speakers.forum_overlaps(forum.id),
        theme_count=len(timetable.themes(forum)),
        room_count=len(services.rooms(forum.id)),
    )


@bp.route("/admin/program/booklet.pdf")
@admin_required
def admin_booklet() -> Response:
    """The printable programme drawn afresh (the public copy is kept a few minutes)."""
    return booklet_response(forum_or_404(), fresh=True)


# --- sessions ----------------------------------------------------------------------------------


def _session_form(forum: Forum, session: Session | None = None) -> SessionForm:
    initial = None
    if session is not None:
        initial = {
            "kind": session.kind.value,
            "title_tr": session.title_tr,
            "title_en": session.title_en,
            "description_tr": session.description_tr,
            "description_en": session.description_en,
            "theme_id": str(session.theme_id or ""),
            "room_id": str(session.room_id or ""),
            "starts_at": utc_to_local(forum, session.starts_at),
            "ends_at": utc_to_local(forum, session.ends_at),
            "capacity": session.capacity,
            "needs_booking": session.needs_booking,
            "no_checkin": session.no_checkin,
        }
    return SessionForm(
        data=initial,
        themes=timetable.themes(forum),
        rooms=services.rooms(forum.id),
        days=(forum.starts_on, forum.ends_on),
    )


def _session_fields(forum: Forum, form: SessionForm) -> sessions.SessionFields:
    return sessions.SessionFields(
        kind=SessionKind(form.kind.data),
        title_tr=form.title_tr.data or "",
        title_en=form.title_en.data or "",
        description_tr=form.description_tr.data or "",
        description_en=form.description_en.data or "",
        theme_id=_id(form.theme_id.data),
        room_id=_id(form.room_id.data),
        starts_at=local_to_utc(forum, form.starts_at.data),
        ends_at=local_to_utc(forum, form.ends_at.data),
        capacity=form.capacity.data,
        needs_booking=form.needs_booking.data,
        no_checkin=form.no_checkin.data,
    )


def _flash_saved(saved: sessions.SessionSaved) -> None:
    flash(_("The session is saved."), "success")
    if saved.room_capacity is not None:
        flash(
            _(
                "The session has more places (%(capacity)d) than the room has seats (%(seats)d): "
                "right for standing room, otherwise lower it.",
                capacity=saved.session.capacity,
                seats=saved.room_capacity,
            ),
            "warning",
        )
    if saved.overlaps:
        flash(_("Somebody in this session is in another session at the same time."), "warning")


@bp.route("/admin/program/sessions/new", methods=["GET", "POST"])
@admin_required
def new_session() -> Page:
    """Add a session to the programme."""
    forum = forum_or_404()
    form = _session_form(forum)
    if form.validate_on_submit():
        try:
            saved = sessions.create_session(
                forum.id, _session_fields(forum, form), staff_user_id=current_user.id
            )
        except ProgrammeError as error:
            show_refusal(form, error)
        else:
            _flash_saved(saved)
            return redirect(url_for("program.edit_session", session_id=saved.session.id))
    return render_template("program/admin/session.html", form=form, session=None)


def _session_page(
    forum: Forum,
    session: Session,
    *,
    form: SessionForm | None = None,
    add_form: AddRoleForm | None = None,
    edit_forms: dict[int, EditRoleForm] | None = None,
) -> str:
    edit_forms = edit_forms or {}
    # The speaker picker: people found by the search above the form (a GET, so no script needed).
    who = request.args.get("who", "").strip()[:200]
    found = speakers.find_speakers(forum.id, who, locale=locale_code()) if who else []
    for role in session.roles:
        if role.id not in edit_forms:
            edit_forms[role.id] = EditRoleForm(
                prefix=f"role{role.id}",
                formdata=None,
                data={"role": role.role.value, "position": role.position},
            )
    return render_template(
        "program/admin/session.html",
        session=session,
        form=form or _session_form(forum, session),
        add_form=add_form or AddRoleForm(formdata=None, people=found),
        who=who,
        edit_forms=edit_forms,
        overlaps=speakers.speaker_overlaps(session),
        booked=sessions.booked_count(session.id),
        registrations=speakers.registrations_of(session),
        remove_form=ButtonForm(),
    )


@bp.route("/admin/program/sessions/<int:session_id>", methods=["GET", "POST"])
@admin_required
def edit_session(session_id: int) -> Page:
    """Change a session; see and change who speaks, moderates or chairs it."""
    forum = forum_or_404()
    session = own_or_404(Session, session_id, forum)
    form = _session_form(forum, session)
    if form.validate_on_submit():
        try:
            saved = sessions.update_session(
                session.id, _session_fields(forum, form), staff_user_id=current_user.id
            )
        except ProgrammeError as error:
            show_refusal(form, error)
            session = own_or_404(Session, session_id, forum)
        else:
            _flash_saved(saved)
            return redirect(url_for("program.edit_session", session_id=session.id))
    return _session_page(forum, session, form=form)


@bp.route("/admin/program/sessions/<int:session_id>/delete", methods=["GET", "POST"])
@admin_required
def delete_session(session_id: int) -> Page:
    """Delete a session; with booked seats only when the organiser confirms."""
    forum = forum_or_404()
    session = own_or_404(Session, session_id, forum)
    form = DeleteForm()
    if form.validate_on_submit():
        try:
            sessions.delete_session(
                session.id, confirm_booked=form.confirm.data, staff_user_id=current_user.id
            )
        except ProgrammeError as error:
            show_refusal(form, error)
        else:
            flash(_("The session is deleted."), "success")
            return redirect(url_for("program.admin_sessions"))
    booked = sessions.booked_count(session_id)
    return render_template(
        "program/admin/delete.html",
        form=form,
        what=session.title(locale_code()),
        back=url_for("program.edit_session", session_id=session_id),
        message=(
            _(
                "Seats booked in this session: %(count)d. They are cancelled with it; the people "
                "who had them, and those on its waitlist, are told by e-mail.",
                count=booked,
            )
            if booked
            else None
        ),
        needs_confirm=booked > 0,
    )


# --- who speaks, moderates or chairs -----------------------------------------------------------

REGISTRATION_NOTES = {
    RegistrationChange.CREATED: _l("%(name)s is now registered in the forum (confirmed)."),
    RegistrationChange.CONFIRMED: _l("%(name)s's pending registration is now confirmed."),
    RegistrationChange.REACTIVATED: _l("%(name)s's cancelled registration is active again."),
    RegistrationChange.UPGRADED: _l(
        "%(name)s was registered as a participant and is now registered to speak."
    ),
}


@bp.route("/admin/program/sessions/<int:session_id>/people", methods=["POST"])
@admin_required
def add_role(session_id: int) -> Page:
    """Add a speaker, moderator or chair: somebody picked from the list, or found or made by e-mail."""
    forum = forum_or_404()
    session = own_or_404(Session, session_id, forum)
    form = AddRoleForm(people=[])
    if form.validate_on_submit():
        person_id = _id(form.person_id.data)
        details = None
        if person_id is None and form.email.data:
            details = PersonFields(
                email=form.email.data,
                given_name=form.given_name.data or "",
                family_name=form.family_name.data or "",
                organisation=form.organisation.data or "",
                country=form.country.data or "",
            )
        try:
            added = speakers.add_session_role(
                session.id,
                role=form.role.data,
                person_id=person_id,
                person=details,
                position=form.position.data,
                staff_user_id=current_user.id,
            )
        except ProgrammeError as error:
            show_refusal(form, error)
            session = own_or_404(Session, session_id, forum)
        else:
            name = _bdi(added.person.name)
            flash(
                _message(
                    _("%(name)s added as %(role)s."), name=name, role=role_label(added.role.role)
                ),
                "success",
            )
            if note := REGISTRATION_NOTES.get(added.registration):
                flash(_message(str(note), name=name), "info")
            return redirect(url_for("program.edit_session", session_id=session.id))
    return _session_page(forum, session, add_form=form)


def _role(forum: Forum, session_id: int, role_id: int) -> SessionRole:
    session = own_or_404(Session, session_id, forum)
    role = db.get_or_404(SessionRole, role_id)
    if role.session_id != session.id:
        abort(404)
    return role


@bp.route("/admin/program/sessions/<int:session_id>/people/<int:role_id>", methods=["POST"])
@admin_required
def edit_role(session_id: int, role_id: int) -> Page:
    """Change somebody's part in a session, or their place in the order."""
    forum = forum_or_404()
    role = _role(forum, session_id, role_id)
    form = EditRoleForm(prefix=f"role{role.id}")
    if form.validate_on_submit():
        try:
            speakers.update_session_role(
                role.id,
                role=form.role.data,
                position=form.position.data,
                staff_user_id=current_user.id,
            )
        except ProgrammeError as error:
            show_refusal(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("program.edit_session", session_id=session_id))
    return _session_page(forum, own_or_404(Session, session_id, forum), edit_forms={role_id: form})


@bp.route("/admin/program/sessions/<int:session_id>/people/<int:role_id>/remove", methods=["POST"])
@admin_required
def remove_role(session_id: int, role_id: int) -> Response:
    """Take somebody off a session (their registration stays)."""
    forum = forum_or_404()
    role = _role(forum, session_id, role_id)
    if ButtonForm().validate_on_submit():
        name = role.person.name
        try:
            speakers.remove_session_role(role.id, staff_user_id=current_user.id)
        except ProgrammeError as error:
            flash(error.translated(), "error")
        else:
            flash(
                _message(_("%(name)s is no longer in this session."), name=_bdi(name)),
                "success",
            )
    return redirect(url_for("program.edit_session", session_id=session_id))
