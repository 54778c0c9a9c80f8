"""`flask import-people` (people from a CSV file, all rows or none) and `flask anonymise`."""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import force_locale
from sqlalchemy import select

from maruf_reg import personal_data
from maruf_reg.database import write_intent
from maruf_reg.extensions import db
from maruf_reg.forum import current_forum, today
from maruf_reg.models import Category, Forum
from maruf_reg.registration import importer
from maruf_reg.registration.views import bp


@bp.cli.command("import-people")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--category",
    type=click.Choice([c.value for c in Category]),
    default=None,
    help="Category of rows that give none (default: participant for new people; "
    "people already registered keep theirs).",
)
@click.option("--send-mail", is_flag=True, help="Mail each new person their personal link.")
def import_people(file: Path, category: str | None, send_mail: bool) -> None:
    """Import people from FILE.csv into the current forum; idempotent by e-mail."""
    forum = current_forum()
    if forum is None:
        raise click.ClickException("there is no forum yet (flask demo, or create one first)")
    try:
        with write_intent(), force_locale("en"):
            result = importer.import_people(
                forum.id,
                file.read_bytes(),
                category=Category(category) if category else None,
                send_mail=send_mail,
            )
    except importer.ImportRefused as refused:
        for line, reason in refused.errors:
            click.echo(f"{file.name}, line {line}: {reason}", err=True)
        raise click.ClickException(
            f"nothing imported: {len(refused.errors)} problem(s) in {file.name}"
        ) from refused
    delimiter = "tab" if result.delimiter == "\t" else result.delimiter
    click.echo(
        f"Imported {file.name} into {forum.slug} (read as {result.encoding}, "
        f"'{delimiter}'-separated): {result.created} new, {result.updated} updated, "
        f"{result.unchanged} unchanged."
    )


@bp.cli.command("anonymise")
@click.option("--forum", "slug", required=True, help="The forum's slug.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def anonymise(slug: str, yes: bool) -> None:
    """Anonymise every registration of a finished forum; its statistics are kept."""
    forum = db.session.scalar(select(Forum).where(Forum.slug == slug))
    if forum is None:
        raise click.ClickException(f"no forum {slug!r}")
    if forum.ends_on >= today(forum):
        raise click.ClickException(
            f"{slug} is not over yet (its last day is {forum.ends_on.isoformat()}): "
            "anonymise a forum once it has ended"
        )
    if not yes:
        click.confirm(
            f"Erase the names and contact details of every registration of {slug}?", abort=True
        )
    with write_intent():
        count = personal_data.anonymise_forum(forum.id)
    click.echo(f"{count:,} registrations of {slug} anonymised; the statistics are kept.")
