"""Public registration pages: sign-up, the personal link (/r/<token>) and speakers' profiles."""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response as BaseResponse

from maruf_reg import dates, limits
from maruf_reg.caching import AppCache
from maruf_reg.categories import CATEGORY_LABELS
from maruf_reg.extensions import db, limiter
from maruf_reg.forum import current_forum
from maruf_reg.i18n import locale_code
from maruf_reg.models import Category, Forum, Session
from maruf_reg.registration import listing, questions, seats, services, signup, speakers
from maruf_reg.registration.forms import (
    ResendForm,
    SignUpForm,
    SpeakerForm,
    options,
)
from maruf_reg.registration.mails import session_when
from maruf_reg.registration.question_forms import QuestionInput
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


@bp.app_template_filter("category_name")
def category_name(code: str) -> str:
    """A category's label in the page's language."""
    label = CATEGORY_LABELS.get(Category(code)) if code in Category._value2member_map_ else None
    return str(label or code)


@bp.app_template_filter("registration_when")
def registration_when(session_: Session) -> str:
    """A session's day and hours in the forum's time zone and the page's language."""
    return session_when(session_, session_.forum, locale_code())


def seat_error(form: Any, error: SeatError) -> None:
    locale = locale_code()
    if isinstance(error, SessionsOverlap):
        # The error holds the rows the booking read; the titles are loaded for the message.
        first, second = (
            db.session.get(Session, error.first.id),
            db.session.get(Session, error.second.id),
        )
        form.sessions.errors.append(
            _(
                "“%(first)s” and “%(second)s” take place at the same time: please choose one.",
                first=first.title(locale) if first else str(error.first.id),
                second=second.title(locale) if second else str(error.second.id),
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
    return dates.format_moment(day, "day", locale=locale, zone=None)


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
_sign_up_rules: AppCache[str, signup.SignUpRules] = AppCache(
    "signup_rules", maxsize=4, ttl="SIGNUP_PAGE_SECONDS"
)


def _rules() -> signup.SignUpRules:
    key = current_app.config["FORUM_SLUG"]
    rules = _sign_up_rules.get(key)
    if rules is None:
        rules = signup.SignUpRules.of(_forum())
        _sign_up_rules.set(key, rules)
    return rules


def _sign_up_options(forum: Forum) -> list[SessionOption]:
    """The sign-up form's session list (kept, see above)."""
    key = (forum.id, locale_code())
    options = _session_lists.get(key)
    if options is None:
        options = session_options(forum)
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


def session_options(forum: Forum, held: Collection[int] = ()) -> list[SessionOption]:
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
                start=dates.format_moment(start, "time", locale=locale, zone=zone),
                end=dates.format_moment(end, "time", locale=locale, zone=zone),
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


def _signed_up(form: SignUpForm, asked: QuestionInput) -> bool:
    """Sign up with a valid form; False (and errors on the form) when a rule refuses it."""
    if form.website.data:
        # A bot filled the hidden field: answer as if all went well, keep nothing.
        return True
    given = asked.read(form.category.data)
    if given is None:
        return False
    data = signup.SignUp(
        email=form.email.data,
        details=person_details(form),
        category=Category(form.category.data),
        session_ids=tuple(form.sessions.data or ()),
        consent_data=bool(form.consent_data.data),
        consent_photo=bool(form.consent_photo.data),
        consent_announcements=bool(form.consent_announcements.data),
        answers=tuple(given),
    )
    try:
        signup.sign_up(_rules(), data)
    except SeatError as error:
        seat_error(form, error)
    except services.CategoryNotAllowed:
        form.category.errors.append(_("Please choose one of the categories shown."))
    except services.InvalidEmail:
        form.email.errors.append(_("This is not a valid e-mail address."))
    except services.RegistrationClosed:
        form.form_errors.append(_("Registration is closed."))
    else:
        session["signup_email"] = data.email
        return True
    return False


# --- sign-up ---------------------------------------------------------------------------------------


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["RATELIMIT_SIGNUP"], key_func=limits.client_address, methods=["POST"]
)
@limiter.limit(
    lambda: current_app.config["RATELIMIT_SIGNUP_EMAIL"],
    key_func=limits.submitted_email,
    methods=["POST"],
)
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
    valid = form.validate_on_submit()
    asked = QuestionInput.posted(questions.specs(_rules().forum_id))
    if valid and _signed_up(form, asked):
        return redirect(url_for("registration.sent"))
    if form.is_submitted() and not asked.errors and form.category.data:
        asked.read(form.category.data)  # every refused answer shown at once with the others
    forum = _forum()
    form.category.choices = options(
        (c, CATEGORY_LABELS[Category(c)])
        for c in forum.signup_categories
        if c in Category._value2member_map_
    )

    html = render_template(
        "registration/register.html",
        form=form,
        questions=asked,
        options=_sign_up_options(forum),
        approval={c: _("confirmed after an organiser's check") for c in forum.approval_categories},
    )
    return _keep_sign_up_page(html) if first_visit else html


@bp.route("/register/sent")
def sent() -> str:
    """After a sign-up: the same answer whether the address was new or known."""
    return render_template("registration/sent.html", email=session.get("signup_email", ""))


@bp.route("/register/link", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["RATELIMIT_RESEND"], key_func=limits.client_address, methods=["POST"]
)
@limiter.limit(
    lambda: current_app.config["RATELIMIT_RESEND_EMAIL"],
    key_func=limits.submitted_email,
    methods=["POST"],
)
def resend() -> str | BaseResponse:
    """A person who lost their personal link asks for it again."""
    forum = _forum()
    form = ResendForm()
    if form.validate_on_submit():
        if not form.website.data:
            signup.send_link(forum.id, form.email.data)
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
    person = listing.person_by_email(invitation.email)
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
