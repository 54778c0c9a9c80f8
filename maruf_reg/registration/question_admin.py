"""Organisers' pages for the forum's own sign-up questions: ask, change, retire, ask again."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from maruf_reg.auth.access import admin_required
from maruf_reg.extensions import db
from maruf_reg.forms import show_refusal
from maruf_reg.forum import current_forum
from maruf_reg.models import Answer, Forum, Question
from maruf_reg.registration import questions
from maruf_reg.registration.forms import ConfirmForm
from maruf_reg.registration.question_forms import KIND_LABELS, QuestionForm
from maruf_reg.registration.views import bp


def _forum() -> Forum:
    forum = current_forum()
    if forum is None:
        abort(404)
    return forum


def _question(forum: Forum, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.forum_id != forum.id:
        abort(404)
    return question


@bp.route("/admin/questions", methods=["GET", "POST"])
@admin_required
def admin_questions() -> str | Response:
    """The forum's questions (retired ones too) with how many answered; a form to add one."""
    forum = _forum()
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            questions.save_question(forum.id, None, form.fields(), staff_user_id=current_user.id)
        except questions.QuestionError as error:
            show_refusal(form, error)
        else:
            flash(_("The question is on the sign-up form."), "success")
            return redirect(url_for("registration.admin_questions"))
    counts = dict(
        db.session.execute(
            select(Answer.question_id, func.count()).group_by(Answer.question_id)
        ).all()
    )
    return render_template(
        "registration/admin/questions.html",
        questions=questions.questions(forum.id, include_retired=True),
        counts=counts,
        kinds=KIND_LABELS,
        form=form,
        confirm=ConfirmForm(),
    )


@bp.route("/admin/questions/<int:question_id>", methods=["GET", "POST"])
@admin_required
def admin_question(question_id: int) -> str | Response:
    """Change a question; one with answers keeps its kind, and removed options are retired."""
    forum = _forum()
    question = _question(forum, question_id)
    form = QuestionForm(obj=question)
    if not form.is_submitted():
        form.fill(question)
    if form.validate_on_submit():
        try:
            questions.save_question(
                forum.id, question.id, form.fields(), staff_user_id=current_user.id
            )
        except questions.QuestionError as error:
            show_refusal(form, error)
        else:
            flash(_("Saved. Earlier answers are kept."), "success")
            return redirect(url_for("registration.admin_questions"))
    return render_template("registration/admin/question.html", question=question, form=form)


@bp.route("/admin/questions/<int:question_id>/retire", methods=["POST"])
@admin_required
def retire_question(question_id: int) -> Response:
    """Stop asking a question, or ask it again; its answers stay either way."""
    forum = _forum()
    question = _question(forum, question_id)
    if ConfirmForm().validate_on_submit():
        questions.retire_question(
            forum.id, question.id, retired=question.active, staff_user_id=current_user.id
        )
    return redirect(url_for("registration.admin_questions"))
