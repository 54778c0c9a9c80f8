"""Check-in pages: points, the scanner (camera, USB scanner, offline PWA), the desk, live counts."""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path
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
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response as BaseResponse

from maruf_reg import limits, people_search
from maruf_reg.auth.access import role_required
from maruf_reg.categories import category_choices
from maruf_reg.checkin import counts as checkin_counts
from maruf_reg.checkin import points as checkin_points
from maruf_reg.checkin import scans as checkin_scans
from maruf_reg.checkin.forms import AdmitForm, PointForm, full_policy_choices, kind_choices
from maruf_reg.extensions import db, limiter
from maruf_reg.forms import show_refusal
from maruf_reg.forum import current_forum
from maruf_reg.i18n import locale_code
from maruf_reg.models import CheckInPoint, Forum, FullPolicy, Outcome, PointKind, Role, Session
from maruf_reg.web import CONTENT_SECURITY_POLICY, local_time

bp = Blueprint("checkin", __name__, url_prefix="/checkin")
STATIC_JS = Path(__file__).resolve().parent.parent.parent / "static" / "js" / "checkin"
# The camera library decodes in a worker it builds from a blob: URL; only the scanner page allows it.
SCANNER_CSP = CONTENT_SECURITY_POLICY.replace("worker-src 'self'", "worker-src 'self' blob:")


def _forum() -> Forum:
    forum = current_forum()
    if forum is None:
        abort(404)
    return forum


def _category_labels() -> dict[str, str]:
    return dict(category_choices())


