from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from maruf_reg import limits
from maruf_reg.auth import services
from maruf_reg.auth.access import admin_required
from maruf_reg.auth.forms import ApiTokenForm, ConfirmForm, LoginForm, StaffUserForm
from maruf_reg.extensions import db, limiter, login_manager
from maruf_reg.forum import choose_staff_forum
from maruf_reg.models import ApiToken, Role, StaffUser

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _staff_home() -> str:
    return url_for("auth.staff_home")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["RATELIMIT_LOGIN"],
    key_func=limits.account_and_address,
    methods=["POST"],
    deduct_when=limits.failed,
)
@limiter.limit(
    lambda: current_app.config["RATELIMIT_LOGIN_ADDRESS"],
    key_func=limits.client_address,
    methods=["POST"],
    deduct_when=limits.failed,
)
def login() -> str | Response:
    """Staff log in with e-mail and password."""
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data or "", form.password.data or "")
        if user is None:
            form.password.errors.append(_("Wrong e-mail or password."))
        else:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or _staff_home())
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    form = ConfirmForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()  # the proxied object, for isinstance
        if isinstance(user, StaffUser):
            services.end_sessions(user)
        logout_user()
        # The next person at this browser starts on the public forum again.
        choose_staff_forum(None)
    return redirect(url_for("program.index"))


@bp.route("/staff")
def staff_home() -> str | Response:
    """The staff start page: links to what the user's role may do."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()  # type: ignore[no-any-return]
    return render_template("auth/home.html")


@bp.route("/admin/staff", methods=["GET", "POST"])
@admin_required
def staff_users() -> str | Response:
    """Organisers list and add staff users."""
    form = StaffUserForm()
    if form.validate_on_submit():
        try:
            user, password = services.create_user(
                form.email.data or "",
                role=Role(form.role.data),
                password=form.password.data or None,
                name=form.name.data or "",
            )
        except services.AuthError as error:
            form.email.errors.append(str(error))
        else:
            if form.password.data:
                flash(_("Staff user %(email)s added.", email=user.email), "success")
            else:
                flash(
                    _(
                        "Staff user %(email)s added. Password: %(password)s",
                        email=user.email,
                        password=password,
                    ),
                    "success",
                )
            return redirect(url_for("auth.staff_users"))
    users = db.session.scalars(select(StaffUser).order_by(StaffUser.email)).all()
    return render_template("auth/staff.html", form=form, users=users, confirm=ConfirmForm())


@bp.route("/admin/staff/<int:user_id>/active", methods=["POST"])
@admin_required
def toggle_staff_user(user_id: int) -> Response:
    form = ConfirmForm()
    user = db.get_or_404(StaffUser, user_id)
    if form.validate_on_submit():
        if user.id == current_user.id:
            flash(_("You cannot deactivate yourself."), "error")
        else:
            user.active = not user.active
            db.session.commit()
    return redirect(url_for("auth.staff_users"))


@bp.route("/admin/tokens", methods=["GET", "POST"])
@admin_required
def api_tokens() -> str | Response:
    """Organisers create and revoke bearer tokens for scanner devices and scripts."""
    form = ApiTokenForm()
    new_token = None
    if form.validate_on_submit():
        _row, new_token = services.create_token(
            role=Role(form.role.data), name=form.name.data or "", created_by=current_user
        )
        form = ApiTokenForm(formdata=None)
    tokens = db.session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc())).all()
    return render_template(
        "auth/tokens.html", form=form, tokens=tokens, new_token=new_token, confirm=ConfirmForm()
    )


@bp.route("/admin/tokens/<int:token_id>/revoke", methods=["POST"])
@admin_required
def revoke_api_token(token_id: int) -> Response:
    token = db.get_or_404(ApiToken, token_id)
    if ConfirmForm().validate_on_submit():
        services.revoke_token(token, staff_user_id=current_user.id)
        flash(_("Token revoked."), "success")
    return redirect(url_for("auth.api_tokens"))
