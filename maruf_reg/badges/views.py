"""Badge pages: the participant's own badge, the desk's print and reprint, batches, settings."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from maruf_reg import files, limits
from maruf_reg.auth.access import admin_required, role_required, takes_tokens
from maruf_reg.badges import batches, services, tasks
from maruf_reg.badges.errors import STATUS_NAMES
from maruf_reg.badges.forms import CATEGORY_NAMES, BatchForm, PrintForm, SettingsForm
from maruf_reg.badges.layouts import DEFAULT_LAYOUT, LAYOUTS
from maruf_reg.dates import format_moment
from maruf_reg.extensions import db, limiter
from maruf_reg.forum import current_forum
from maruf_reg.i18n import locale_code
from maruf_reg.models import (
    Category,
    Forum,
    Job,
    JobStatus,
    Registration,
    Role,
    Session,
    StaffUser,
    Theme,
)

bp = Blueprint("badges", __name__, cli_group=None)

DESK = (Role.DESK,)


def _pdf(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    # A badge is personal and may be revoked: never kept by a shared cache or the browser.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _layout() -> str:
    layout = request.args.get("layout", DEFAULT_LAYOUT)
    if layout not in LAYOUTS:
        abort(400)
    return layout


def _forum() -> Forum:
    forum = current_forum()
    if forum is None:
        abort(404)
    return forum


def _staff_id() -> int | None:
    """The staff user acting; None for a bearer token (a script or device)."""
    user = current_user._get_current_object()  # the proxied object, for isinstance
    return user.id if isinstance(user, StaffUser) else None


def _not_printable(error: services.BadgeError, code: int = 409) -> tuple[str, int]:
    return render_template("badges/unavailable.html", message=error.translated()), code


@bp.route("/r/<token>/badge.pdf")
@limiter.limit(lambda: current_app.config["RATELIMIT_BADGE"], key_func=limits.personal_link)
def personal_badge(token: str) -> Any:
    """A participant downloads their own badge from the personal link (confirmed only)."""
    try:
        registration, pdf = services.personal_badge(token, layout=_layout())
    except services.RegistrationNotFound:
        abort(404)
    except services.NotConfirmed as error:
        g.person_locale = error.language
        return render_template("badges/unavailable.html", status=error.status.value), 404
    return _pdf(pdf, f"badge-{registration.forum.slug}.pdf")


@bp.route("/desk/badges/<int:registration_id>.pdf", methods=["POST"])
@takes_tokens
@role_required(*DESK)
def print_one(registration_id: int) -> Any:
    """The desk prints a registration's badge now (same serial; recorded as printed). A POST with
    the form's CSRF token (checked before every form) or a desk token: a link (a GET, maybe from
    another site) never marks a badge printed."""
    try:
        pdf = services.print_one(registration_id, layout=_layout(), staff_user_id=_staff_id())
    except services.RegistrationNotFound:
        abort(404)
    except services.BadgeError as error:
        return _not_printable(error)
    return _pdf(pdf, f"badge-{registration_id}.pdf")


@bp.route("/desk/badges/<int:registration_id>/reprint", methods=["POST"])
@takes_tokens
@role_required(*DESK)
def reprint(registration_id: int) -> Any:
    """A lost badge: a new serial (the lost badge stops working), then the new badge's PDF."""
    form = PrintForm()
    if not form.validate_on_submit():
        abort(400)
    layout = _layout() if "layout" in request.args else request.form.get("layout", DEFAULT_LAYOUT)
    if layout not in LAYOUTS:
        abort(400)
    try:
        services.reprint(registration_id, staff_user_id=_staff_id())
        registration = db.get_or_404(Registration, registration_id)
        pdf = services.render_badges([registration], layout=layout)
    except services.RegistrationNotFound:
        abort(404)
    except services.BadgeError as error:
        return _not_printable(error)
    return _pdf(pdf, f"badge-{registration_id}-{registration.badge_serial}.pdf")


def _batch_form(forum: Forum) -> BatchForm:
    form = BatchForm()
    language = locale_code()
    themes = db.session.scalars(
        select(Theme).where(Theme.forum_id == forum.id).order_by(Theme.position, Theme.id)
    )
    form.theme.choices = [
        SelectChoice("", _("All themes")),
        *(SelectChoice(t.slug, t.name(language)) for t in themes),
    ]
    sessions = db.session.scalars(
        select(Session).where(Session.forum_id == forum.id).order_by(Session.starts_at, Session.id)
    )
    form.session.choices = [
        SelectChoice("", _("All sessions")),
        *(
            SelectChoice(
                str(s.id),
                f"{format_moment(s.starts_at, 'weekday_time', locale=language, zone=forum.zone)}"
                f" · {s.title(language)}",
            )
            for s in sessions
        ),
    ]
    return form