def _badge_url(endpoint: str, registration_id: int) -> str | None:
    """A link to the badges capability, when it is there (its endpoints land separately)."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, registration_id=registration_id)
    except BuildError:
        return None


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"checkin_badge_url": _badge_url, "category_label": _category_labels}


@bp.route("/")
@role_required(Role.DOOR, Role.DESK)
def points() -> str:
    """Staff pick the point they scan at; organisers also add and change points."""
    forum = _forum()
    is_admin = current_user.has_role(Role.ADMIN)
    found = checkin_points.points(forum.id, include_inactive=is_admin)
    return render_template("checkin/points.html", points=found, kinds=dict(kind_choices()))


def _point_form(forum: Forum, point: CheckInPoint | None) -> PointForm:
    form = PointForm(obj=point) if point else PointForm()
    if point and request.method == "GET":
        form.session.data = point.session_id
        form.kind.data = point.kind.value
    form.kind.choices = kind_choices()
    locale = locale_code()
    sessions = db.session.scalars(
        select(Session).where(Session.forum_id == forum.id).order_by(Session.starts_at, Session.id)
    )
    form.session.choices = [(None, "—")] + [
        (s.id, f"{local_time(s.starts_at, 'day_time')} · {s.title(locale)}") for s in sessions
    ]
    form.categories.choices = category_choices()
    form.full_policy.choices = full_policy_choices(current_app.config["SESSION_DOOR_FULL_POLICY"])
    return form


def _save_point_form(form: PointForm, forum: Forum, point: CheckInPoint | None) -> bool:
    try:
        fields = checkin_points.PointFields(
            name=form.name.data or "",
            kind=PointKind(form.kind.data),
            session_id=form.session.data,
            categories=form.categories.data or [],
            counts_exit=bool(form.counts_exit.data),
            active=bool(form.active.data),
            opens_minutes=form.opens_minutes.data,
            closes_minutes=form.closes_minutes.data,
            full_policy=FullPolicy(form.full_policy.data) if form.full_policy.data else None,
        )
        checkin_points.save_point(
            point.id if point else None,
            fields,
            forum_id=forum.id,
            staff_user_id=current_user.id,
        )
    except checkin_points.CheckinError as error:
        show_refusal(form, error)
        return False
    return True


@bp.route("/points/new", methods=["GET", "POST"])
@role_required()
def point_new() -> str | BaseResponse:
    """Organisers add a check-in point."""
    forum = _forum()
    form = _point_form(forum, None)
    if request.method == "GET":
        form.active.data = True
    if form.validate_on_submit() and _save_point_form(form, forum, None):
        flash(_("Check-in point added."), "success")
        return redirect(url_for("checkin.points"))
    return render_template("checkin/point_form.html", form=form, point=None)


@bp.route("/points/<int:point_id>/edit", methods=["GET", "POST"])
@role_required()
def point_edit(point_id: int) -> str | BaseResponse:
    """Organisers change a check-in point."""
    forum = _forum()
    point = db.get_or_404(CheckInPoint, point_id)
    if point.forum_id != forum.id:
        abort(404)
    form = _point_form(forum, point)
    if form.validate_on_submit() and _save_point_form(form, forum, point):
        flash(_("Check-in point saved."), "success")
        return redirect(url_for("checkin.points"))
    return render_template("checkin/point_form.html", form=form, point=point)


def _answer_strings() -> dict[str, str]:
    """The answers' words: outcomes and reasons, in the page's language."""
    strings = {
        "admitted": _("ADMIT"),
        "already_in": _("ALREADY IN"),
        "not_allowed": _("NOT ALLOWED"),
        "revoked": _("REVOKED"),
        "invalid": _("INVALID"),
        "unknown": _("UNKNOWN"),
        "exited": _("EXIT"),
        "not_now": _("NOT NOW"),
        "room_full": _("ROOM FULL"),
        "session_times": _("Session %(start)s–%(end)s; this door opens at %(opens)s."),
        "room_count": _("Inside: %(inside)s; places: %(capacity)s."),
        "admit_anyway": _("Admit anyway"),
        "admitted_anyway": _("Admitted anyway: recorded as an exception."),
        "reason_room_full": _("The room is full."),
        "point_inactive": _("SWITCHED OFF"),
        "reason_point_inactive": _("This check-in point is switched off."),
        "bad_time": _("WRONG TIME"),
        "reason_bad_time": _(
            "This device's clock is far off: set its date and time, then scan again."
        ),
        "uuid_conflict": _("NOT RECORDED"),
        "reason_uuid_conflict": _("This scan's id was already used for another scan: scan again."),
        "clock_behind": _("this device's clock is %(n)s min behind"),
        "clock_ahead": _("this device's clock is %(n)s min ahead"),
        "set_aside": _("%(n)s set aside (time or id refused)"),
        "since": _("since %(time)s at %(point)s"),
        "forced": _("Recorded: this person was let in already"),
        "reason_unreadable": _("This is not a badge code."),
        "reason_bad_signature": _("Forged badge or another event's badge."),
        "reason_no_registration": _("No registration for this badge."),
        "reason_cancelled": _("The registration was cancelled."),
        "reason_not_confirmed": _("The registration is not confirmed yet: send them to the desk."),
        "reason_replaced": _("This badge was replaced by a reprint: ask for the new badge."),
        "reason_category": _("This category is not admitted here."),
        "reason_no_seat": _("No seat booked for this session."),
        "reason_already_in": _("was already in"),
        "not_in_list": _("Valid badge; name not in this device's list yet."),
    }
    strings.update({f"category_{k}": v for k, v in category_choices()})
    return strings


def _scanner_strings() -> dict[str, str]:
    """The scanner page's words, in the page's language, for scanner.js."""
    return {
        **_answer_strings(),
        "online": _("Online"),
        "offline_waiting": _("Offline — %(n)s waiting"),
        "waiting": _("%(n)s waiting to sync"),
        "syncing": _("Syncing…"),
        "login_again": _("Logged out: log in again to sync."),
        "no_bundle": _("Offline and no offline data for this point yet."),
        "camera_off": _("Camera off"),
        "camera_error": _("The camera cannot be opened: use the code field or a USB scanner."),
        "offline_decision": _("decided offline"),
        "next": _("Next"),
        "tap": _("Tap to continue"),
        "in": _("In"),
        "out": _("Out"),
        "sign_out_waiting": _("%(n)s scans are not synced yet and would be lost. Sign out anyway?"),
    }


@bp.route("/<int:point_id>")
@role_required(Role.DOOR, Role.DESK)
def scanner(point_id: int) -> Response:
    """The scanner page of one point: camera, USB scanner, offline queue, live counts."""
    point = db.get_or_404(CheckInPoint, point_id)
    html = render_template(
        "checkin/scanner.html",
        point=point,
        strings=_scanner_strings(),
        counts=checkin_counts.live_counts(point.forum, [point.id])[point.id],
    )
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = SCANNER_CSP
    return response


@bp.route("/desk")
@role_required(Role.DESK)
@limiter.limit(lambda: current_app.config["RATELIMIT_SEARCH"], key_func=limits.staff_member)
def desk() -> str:
    """The help desk: find people without a badge, admit them by hand, print their badge."""
    forum = _forum()
    query = request.args.get("q", "")[:200]
    hits = (
        people_search.search_people(forum.id, query, locale=locale_code()) if query.strip() else []
    )
    form = AdmitForm()
    found = checkin_points.points(forum.id)
    form.point.choices = [(p.id, p.name) for p in found]
    chosen = request.args.get("point", type=int)
    if chosen in {p.id for p in found}:
        form.point.data = chosen
    return render_template("checkin/desk.html", query=query, hits=hits, form=form)


@bp.route("/desk/<int:registration_id>/admit", methods=["POST"])
@role_required(Role.DESK)
def desk_admit(registration_id: int) -> BaseResponse:
    """Admit a person by hand at a point (recorded as manual) and say what happened."""
    forum = _forum()
    form = AdmitForm()
    found = checkin_points.points(forum.id)
    form.point.choices = [(p.id, p.name) for p in found]
    query = request.form.get("q", "")[:200]
    if not form.validate_on_submit():
        flash(_("Choose a check-in point."), "error")
        return redirect(url_for("checkin.desk", q=query))
    result = checkin_scans.admit_manually(
        registration_id, point_id=form.point.data, staff_user_id=current_user.id
    )
    data = result.data
    name = (data.get("person") or {}).get("name", "")
    if result.outcome == Outcome.ADMITTED:
        flash(_("%(name)s admitted.", name=name), "success")
    elif result.outcome == Outcome.ALREADY_IN:
        flash(_("%(name)s is already in.", name=name), "warning")
    else:
        flash(
            _(
                "%(name)s not admitted: %(outcome)s.",
                name=name or registration_id,
                outcome=outcome_label(result.outcome),
            ),
            "error",
        )
    return redirect(url_for("checkin.desk", q=query, point=form.point.data))


def outcome_label(outcome: Outcome) -> str:
    """Why a manual admission did not admit, in the page's language."""
    labels = {
        Outcome.NOT_ALLOWED: _("not allowed at this point"),
        Outcome.REVOKED: _("the registration is cancelled or not confirmed"),
        Outcome.UNKNOWN: _("no such registration"),
        Outcome.NOT_NOW: _("the session's door is not open now"),
        Outcome.ROOM_FULL: _("the room is full"),
        Outcome.POINT_INACTIVE: _("the point is switched off"),
    }
    return str(labels.get(outcome, outcome.value))


