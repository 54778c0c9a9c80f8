"""Organisers' report pages and downloads, and a participant's certificate of attendance."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from typing import IO, Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    render_template,
    request,
    send_file,
    stream_with_context,
)
from flask_babel import force_locale

from maruf_reg import files, limits, personal_links
from maruf_reg.auth.access import admin_required
from maruf_reg.extensions import limiter
from maruf_reg.forum import current_forum, default_day, forum_days, is_running
from maruf_reg.i18n import locale_code
from maruf_reg.models import Forum, Registration, utcnow
from maruf_reg.registration.forms import FilterForm
from maruf_reg.reports import (
    attendance,
    by_question,
    by_theme,
    certificates,
    documents,
    exports,
    labels,
    presenters,
    services,
)
from maruf_reg.reports.attendance import SessionSort
from maruf_reg.reports.by_theme import ThemeSort
from maruf_reg.reports.certificates import CertificateState
from maruf_reg.reports.forms import DayForm, ReportFilterForm

bp = Blueprint("reports", __name__, cli_group=None)


@bp.context_processor
def report_labels() -> dict[str, Any]:
    return {
        "categories": labels.CATEGORIES,
        "category_colours": labels.CATEGORY_COLOURS,
        "statuses": labels.STATUSES,
        "session_kinds": labels.KINDS,
        "now": datetime.now(UTC),
    }


def _certificate_ready(registration: Registration) -> bool:
    return certificates.certificate(registration, now=utcnow()).state == CertificateState.READY


@bp.app_context_processor
def certificate_helpers() -> dict[str, Any]:
    """The personal page (registration, a floor below) offers the certificate through this."""
    return {"certificate_ready": _certificate_ready}


def _forum() -> Forum | None:
    return current_forum()


def _sort(enum_type: Any, default: Any) -> tuple[Any, bool]:
    """`?sort=` and `?dir=` from the URL, kept to the whitelist; anything else sorts by default."""
    try:
        key = enum_type(request.args.get("sort", default.value))
    except ValueError:
        key = default
    return key, request.args.get("dir") == "desc"


def _filters(forum: Forum) -> ReportFilterForm:
    form = ReportFilterForm(
        formdata=request.args,
        days=forum_days(forum),
        themes=certificates.themes(forum),
        locale=locale_code(),
    )
    form.validate()
    return form


def _no_forum() -> tuple[str, int]:
    return render_template("reports/no_forum.html"), 404


def _report(forum: Forum, session_id: int) -> attendance.SessionReport:
    try:
        return attendance.session_report(forum, session_id)
    except services.ReportError:
        abort(404)


@bp.route("/reports")
@admin_required
def dashboard() -> Any:
    """The organisers' dashboard: sign-ups, statuses, countries, themes, badges and entrances."""
    forum = _forum()
    if forum is None:
        return _no_forum()
    now = datetime.now(UTC)
    form = DayForm(
        formdata=request.args,
        days=forum_days(forum),
        default=default_day(forum, now),
    )
    form.validate()
    figures = services.dashboard(forum, day=form.chosen_day, now=now)
    return render_template(
        "reports/dashboard.html",
        figures=figures,
        form=form,
        running=is_running(forum, now),
        signups_chart=presenters.signups_chart(figures),
        countries_chart=presenters.countries_chart(figures),
        themes_chart=presenters.themes_seats_chart(figures),
        hourly_chart=presenters.hourly_chart(figures),
        kinds=list(exports.ExportKind),
        formats=list(exports.ExportFormat),
    )


@bp.route("/reports/sessions")
@admin_required
def sessions() -> Any:
    """Every session's seats, attendance, no-shows, walk-ins and peak; filtered and sorted."""
    forum = _forum()
    if forum is None:
        return _no_forum()
    form = _filters(forum)
    key, descending = _sort(SessionSort, SessionSort.STARTS_AT)
    rows = attendance.session_figures(forum, day=form.chosen_day, theme_id=form.chosen_theme)
    rows = attendance.sort_sessions(rows, key, descending=descending, locale=locale_code())
    return render_template(
        "reports/sessions.html",
        rows=rows,
        form=form,
        sort=key,
        descending=descending,
        columns=list(SessionSort),
        kinds=list(exports.ExportKind),
        formats=list(exports.ExportFormat),
    )


@bp.route("/reports/sessions/<int:session_id>")
@admin_required
def session(session_id: int) -> Any:
    """One session's report: figures, occupancy over time, by category and by country."""
    forum = _forum()
    if forum is None:
        return _no_forum()
    report = _report(forum, session_id)
    return render_template(
        "reports/session.html",
        report=report,
        figures=report.figures,
        occupancy_chart=presenters.occupancy_chart(report),
        category_chart=presenters.category_chart(report.breakdown),
        country_chart=presenters.country_chart(report.breakdown),
    )


