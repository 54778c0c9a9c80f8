"""The personal link `/r/<token>`: the person's own page, where they edit their details, change
their sessions, cancel (and undo their own cancellation) and take their calendar.

The routes hang on registration's blueprint (`maruf_reg/registration/views.py`); the badge and the
certificate on the same link belong to the badges and reports capabilities.
"""

from __future__ import annotations

import contextlib

from flask import (
    Response,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from maruf_reg.i18n import locale_code
from maruf_reg.models import Registration, SeatStatus
from maruf_reg.program import ics
from maruf_reg.registration import answers, lifecycle, questions, seats, services
from maruf_reg.registration.forms import (
    ConfirmForm,
    EditForm,
    SessionsForm,
)
from maruf_reg.registration.question_forms import QuestionInput
from maruf_reg.registration.seats import SeatError
from maruf_reg.registration.views import bp, person_details, seat_error, session_options


def _registration(token: str) -> Registration:
    registration = services.registration_by_token(token)
    if registration is None:
        abort(404)
    # The page speaks the person's language, unless they switch (?lang= or the cookie).
    g.person_locale = registration.person.language
    if registration.forum.frozen and request.method not in ("GET", "HEAD"):
        abort(409)  # an earlier edition is kept as it was (erasing one's data stays possible)
    return registration


@bp.route("/r/<token>")
def manage(token: str) -> str:
    """The person's own page: details, sessions, badge, edit and cancel."""
    registration = _registration(token)
    return render_template(
        "registration/manage.html",
        registration=registration,
        answered=answers.answered(registration.forum_id, registration.id, locale_code()),
        person=registration.person,
        seats=sorted(registration.seats, key=lambda s: (s.session.starts_at, s.session_id)),
        positions=seats.waitlist_positions(registration.seats),
        roles=services.speaking_roles(registration),
        confirm=ConfirmForm(),
        token=token,
    )


@bp.route("/r/<token>/edit", methods=["GET", "POST"])
def edit(token: str) -> str | BaseResponse:
    """The person corrects their details."""
    registration = _registration(token)
    person = registration.person
    form = EditForm(obj=person)
    asked = [q for q in questions.specs(registration.forum_id) if q.asks(registration.category)]
    if not form.is_submitted():
        form.consent_photo.data = registration.consent_photo_at is not None
        form.consent_announcements.data = registration.consent_announcements_at is not None
        given = QuestionInput.answered(asked, answers.answers_of(registration.id))
    else:
        given = QuestionInput.posted(asked)
    valid = form.validate_on_submit()
    values = given.read(registration.category) if form.is_submitted() else None
    if valid and values is not None:
        lifecycle.update_details(
            registration.id,
            person_details(form),
            consent_photo=bool(form.consent_photo.data),
            consent_announcements=bool(form.consent_announcements.data),
            answers=values,
            actor="self",
        )
        # The next page speaks the language just chosen; so does this message.
        with force_locale(form.language.data):
            flash(_("Your details are saved."), "success")
        return redirect(url_for("registration.manage", token=token))
    return render_template(
        "registration/edit.html", form=form, questions=given, registration=registration, token=token
    )


@bp.route("/r/<token>/sessions", methods=["GET", "POST"])
def sessions(token: str) -> str | BaseResponse:
    """The person chooses sessions again: new seats, freed seats, waitlists."""
    registration = _registration(token)
    if not registration.is_active:
        flash(_("A cancelled registration has no seats."), "error")
        return redirect(url_for("registration.manage", token=token))
    held = {seat.session_id: seat for seat in registration.seats}
    form = SessionsForm()
    if not form.is_submitted():
        form.sessions.data = sorted(held)
    if form.validate_on_submit():
        try:
            changes = lifecycle.change_sessions(
                registration.id, form.sessions.data or [], actor="self"
            )
        except SeatError as error:
            seat_error(form, error)
        except services.WrongStatus:
            abort(409)
        else:
            if changes.waitlisted:
                flash(
                    _(
                        "Your sessions are saved. Some are full: you are on their waitlist, "
                        "and we will write to you if a seat becomes free."
                    ),
                    "warning",
                )
            else:
                flash(_("Your sessions are saved."), "success")
            return redirect(url_for("registration.manage", token=token))
    return render_template(
        "registration/sessions.html",
        form=form,
        options=session_options(registration.forum, set(held)),
        held={sid: seat.status == SeatStatus.BOOKED for sid, seat in held.items()},
        registration=registration,
        token=token,
    )


@bp.route("/r/<token>/cancel", methods=["GET", "POST"])
def cancel(token: str) -> str | BaseResponse:
    """The person cancels their registration (after confirming)."""
    registration = _registration(token)
    form = ConfirmForm()
    if not registration.is_active:
        return redirect(url_for("registration.manage", token=token))
    if form.validate_on_submit():
        with contextlib.suppress(services.WrongStatus):
            lifecycle.cancel(registration.id, actor="self")
        flash(_("Your registration is cancelled. Your seats are given to others."), "success")
        return redirect(url_for("registration.manage", token=token))
    return render_template(
        "registration/cancel.html", form=form, registration=registration, token=token
    )


@bp.route("/r/<token>/reactivate", methods=["POST"])
def reactivate(token: str) -> BaseResponse:
    """A person who cancelled registers again (no seats: they choose sessions anew)."""
    registration = _registration(token)
    if ConfirmForm().validate_on_submit():
        try:
            lifecycle.reactivate(registration.id, actor="self")
        except services.OrganisersDecision:
            flash(_("The organisers ended this registration: only they can change it."), "error")
        except services.WrongStatus:
            pass
        else:
            flash(_("You are registered again."), "success")
    return redirect(url_for("registration.manage", token=token))


@bp.route("/r/<token>/programme.ics")
def programme_ics(token: str) -> Response:
    """The person's sessions (booked, waitlisted, speaking) as a calendar file."""
    registration = _registration(token)
    locale = locale_code()
    seat_notes = {
        SeatStatus.BOOKED: _("You have a seat."),
        SeatStatus.WAITLISTED: _("You are on the waitlist."),
    }
    forum = registration.forum
    parts = {
        **{seat.session_id: (seat.session, seat_notes[seat.status]) for seat in registration.seats},
        **{
            role.session_id: (role.session, _("You speak in this session."))
            for role in services.speaking_roles(registration)
        },
    }
    events = [
        ics.session_event(forum, session, locale=locale, note=note)
        for session, note in sorted(parts.values(), key=lambda pair: pair[0].starts_at)
    ]
    body = ics.calendar(events, name=forum.name(locale))
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{registration.forum.slug}-programme.ics"'
    )
    return response
