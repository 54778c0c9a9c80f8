"""Public registration pages: sign-up, the personal link (/r/<token>) and speakers' profiles."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.dates import format_date
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response as BaseResponse

from maruf_reg.caching import AppCache
from maruf_reg.extensions import limiter
from maruf_reg.forum import current_forum
from maruf_reg.i18n import locale_code
from maruf_reg.models import Category, Forum, Registration, SeatStatus, Session
from maruf_reg.registration import ical, seats, services, speakers
from maruf_reg.registration.forms import (
    CATEGORY_LABELS,
    ConfirmForm,
    EditForm,
    ResendForm,
    SessionsForm,
    SignUpForm,
    SpeakerForm,
    options,
)
from maruf_reg.registration.mails import session_when
from maruf_reg.registration.seats import SeatError, SessionNotBookable, SessionsOverlap
from maruf_reg.text import localized

bp = Blueprint("registration", __name__, cli_group=None)

#: pages that show a person's data: never cached, never indexed
PRIVATE = frozenset(
    {
        "registration.manage",
        "registration.edit",
        "registration.sessions",
        "registration.cancel",
        "registration.programme_ics",
        "registration.speaker_register",
    }
)


@bp.after_request
def _private_pages(response: Response) -> Response:
    if request.endpoint in PRIVATE:
        response.headers["Cache-Control"] = "no-store, private"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _forum() -> Forum:
    forum = current_forum()
    if forum is None:
        abort(404)
    return forum


@bp.app_template_filter("registration_when")
def registration_when(session_: Session) -> str:
    """A session's day and hours in the forum's time zone and the page's language."""
    return session_when(session_, session_.forum, locale_code())


def _seat_error(form: Any, error: SeatError) -> None:
    locale = locale_code()
    if isinstance(error, SessionsOverlap):
        form.sessions.errors.append(
            _(
                "“%(first)s” and “%(second)s” take place at the same time: please choose one.",
                first=error.first.title(locale),
                second=error.second.title(locale),
            )
        )
    elif isinstance(error, SessionNotBookable):
        form.sessions.errors.append(_("One of the chosen sessions cannot be booked any more."))


@dataclass(frozen=True)
class SessionOption:
    """A session on the sign-up form, formatted once for the page's language."""

    id: int
    title: str
    day: str
    start: str
    end: str
    room: str
    #: seats still free (0: full, a new choice joins the waitlist)
    free: int
    #: "12 seats left" or "full: waitlist"
    seats_label: str


@functools.lru_cache(maxsize=256)
def _day_label(day: date, locale: str) -> str:
    return format_date(day, "EEEE d MMMM", locale=locale)


# The sign-up form's session list and, for visitors who have not posted yet, the whole page are
# kept for SIGNUP_PAGE_SECONDS: in a rush of sign-ups a worker then counts seats and renders the
# page about once a second. Bookings never rely on the counts shown (they count under a lock).
_session_lists: AppCache[tuple[int, str], list[SessionOption]] = AppCache(
    "signup_sessions", maxsize=64, ttl="SIGNUP_PAGE_SECONDS"
)
_signup_pages: AppCache[tuple[str, str], str] = AppCache(
    "signup_pages", maxsize=64, ttl="SIGNUP_PAGE_SECONDS"
)
#: stands for the visitor's own CSRF token in a kept page
_CSRF_SLOT = "\x00csrf\x00"
#: the current forum's sign-up rules, kept as long (by FORUM_SLUG: one current forum per app)
_sign_up_rules: AppCache[str, services.SignUpRules] = AppCache(
    "signup_rules", maxsize=4, ttl="SIGNUP_PAGE_SECONDS"
)


def _rules() -> services.SignUpRules:
    key = current_app.config["FORUM_SLUG"]
    rules = _sign_up_rules.get(key)
    if rules is None:
        rules = services.SignUpRules.of(_forum())
        _sign_up_rules.set(key, rules)
    return rules


def _sign_up_options(forum: Forum) -> list[SessionOption]:
    """The sign-up form's session list (kept, see above)."""
    key = (forum.id, locale_code())
    options = _session_lists.get(key)
    if options is None:
        options = _session_options(forum)
        _session_lists.set(key, options)
    return options


