"""`flask export` and `flask certificates`: thin commands on the reports blueprint."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from maruf_reg.extensions import db
from maruf_reg.forum import current_forum
from maruf_reg.models import Forum
from maruf_reg.reports import documents, exports
from maruf_reg.reports.files import OutputError
from maruf_reg.reports.views import bp

FORUM_HELP = "The forum's slug (default: the forum the site serves)."


def _forum(slug: str | None) -> Forum:
    forum = db.session.scalar(select(Forum).where(Forum.slug == slug)) if slug else current_forum()
    if forum is None:
        raise click.ClickException(f"no forum {slug!r}" if slug else "there is no forum yet")
    return forum


@bp.cli.command("export")
@click.argument("kind", type=click.Choice([k.value for k in exports.ExportKind]))
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in exports.ExportFormat]),
    default=None,
    help="csv or xlsx (default: from the file name's ending, else csv).",
)
@click.option("--out", required=True, type=click.Path(path_type=Path), help="The file to write.")
@click.option("--forum", "slug", default=None, help=FORUM_HELP)
@click.option(
    "--times",
    type=click.Choice([t.value for t in exports.Times]),
    default="utc",
    show_default=True,
    help="utc: ISO 8601 in UTC (for systems); local: the forum's time zone (for people).",
)
@click.option(
    "--headers",
    type=click.Choice(["codes", "tr", "en"]),
    default="codes",
    show_default=True,
    help="The header line: the contract's column codes, or labels in Turkish or English.",
)
@click.option("--phone", is_flag=True, help="Add the phone numbers (registrations).")
def export_command(
    kind: str,
    fmt: str | None,
    out: Path,
    slug: str | None,
    times: str,
    headers: str,
    phone: bool,
) -> None:
    """Export registrations, scans or sessions to a CSV or XLSX file."""
    if fmt is None:
        fmt = "xlsx" if out.suffix.lower() == ".xlsx" else "csv"
    forum = _forum(slug)
    options = exports.ExportOptions(
        times=exports.Times(times), language=None if headers == "codes" else headers, phone=phone
    )
    try:
        rows = exports.export_to_file(
            exports.ExportKind(kind), exports.ExportFormat(fmt), forum, out, options
        )
    except OutputError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{rows:,} {kind} written to {out} ({fmt}).")


@bp.cli.command("certificates")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--forum", "slug", default=None, help=FORUM_HELP)
def certificates_command(out: Path, slug: str | None) -> None:
    """Print every certificate of attendance (people scanned into a session) into one PDF.

    Each certificate is in its person's language. Organisers may print them before the forum
    ends; the personal link offers them only once it is over.
    """
    forum = _forum(slug)

    def progress(done: int, total: int) -> None:
        click.echo(f"\rCertificates drawn: {done:,} of {total:,}", nl=done == total, err=True)

    try:
        count = documents.write_certificates(forum, out, progress=progress)
    except (documents.DocumentError, OutputError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{count:,} certificates written to {out}.")
