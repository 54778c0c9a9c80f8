"""The organisers' set-up pages: the forum's settings, its themes and its rooms (admin role)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from maruf_reg.auth.access import admin_required, role_required
from maruf_reg.extensions import db
from maruf_reg.forms import show_refusal
from maruf_reg.forum import choose_staff_forum, current_forum, public_forum
from maruf_reg.i18n import locale_code
from maruf_reg.models import Forum, Role, Room, Theme
from maruf_reg.program import editions as edition_rules
from maruf_reg.program import services, timetable
from maruf_reg.program.forms import (
    ButtonForm,
    ChooseForumForm,
    DeleteForm,
    EditionForm,
    ForumForm,
    RoomForm,
    ThemeForm,
)
from maruf_reg.program.rules import ProgrammeError
from maruf_reg.program.views import bp, forum_or_404, own_or_404

Page = str | Response


@bp.route("/admin/forum", methods=["GET", "POST"])
@admin_required
def forum_settings() -> Page:
    """The forum's names, dates, venue, time zone, colour and whether registration is open.

    With no forum yet, the same page makes one.
    """
    forum = current_forum()
    initial = {name: getattr(forum, name) for name in services.FORUM_SETTINGS} if forum else None
    form = ForumForm(data=initial, timezones=services.timezone_names())
    if form.validate_on_submit():
        fields = services.ForumFields(**{name: form[name].data for name in services.FORUM_SETTINGS})
        try:
            if forum is None:
                services.create_forum(
                    form.slug.data or "",
                    fields,
                    secret_key=current_app.config["SECRET_KEY"],
                    staff_user_id=current_user.id,
                )
            else:
                services.update_forum(forum.id, fields, staff_user_id=current_user.id)
        except ProgrammeError as error:
            show_refusal(form, error)
        else:
            flash(_("The forum's settings are saved."), "success")
            return redirect(url_for("program.admin_sessions"))
    return render_template("program/admin/forum.html", form=form, creating=forum is None)


# --- editions -----------------------------------------------------------------------------------


@bp.route("/admin/forums")
@role_required(Role.DESK, Role.DOOR)
def editions() -> str:
    """Every edition of the forum: staff choose which one they work on; organisers make the next."""
    return render_template(
        "program/admin/editions.html",
        editions=edition_rules.editions(),
        working_on=current_forum(),
        public=public_forum(),
        form=ChooseForumForm(),
    )


@bp.route("/admin/forums/choose", methods=["POST"])
@role_required(Role.DESK, Role.DOOR)
def choose_edition() -> Response:
    """Work on another edition in the staff pages (kept in the staff user's session)."""
    form = ChooseForumForm()
    if form.validate_on_submit():
        chosen = db.session.get(Forum, form.forum.data)
        if chosen is None:
            abort(404)
        choose_staff_forum(chosen.id)
        flash(_("You are working on %(forum)s.", forum=chosen.name(locale_code())), "success")
    return redirect(url_for("program.editions"))


def _edition_form() -> EditionForm:
    return EditionForm(
        timezones=services.timezone_names(),
        editions=[(str(f.id), f.name(locale_code())) for f in edition_rules.editions()],
        parts=[(p.key, p.label) for p in edition_rules.PARTS.values()],
    )


@bp.route("/admin/forums/new", methods=["GET", "POST"])
@admin_required
def new_edition() -> Page:
    """Make the next edition, copying what carries over from an earlier one."""
    form = _edition_form()
    if form.validate_on_submit():
        fields = services.ForumFields(**{name: form[name].data for name in services.FORUM_SETTINGS})
        try:
            made = edition_rules.create_edition(
                form.slug.data or "",
                fields,
                source_id=int(form.source.data) if form.source.data else None,
                parts=form.parts.data or [],
                freeze_source=bool(form.freeze_source.data),
                secret_key=current_app.config["SECRET_KEY"],
                staff_user_id=current_user.id,
            )
        except ProgrammeError as error:
            show_refusal(form, error)
        else:
            choose_staff_forum(made.id)
            flash(
                _("%(forum)s is made; you are working on it.", forum=made.name(locale_code())),
                "success",
            )
            return redirect(url_for("program.admin_sessions"))
    return render_template("program/admin/new_edition.html", form=form)


@bp.route("/admin/forums/<int:forum_id>/frozen", methods=["POST"])
@admin_required
def freeze_edition(forum_id: int) -> Response:
    """Freeze an edition (read only), or thaw it."""
    form = ButtonForm()
    if form.validate_on_submit():
        forum = db.get_or_404(Forum, forum_id)
        frozen = request.form.get("frozen") == "1"
        edition_rules.set_frozen(forum.id, frozen, staff_user_id=current_user.id)
        flash(
            _("The edition is frozen.") if frozen else _("The edition can be changed again."),
            "success",
        )
    return redirect(url_for("program.editions"))


# --- themes ------------------------------------------------------------------------------------


def _theme_fields(form: ThemeForm) -> services.ThemeFields:
    return services.ThemeFields(
        slug=form.slug.data or "",
        name_tr=form.name_tr.data or "",
        name_en=form.name_en.data or "",
        description_tr=form.description_tr.data or "",
        description_en=form.description_en.data or "",
        colour=form.colour.data or "",
        position=form.position.data or 0,
    )


@bp.route("/admin/program/themes", methods=["GET", "POST"])
@admin_required
def admin_themes() -> Page:
    """The forum's themes, and a form to add one."""
    forum = forum_or_404()
    form = ThemeForm()
    if form.validate_on_submit():
        try:
            services.create_theme(forum.id, _theme_fields(form), staff_user_id=current_user.id)
        except ProgrammeError as error:
            show_refusal(form, error)
        else:
            flash(_("The theme is added."), "success")
            return redirect(url_for("program.admin_themes"))
    return render_template(
        "program/admin/themes.html",
        form=form,
        themes=timetable.themes(forum),
        usage=services.theme_usages(forum.id),
    )


@bp.route("/admin/program/themes/<int:theme_id>", methods=["GET", "POST"])
@admin_required
def edit_theme(theme_id: int) -> Page:
    """Change a theme."""
    forum = forum_or_404()
    theme = own_or_404(Theme, theme_id, forum)
    form = ThemeForm(obj=theme)
    if form.validate_on_submit():
        try:
            services.update_theme(theme.id, _theme_fields(form), staff_user_id=current_user.id)
        except ProgrammeError as error:
            show_refusal(form, error)
        else:
            flash(_("The theme is saved."), "success")
            return redirect(url_for("program.admin_themes"))
    return render_template("program/admin/theme.html", form=form, theme=theme)


@bp.route("/admin/program/themes/<int:theme_id>/delete", methods=["GET", "POST"])
@admin_required
def delete_theme(theme_id: int) -> Page:
    """Delete a theme; when sessions have it, only once the organiser confirms."""
    forum = forum_or_404()
    theme = own_or_404(Theme, theme_id, forum)
    form = DeleteForm()
    if form.validate_on_submit():
        try:
            services.delete_theme(
                theme.id, confirm_in_use=form.confirm.data, staff_user_id=current_user.id
            )
        except ProgrammeError as error:
            show_refusal(form, error)
        else:
            flash(_("The theme is deleted."), "success")
            return redirect(url_for("program.admin_themes"))
    used = services.theme_usage(theme_id)
    return render_template(
        "program/admin/delete.html",
        form=form,
        what=theme.name(locale_code()),
        back=url_for("program.admin_themes"),
        message=_(
            "Sessions with this theme: %(count)d. They keep their place, without a theme.",
            count=used,
        )
        if used
        else None,
        needs_confirm=used > 0,
    )


# --- rooms -------------------------------------------------------------------------------------


def _room_fields(form: RoomForm) -> services.RoomFields:
    return services.RoomFields(
        name=form.name.data or "",
        capacity=form.capacity.data or 0,
        position=form.position.data or 0,
    )


@bp.route("/admin/program/rooms", methods=["GET", "POST"])
@admin_required
def admin_rooms() -> Page:
    """The venue's rooms, and a form to add one."""
    forum = forum_or_404()
    form = RoomForm()
    if form.validate_on_submit():
        try:
            services.create_room(forum.id, _room_fields(form), staff_user_id=current_user.id)
        except ProgrammeError as error:
            show_refusal(form, error)
        else:
            flash(_("The room is added."), "success")
            return redirect(url_for("program.admin_rooms"))
    return render_template(
        "program/admin/rooms.html",
        form=form,
        rooms=services.rooms(forum.id),
        usage=services.room_usages(forum.id),
    )


@bp.route("/admin/program/rooms/<int:room_id>", methods=["GET", "POST"])
@admin_required
def edit_room(room_id: int) -> Page:
    """Rename a room or change its capacity."""
    forum = forum_or_404()
    room = own_or_404(Room, room_id, forum)
    form = RoomForm(obj=room)
    if form.validate_on_submit():
        try:
            services.update_room(room.id, _room_fields(form), staff_user_id=current_user.id)
        except ProgrammeError as error:
            show_refusal(form, error)
        else:
            flash(_("The room is saved."), "success")
            return redirect(url_for("program.admin_rooms"))
    return render_template("program/admin/room.html", form=form, room=room)


@bp.route("/admin/program/rooms/<int:room_id>/delete", methods=["GET", "POST"])
@admin_required
def delete_room(room_id: int) -> Page:
    """Delete a room that no session uses."""
    forum = forum_or_404()
    room = own_or_404(Room, room_id, forum)
    form = DeleteForm()
    if form.validate_on_submit():
        try:
            services.delete_room(room.id, staff_user_id=current_user.id)
        except ProgrammeError as error:
            show_refusal(form, error)
        else:
            flash(_("The room is deleted."), "success")
            return redirect(url_for("program.admin_rooms"))
    used = services.room_usage(room_id)
    return render_template(
        "program/admin/delete.html",
        form=form,
        what=room.name,
        back=url_for("program.admin_rooms"),
        message=_("Sessions in this room: %(count)d. Move or delete them first.", count=used)
        if used
        else None,
        refused=used > 0,
        needs_confirm=False,
    )
