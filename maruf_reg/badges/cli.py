"""`flask badges OUT.pdf …`: batch badges from the command line (thin: parse, call, print)."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

import click
from sqlalchemy import select

from maruf_reg.badges import batches, services
from maruf_reg.badges.layouts import DEFAULT_LAYOUT, LAYOUTS
from maruf_reg.badges.views import bp
from maruf_reg.extensions import db
from maruf_reg.forum import current_forum
from maruf_reg.models import Category, Forum


class _ProgressBar:
    """A click progress bar that appears once the number of badges is known."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Badges", show_pos=True)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.bar is not None:
            self.bar.__exit__(kind, error, traceback)


@bp.cli.command("badges")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option(
    "--category", type=click.Choice([c.value for c in Category]), help="Only this category."
)
@click.option(
    "--theme", metavar="SLUG", help="People with a part in, or a seat at, the theme's sessions."
)
@click.option(
    "--session",
    "session_id",
    type=int,
    metavar="ID",
    help="People with a part in, or a seat at, this session.",
)
@click.option(
    "--unprinted", is_flag=True, help="Only badges whose current serial was never printed."
)
@click.option(
    "--reprint",
    is_flag=True,
    help="Give every selected badge a new serial: the printed ones stop working.",
)
@click.option(
    "--layout", type=click.Choice(list(LAYOUTS)), default=DEFAULT_LAYOUT, show_default=True
)
@click.option(
    "--order", type=click.Choice(batches.ORDERS), default="family_name", show_default=True
)
@click.option(
    "--forum", "forum_slug", metavar="SLUG", help="The forum (default: the one the site serves)."
)
def badges_command(
    out: Path,
    category: str | None,
    theme: str | None,
    session_id: int | None,
    unprinted: bool,
    reprint: bool,
    layout: str,
    order: str,
    forum_slug: str | None,
) -> None:
    """Print badges into OUT.pdf (every confirmed registration, or those the options select)."""
    forum = (
        db.session.scalar(select(Forum).where(Forum.slug == forum_slug))
        if forum_slug
        else current_forum()
    )
    if forum is None:
        raise click.ClickException(
            f"no forum {forum_slug}" if forum_slug else "there is no forum yet"
        )
    selection = batches.Selection(
        category=category, theme=theme, session_id=session_id, unprinted=unprinted, order=order
    )
    try:
        with _ProgressBar() as progress:
            result = batches.print_batch(
                forum.id, selection, layout=layout, out=out, reprint=reprint, progress=progress
            )
    except services.BadgeError as error:
        raise click.ClickException(str(error)) from error
    badges = f"{result.count} badge{'s' if result.count != 1 else ''}"
    pages = f"{result.pages} page{'s' if result.pages != 1 else ''}"
    click.echo(f"{badges} on {pages} ({layout}) written to {result.path}.")
    if reprint:
        click.echo("New serials: the badges printed before for these people no longer work.")