@bp.route("/counts")
@role_required(Role.DESK)
def counts() -> str:
    """Organisers' live view: every point's admitted today, inside now and last scans."""
    forum = _forum()
    found = checkin_points.points(forum.id)
    live = checkin_counts.live_counts(forum, [p.id for p in found], last=3)
    return render_template("checkin/counts.html", points=found, live=live)


@functools.cache
def _service_worker_source() -> str:
    """sw.js with its cache named after the files it keeps: a new release changes the name, so
    every door device drops the old copies and fetches the new ones."""
    source = (STATIC_JS / "sw.js").read_text(encoding="utf-8")
    static = STATIC_JS.parent.parent
    digest = hashlib.sha256(source.encode())
    for path in re.findall(r'"/static/([^"]+)"', source):
        digest.update((static / path).read_bytes())
    return source.replace('"checkin-v1"', f'"checkin-{digest.hexdigest()[:16]}"')


@bp.route("/sw.js")
def service_worker() -> BaseResponse:
    """The offline worker, served here so that its scope covers every /checkin/ page."""
    response = Response(_service_worker_source(), mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/checkin/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/manifest.webmanifest")
def manifest() -> Response:
    """The scanner as an installable app."""
    body = {
        "name": _("MARUF check-in"),
        "short_name": _("Check-in"),
        "start_url": url_for("checkin.points"),
        "scope": url_for("checkin.points"),
        "display": "standalone",
        "background_color": "#1d2330",
        "theme_color": "#0b5394",
        "icons": [
            {
                "src": url_for("static", filename="js/checkin/icon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
                "purpose": "any maskable",
            }
        ],
    }
    response = current_app.response_class(
        current_app.json.dumps(body), mimetype="application/manifest+json"
    )
    return response
