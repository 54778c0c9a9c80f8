"""PDFs drawn with WeasyPrint: the printable session report and certificates of attendance."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from maruf_reg import dates, files
from maruf_reg.extensions import db
from maruf_reg.models import Forum, Registration, StoredFile
from maruf_reg.reports import certificates, presenters
from maruf_reg.reports.attendance import SessionReport
from maruf_reg.reports.certificates import Certificate
from maruf_reg.reports.files import replacing

#: Certificates per WeasyPrint document in a batch: a long document lays out ever slower
#: (the time per page grows with the pages before it; bench/badges.py --phases shows it for
#: badges), so batches are drawn in pieces and joined.
CHUNK = 100


class DocumentError(Exception):
    """There is nothing to print."""


def _pdf(html: str) -> bytes:
    # WeasyPrint (and pypdf below) load with the first PDF a process draws: a web worker that only
    # serves pages and scans does not carry the PDF stack (tests/test_lazy_imports.py).
    from weasyprint import HTML

    document = HTML(string=html, base_url=current_app.root_path)
    pdf: bytes = document.write_pdf()
    return pdf


def session_report_pdf(forum: Forum, report: SessionReport, *, now: datetime) -> bytes:
    """One session's report on A4, with its charts."""
    html = render_template(
        "reports/pdf/session.html",
        forum=forum,
        report=report,
        figures=report.figures,
        occupancy_chart=presenters.occupancy_chart(report),
        category_chart=presenters.category_chart(report.breakdown),
        country_chart=presenters.country_chart(report.breakdown),
        printed_at=now,
    )
    return _pdf(html)


def person_locale(person_language: str | None) -> str:
    languages: tuple[str, ...] = current_app.config["LANGUAGES"]
    if person_language in languages:
        return str(person_language)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def forum_dates(forum: Forum, locale: str) -> str:
    """ "1–3 Ekim 2030" / "1–3 October 2030" (`maruf_reg.dates.date_range`)."""
    return dates.date_range(forum.starts_on, forum.ends_on, locale=locale)


def name_size(name: str) -> int:
    """Font size (pt) of the name on a certificate: WeasyPrint does not shrink text to fit."""
    length = len(name)
    return 30 if length <= 28 else 24 if length <= 44 else 18 if length <= 70 else 14


def _certificate_section(certificate: Certificate, *, now: datetime) -> str:
    locale = person_locale(certificate.person.language)
    with force_locale(locale):
        return render_template(
            "reports/pdf/_certificate.html",
            c=certificate,
            locale=locale,
            dates=forum_dates(certificate.forum, locale),
            name=certificate.person.name,
            name_size=name_size(certificate.person.name),
            issued_on=now,
        )


def _certificates_document(sections: Sequence[str], forum: Forum) -> str:
    return render_template("reports/pdf/certificates.html", sections=sections, forum=forum)


def certificate_pdf(certificate: Certificate, *, now: datetime) -> bytes:
    """One person's certificate of attendance, in their language."""
    section = _certificate_section(certificate, now=now)
    return _pdf(_certificates_document([section], certificate.forum))


def kept_certificate(found: Certificate, *, now: datetime) -> StoredFile | bytes:
    """The person's certificate from the file store, drawn and kept the first time (and again only
    when what it shows changed). The bytes themselves if another server is keeping the same one."""
    key = certificates.stored_key(found)
    stored = files.find(key)
    if stored is not None:
        return stored
    pdf = certificate_pdf(found, now=now)
    files.remove_prefix(certificates.stored_prefix(found.registration.id))
    try:
        return files.save(key, BytesIO(pdf), content_type="application/pdf")
    except IntegrityError:
        # Two servers drew it at once: the other one keeps it.
        db.session.rollback()
        return pdf


def write_certificates(
    forum: Forum,
    out: Path,
    *,
    now: datetime | None = None,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> int:
    """Every certificate of the forum (people admitted to at least one session) in one PDF at `out`,
    written through a temporary file: `out` is complete or untouched. Returns how many."""
    now = now or datetime.now(UTC)
    ids = certificates.registrations_with_attendance(forum.id)
    if not ids:
        raise DocumentError(
            "nobody was scanned into a session yet: there is no certificate to print"
        )
    # The temporary file first: a path that cannot be written fails before minutes of drawing.
    with replacing(out) as handle:
        from pypdf import PdfWriter

        writer = PdfWriter()
        for start in range(0, len(ids), CHUNK):
            sections = []
            for registration_id in ids[start : start + CHUNK]:
                registration = db.session.get(Registration, registration_id)
                assert registration is not None
                certificate = certificates.certificate(registration, now=now, any_time=True)
                sections.append(_certificate_section(certificate, now=now))
            writer.append(BytesIO(_pdf(_certificates_document(sections, forum))))
            progress(min(start + CHUNK, len(ids)), len(ids))
        writer.write(handle)
    return len(ids)