@bp.route("/reports/sessions/<int:session_id>/report.pdf")
@admin_required
def session_pdf(session_id: int) -> Any:
    """The session's report as a printable PDF."""
    forum = _forum()
    if forum is None:
        return _no_forum()
    report = _report(forum, session_id)
    pdf = documents.session_report_pdf(forum, report, now=datetime.now(UTC))
    return _pdf_response(pdf, f"{forum.slug}-session-{session_id}.pdf")


@bp.route("/reports/themes")
@admin_required
def themes() -> Any:
    """Every theme's sessions rolled up; filtered by day and sorted."""
    forum = _forum()
    if forum is None:
        return _no_forum()
    form = _filters(forum)
    key, descending = _sort(ThemeSort, ThemeSort.NAME)
    rows = by_theme.theme_figures(forum, day=form.chosen_day, theme_id=form.chosen_theme)
    if key != ThemeSort.NAME or descending:
        rows = by_theme.sort_themes(rows, key, descending=descending, locale=locale_code())
    return render_template(
        "reports/themes.html",
        rows=rows,
        form=form,
        sort=key,
        descending=descending,
        columns=list(ThemeSort),
        themes_chart=presenters.themes_chart(rows),
    )


@bp.route("/reports/themes/<int:theme_id>")
@admin_required
def theme(theme_id: int) -> Any:
    """One theme: its sessions, its totals, by category and by country."""
    forum = _forum()
    if forum is None:
        return _no_forum()
    form = _filters(forum)
    found = by_theme.theme_figures(forum, day=form.chosen_day, theme_id=theme_id)
    if not found:
        abort(404)
    figures = found[0]
    breakdown = attendance.breakdown(forum, [s.id for s in figures.sessions])
    return render_template(
        "reports/theme.html",
        theme=figures,
        form=form,
        breakdown=breakdown,
        category_chart=presenters.category_chart(breakdown),
        country_chart=presenters.country_chart(breakdown),
    )


@bp.route("/reports/questions")
@admin_required
def questions() -> Any:
    """The answers to the forum's own sign-up questions, counted per option."""
    forum = _forum()
    if forum is None:
        return _no_forum()
    return render_template("reports/questions.html", figures=by_question.question_figures(forum))


def _export_options() -> exports.ExportOptions:
    """`?for=people`: local times and a header in the page's language (else the contract's UTC
    and codes); the registrations list's filters (`q`, `category`, `status`, `theme`, `country`);
    `?phone=1` adds phone numbers."""
    for_people = request.args.get("for") == "people"
    form = FilterForm(formdata=request.args)
    return exports.ExportOptions(
        times=exports.Times.LOCAL if for_people else exports.Times.UTC,
        language=locale_code() if for_people else None,
        filters=form.filters(),
        phone=request.args.get("phone") == "1",
    )


@bp.route("/reports/export/<kind>.<fmt>")
@admin_required
def export(kind: str, fmt: str) -> Any:
    """Download registrations, scans or sessions as CSV (streamed) or XLSX."""
    forum = _forum()
    if forum is None:
        return _no_forum()
    try:
        export_kind, export_format = exports.ExportKind(kind), exports.ExportFormat(fmt)
    except ValueError:
        abort(404)
    options = _export_options()
    name = exports.filename(export_kind, export_format, forum, datetime.now(UTC))
    if export_format == exports.ExportFormat.CSV:
        chunks = exports.csv_chunks(export_kind, forum, options)
        return Response(
            stream_with_context(chunks),
            mimetype="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "private, no-store",
            },
        )
    # A workbook is a zip written at the end: build it in a temporary file (rows still stream
    # from the database), then send the file; it is unlinked at once and vanishes when closed.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115  (send_file closes it)
    exports.write_xlsx(export_kind, forum, handle, options)
    return _send_workbook(handle, name)


def _send_workbook(handle: IO[bytes], name: str) -> Response:
    size = handle.tell()
    handle.seek(0)
    response = send_file(
        handle,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.content_length = size
    return response


def _pdf_response(pdf: bytes, name: str) -> Response:
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.route("/r/<token>/certificate.pdf")
@limiter.limit(lambda: current_app.config["RATELIMIT_CERTIFICATE"], key_func=limits.personal_link)
def certificate(token: str) -> Any:
    """A participant's certificate of attendance, from their personal link, once the forum is over."""
    registration = personal_links.registration_by_token(token)
    if registration is None:
        abort(404)
    now = datetime.now(UTC)
    found = certificates.certificate(registration, now=now)
    # The page speaks the person's language unless they switched (i18n.select_locale).
    g.person_locale = documents.person_locale(found.person.language)
    if found.state == CertificateState.READY:
        with force_locale(g.person_locale):
            kept = documents.kept_certificate(found, now=now)
        name = f"{found.forum.slug}-certificate.pdf"
        if isinstance(kept, bytes):
            return _pdf_response(kept, name)
        response = files.response(kept, download_name=name, as_attachment=False)
        response.headers["Cache-Control"] = "private, no-store"
        return response
    status = 403 if found.state == CertificateState.NOT_YET else 404
    return render_template("reports/certificate_unavailable.html", certificate=found), status