def _kept_sign_up_page() -> str | None:
    """The empty sign-up page if it was rendered less than SIGNUP_PAGE_SECONDS ago for this
    address and language, with the visitor's own CSRF token in it; None otherwise."""
    page = _signup_pages.get((locale_code(), request.full_path))
    return None if page is None else page.replace(_CSRF_SLOT, generate_csrf())


def _keep_sign_up_page(html: str) -> str:
    _signup_pages.set((locale_code(), request.full_path), html.replace(generate_csrf(), _CSRF_SLOT))
    return html


def _session_options(forum: Forum, held: Collection[int] = ()) -> list[SessionOption]:
    """Sessions to choose from with their free seats (held ones included even if over).

    One query and plain formatting: the sign-up page is the busiest page of the site.
    """
    locale, zone = locale_code(), forum.zone
    labels: dict[int, str] = {0: _("full: waitlist")}
    result = []
    for row in seats.seats_overview(forum.id, extra_ids=held):
        start, end = row.starts_at.astimezone(zone), row.ends_at.astimezone(zone)
        free = max(0, row.capacity - row.booked)
        if free not in labels:
            labels[free] = ngettext("%(num)d seat left", "%(num)d seats left", free)
        result.append(
            SessionOption(
                id=row.id,
                title=localized(row, "title", locale),
                day=_day_label(start.date(), locale),
                start=f"{start:%H:%M}",
                end=f"{end:%H:%M}",
                room=row.room,
                free=free,
                seats_label=labels[free],
            )
        )
    return result


def person_details(form: Any) -> services.PersonDetails:
    """What a person form says about the person (sign-up, edit, speaker, organisers' edit)."""
    return services.PersonDetails(
        given_name=form.given_name.data,
        family_name=form.family_name.data or "",
        organisation=form.organisation.data or "",
        position=form.position.data or "",
        country=form.country.data or "",
        phone=form.phone.data or "",
        language=form.language.data,
    )


# --- sign-up ---------------------------------------------------------------------------------------


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SIGNUP"], methods=["POST"])
def register() -> str | BaseResponse:
    """The one-step sign-up form."""
    # A first visit (no form sent, nobody logged in, no message waiting) looks the same for all,
    # and in a rush it is served from memory without a database query.
    first_visit = (
        request.method == "GET" and not current_user.is_authenticated and "_flashes" not in session
    )
    if first_visit and (page := _kept_sign_up_page()) is not None:
        return page
    form = SignUpForm()
    if not form.is_submitted():
        form.language.data = locale_code()
    # The form is checked before the database is touched: on SQLite a posting request holds the
    # write lock from its first query, and sign-ups come in rushes.
    if form.validate_on_submit():
        if form.website.data:
            # A bot filled the hidden field: answer as if all went well, keep nothing.
            return redirect(url_for("registration.sent"))
        data = services.SignUp(
            email=form.email.data,
            details=person_details(form),
            category=Category(form.category.data),
            session_ids=tuple(form.sessions.data or ()),
            consent_data=bool(form.consent_data.data),
            consent_photo=bool(form.consent_photo.data),
        )
        try:
            services.sign_up(_rules(), data)
        except SeatError as error:
            _seat_error(form, error)
        except services.CategoryNotAllowed:
            form.category.errors.append(_("Please choose one of the categories shown."))
        except services.InvalidEmail:
            form.email.errors.append(_("This is not a valid e-mail address."))
        except services.RegistrationClosed:
            form.form_errors.append(_("Registration is closed."))
        else:
            session["signup_email"] = data.email
            return redirect(url_for("registration.sent"))
    forum = _forum()
    form.category.choices = options(
        (c, CATEGORY_LABELS[Category(c)])
        for c in forum.signup_categories
        if c in Category._value2member_map_
    )

    html = render_template(
        "registration/register.html",
        form=form,
        options=_sign_up_options(forum),
        approval={c: _("confirmed after an organiser's check") for c in forum.approval_categories},
    )
    return _keep_sign_up_page(html) if first_visit else html


@bp.route("/register/sent")
def sent() -> str:
    """After a sign-up: the same answer whether the address was new or known."""
    return render_template("registration/sent.html", email=session.get("signup_email", ""))