def _names() -> dict[str, Any]:
    """Names of categories, statuses and layouts, for the templates."""
    return {
        "category_names": {c.value: name for c, name in CATEGORY_NAMES.items()},
        "status_names": STATUS_NAMES,
        "layouts": LAYOUTS,
    }


@bp.route("/admin/badges", methods=["GET", "POST"])
@role_required(*DESK)
def admin_batches() -> Any:
    """Print badges in batches (a background job), and find one person's badge."""
    forum = _forum()
    form = _batch_form(forum)
    if form.validate_on_submit():
        if form.reprint.data and not current_user.has_role(Role.ADMIN):
            form.form_errors.append(_("Only organisers may reprint a whole batch."))
        else:
            selection = batches.Selection(
                category=form.category.data or None,
                theme=form.theme.data or None,
                session_id=int(form.session.data) if form.session.data else None,
                unprinted=bool(form.unprinted.data),
                order=form.order.data or "family_name",
            )
            try:
                job = batches.start_batch_job(
                    forum.id,
                    selection,
                    layout=form.layout.data or DEFAULT_LAYOUT,
                    reprint=bool(form.reprint.data),
                    staff_user_id=_staff_id(),
                )
            except services.BadgeError as error:
                form.form_errors.append(error.translated())
            else:
                tasks.render_badge_batch(job.id)
                return redirect(url_for("badges.job", job_id=job.id), code=303)
    query = request.args.get("q", "").strip()
    return render_template(
        "badges/admin_batches.html",
        form=form,
        jobs=batches.recent_jobs(),
        query=query,
        found=services.find_registrations(forum.id, query) if query else [],
        print_form=PrintForm(),
        **_names(),
    )


def _job_or_404(job_id: int) -> Job:
    job = db.get_or_404(Job, job_id)
    if job.kind != batches.JOB_KIND:
        abort(404)
    return job


def job_state(job: Job) -> dict[str, Any]:
    """What the progress bar shows, as JSON."""
    done = job.status == JobStatus.DONE
    return {
        "id": job.id,
        "status": job.status.value,
        "done": job.done,
        "total": job.total,
        "percent": round(100 * job.done / job.total) if job.total else (100 if done else 0),
        "error": job.error if job.status == JobStatus.FAILED else "",
        "download_url": url_for("badges.job_download", job_id=job.id) if done else None,
    }


@bp.route("/admin/badges/jobs/<int:job_id>")
@role_required(*DESK)
def job(job_id: int) -> Any:
    """A batch's progress, live, and its PDF when done."""
    job = _job_or_404(job_id)
    return render_template("badges/job.html", job=job, state=job_state(job), **_names())


@bp.route("/admin/badges/jobs/<int:job_id>/status")
@role_required(*DESK)
def job_status(job_id: int) -> Any:
    """A batch's progress as JSON (polled by the job page)."""
    response = jsonify(job_state(_job_or_404(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/admin/badges/jobs/<int:job_id>/badges.pdf")
@role_required(*DESK)
def job_download(job_id: int) -> Any:
    """The PDF of a finished batch."""
    _job_or_404(job_id)
    stored = batches.job_file(job_id)
    if stored is None:
        abort(404)
    return files.response(stored, download_name=f"badges-{job_id}.pdf")


@bp.route("/admin/badges/preview.pdf")
@role_required(*DESK)
def preview() -> Any:
    """Sample badges (Turkish, Arabic, Chinese and long names) in the forum's colours and a layout."""
    forum = _forum()
    return _pdf(services.sample_badges(forum.id, layout=_layout()), "badge-preview.pdf")


@bp.route("/admin/badges/settings", methods=["GET", "POST"])
@admin_required
def settings() -> Any:
    """Organisers choose the badge colours and logo of the forum."""
    forum = _forum()
    colours = services.band_colours(forum)
    form = SettingsForm(data={"colour": forum.colour, **colours})
    if form.validate_on_submit():
        upload = form.logo.data
        logo = upload.read(services.LOGO_MAX_BYTES + 1) if upload and upload.filename else None
        try:
            services.update_settings(
                forum.id,
                colour=form.colour.data or "",
                colours={c.value: getattr(form, c.value).data or "" for c in Category},
                logo=logo,
                remove_logo=bool(form.remove_logo.data),
                staff_user_id=_staff_id(),
            )
        except services.BadLogo as error:
            form.logo.errors = [error.translated()]
        except services.BadgeError as error:
            form.form_errors.append(error.translated())
        else:
            flash(_("Badge settings saved."), "success")
            return redirect(url_for("badges.settings"), code=303)
    return render_template(
        "badges/settings.html",
        form=form,
        logo_url=services.logo_data_url(forum),
        layouts=LAYOUTS,
    )
