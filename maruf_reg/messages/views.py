"""Organisers' pages for messages: write, choose recipients, see the count and a sample, test,
send, follow, stop. Admin role."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from maruf_reg.auth.access import admin_required
from maruf_reg.errors import RuleError
from maruf_reg.extensions import db
from maruf_reg.forms import show_refusal
from maruf_reg.forum import current_forum
from maruf_reg.i18n import locale_code
from maruf_reg.messages import dispatch, sending, services
from maruf_reg.messages.forms import KIND_LABELS, MessageForm
from maruf_reg.models import Forum, Message, MessageKind, MessageState, Session, Theme
from maruf_reg.registration.forms import ConfirmForm, options

bp = Blueprint("messages", __name__)


def _forum() -> Forum:
    forum = current_forum()
    if forum is None:
        abort(404)
    return forum


def _message(forum: Forum, message_id: int) -> Message:
    message = db.session.get(Message, message_id)
    if message is None or message.forum_id != forum.id:
        abort(404)
    return message


def _form(forum: Forum, message: Message | None = None) -> MessageForm:
    form = MessageForm(obj=message)
    locale = locale_code()
    themes = db.session.scalars(
        select(Theme).where(Theme.forum_id == forum.id).order_by(Theme.position, Theme.id)
    ).all()
    sessions = db.session.scalars(
        select(Session).where(Session.forum_id == forum.id).order_by(Session.starts_at, Session.id)
    ).all()
    form.theme.choices = options(
        [("", _("All themes")), *((str(t.id), t.name(locale)) for t in themes)]
    )
    form.session.choices = options(
        [("", _("No particular session")), *((str(s.id), s.title(locale)) for s in sessions)]
    )
    return form


def _save(forum: Forum, form: MessageForm, message_id: int | None) -> int | None:
    draft = services.Draft(
        kind=MessageKind(form.kind.data),
        texts=form.texts(),
        chosen=form.chosen(),
        rate=int(form.rate.data or 0),
    )
    try:
        return services.save_draft(forum.id, message_id, draft, staff_user_id=current_user.id)
    except RuleError as error:
        show_refusal(form, error)
        return None


@bp.route("/admin/messages")
@admin_required
def admin_messages() -> str:
    """The forum's messages with their progress."""
    forum = _forum()
    return render_template(
        "messages/list.html", messages=services.messages(forum.id), kinds=KIND_LABELS
    )


@bp.route("/admin/messages/new", methods=["GET", "POST"])
@admin_required
def new_message() -> str | Response:
    """Write a message; `?session_id=` prefills a service message to a session's people."""
    forum = _forum()
    form = _form(forum)
    if not form.is_submitted():
        session_id = request.args.get("session_id", type=int)
        session = db.session.get(Session, session_id) if session_id else None
        if session is not None and session.forum_id == forum.id:
            prefill = services.for_session(session)
            form.kind.data = prefill["kind"].value
            for name, text in prefill["texts"].items():
                getattr(form, name).data = text
            form.fill(prefill["chosen"])
        form.set_default_rate()
    if form.validate_on_submit():
        saved = _save(forum, form, None)
        if saved is not None:
            return redirect(url_for("messages.admin_message", message_id=saved))
    return render_template("messages/edit.html", form=form, message=None)


@bp.route("/admin/messages/<int:message_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_message(message_id: int) -> str | Response:
    forum = _forum()
    message = _message(forum, message_id)
    if message.state != MessageState.DRAFT:
        return redirect(url_for("messages.admin_message", message_id=message.id))
    form = _form(forum, message)
    if not form.is_submitted():
        form.kind.data = message.kind.value
        form.fill(services.chosen(message))
    if form.validate_on_submit() and _save(forum, form, message.id) is not None:
        return redirect(url_for("messages.admin_message", message_id=message.id))
    return render_template("messages/edit.html", form=form, message=message)


@bp.route("/admin/messages/<int:message_id>")
@admin_required
def admin_message(message_id: int) -> str:
    """A draft: the count and a sample; a sent message: its progress."""
    forum = _forum()
    message = _message(forum, message_id)
    draft = message.state == MessageState.DRAFT
    return render_template(
        "messages/message.html",
        message=message,
        kinds=KIND_LABELS,
        count=services.count(message) if draft else None,
        sample=services.sample(message, request.args.get("n", 0, type=int)) if draft else None,
        progress=sending.progress(message.id),
        failures=services.failures(message.id) if not draft else [],
        confirm=ConfirmForm(),
    )


@bp.route("/admin/messages/<int:message_id>/progress.json")
@admin_required
def message_progress(message_id: int) -> Any:
    """Sent, failed and queued rows as JSON (the progress bar polls it)."""
    message = _message(_forum(), message_id)
    counts = sending.progress(message.id)
    response = jsonify(
        state=message.state.value,
        sent=counts.sent,
        failed=counts.failed,
        queued=counts.queued + counts.sending,
        total=counts.total,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route(
    "/admin/messages/<int:message_id>/<any(test, send, stop, resume):action>", methods=["POST"]
)
@admin_required
def message_action(message_id: int, action: str) -> Response:
    """Send a test to oneself, send, stop or go on."""
    message = _message(_forum(), message_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form has expired. Please send it again."), "error")
        return redirect(url_for("messages.admin_message", message_id=message.id))
    try:
        _act(message, action)
    except RuleError as error:
        flash(error.translated(), "error")
    return redirect(url_for("messages.admin_message", message_id=message.id))


def _act(message: Message, action: str) -> None:
    staff = int(current_user.id)
    if action == "test":
        sent = services.send_test(
            message, to=current_user.email, index=request.form.get("n", 0, type=int)
        )
        if sent:
            flash(_("A test is on its way to %(email)s.", email=current_user.email), "success")
        else:
            flash(_("Nobody matches: there is no sample to send."), "warning")
    elif action == "send":
        count = dispatch.start(message.id, staff_user_id=staff)
        flash(_("The message is being sent to %(count)d people.", count=count), "success")
    elif action == "stop":
        dispatch.stop(message.id, staff_user_id=staff)
        flash(_("Sending is stopped; the rest was not sent."), "success")
    else:
        dispatch.resume(message.id, staff_user_id=staff)