@bp.route("/register/link", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_RESEND"], methods=["POST"])
def resend() -> str | BaseResponse:
    """A person who lost their personal link asks for it again."""
    forum = _forum()
    form = ResendForm()
    if form.validate_on_submit():
        if not form.website.data:
            services.send_link(forum.id, form.email.data)
        flash(
            _(
                "If %(email)s is registered, we have just sent its personal link there.",
                email=form.email.data,
            ),
            "success",
        )
        return redirect(url_for("registration.resend"))
    return render_template("registration/resend.html", form=form)


# --- the personal link -----------------------------------------------------------------------------


def _registration(token: str) -> Registration:
    registration = services.registration_by_token(token)
    if registration is None:
        abort(404)
    # The page speaks the person's language, unless they switch (?lang= or the cookie).
    g.person_locale = registration.person.language
    return registration


@bp.route("/r/<token>")
def manage(token: str) -> str:
    """The person's own page: details, sessions, badge, edit and cancel."""
    registration = _registration(token)
    return render_template(
        "registration/manage.html",
        registration=registration,
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
    if not form.is_submitted():
        form.consent_photo.data = registration.consent_photo_at is not None
    if form.validate_on_submit():
        services.update_details(
            registration.id,
            person_details(form),
            consent_photo=bool(form.consent_photo.data),
            actor="self",
        )
        # The next page speaks the language just chosen; so does this message.
        with force_locale(form.language.data):
            flash(_("Your details are saved."), "success")
        return redirect(url_for("registration.manage", token=token))
    return render_template(
        "registration/edit.html", form=form, registration=registration, token=token
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
            changes = services.change_sessions(
                registration.id, form.sessions.data or [], actor="self"
            )
        except SeatError as error:
            _seat_error(form, error)
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
        options=_session_options(registration.forum, set(held)),
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
            services.cancel(registration.id, actor="self")
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
            services.reactivate(registration.id, actor="self")
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
    notes = {
        SeatStatus.BOOKED: _("You have a seat."),
        SeatStatus.WAITLISTED: _("You are on the waitlist."),
    }
    events = {
        seat.session_id: ical.Event(seat.session, notes[seat.status]) for seat in registration.seats
    }
    for role in services.speaking_roles(registration):
        events[role.session_id] = ical.Event(role.session, _("You speak in this session."))
    body = ical.calendar(
        registration.forum,
        sorted(events.values(), key=lambda e: e.session.starts_at),
        locale=locale,
        host=request.host.split(":")[0] or "maruf-reg",
    )
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{registration.forum.slug}-programme.ics"'
    )
    return response


# --- speakers ----------------------------------------------------------------------------------


@bp.route("/speakers/register", methods=["GET", "POST"])
def speaker_register() -> str | BaseResponse:
    """An invited speaker completes their profile (the link in the invitation mail)."""
    token = request.args.get("token", "")
    invitation = speakers.invitation_by_token(token)
    if invitation is None:
        abort(404)
    if invitation.accepted_at is not None:
        return render_template("registration/speaker_done.html", invitation=invitation)
    person = services.person_by_email(invitation.email)
    form = SpeakerForm(obj=person)
    if not form.is_submitted():
        form.given_name.data = form.given_name.data or invitation.given_name
        form.family_name.data = form.family_name.data or invitation.family_name
        form.language.data = form.language.data or locale_code()
    if form.validate_on_submit():
        upload = form.photo.data
        photo = (
            upload.read(speakers.PHOTO_MAX_BYTES + 1) if isinstance(upload, FileStorage) else None
        )
        profile = speakers.SpeakerProfile(
            details=person_details(form),
            bio_tr=form.bio_tr.data or "",
            bio_en=form.bio_en.data or "",
            photo=photo or None,
            consent_data=bool(form.consent_data.data),
            consent_photo=bool(form.consent_photo.data),
        )
        try:
            speakers.accept(token, profile)
        except speakers.PhotoInvalid:
            form.photo.errors.append(_("Please choose a JPEG or PNG photo of at most 5 MB."))
        except speakers.InvitationUsed:
            return render_template("registration/speaker_done.html", invitation=invitation)
        else:
            return redirect(url_for("registration.speaker_register", token=token))
    return render_template("registration/speaker_register.html", form=form, invitation=invitation)
