"""Checks shared by the programme's services, and the error they raise when a rule refuses a change.

Every change is one transaction ending in one commit (`one_change`); a refused change raises
`ProgrammeError` (its `field` names the form field the message belongs to) after rolling back, so
nothing half-done can be flushed later. Rules another request could break meanwhile are checked
under row locks (`locked`): the room (sessions in a room may not overlap), the session (its booked
seats), the forum (its dates). On PostgreSQL these are `SELECT … FOR UPDATE` / `FOR SHARE`. SQLite
has no row locks, but a writing request begins with `BEGIN IMMEDIATE` (`maruf_reg.database`),
which makes writers take turns; callers outside a request (CLI, scripts) wrap the call in
`write_intent()`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from datetime import datetime
from types import SimpleNamespace
from typing import Any, TypeVar

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from maruf_reg.errors import RuleError
from maruf_reg.extensions import db
from maruf_reg.i18n import locale_code
from maruf_reg.models import Forum, Room, Session, SessionRole, Theme
from maruf_reg.text import localized
from maruf_reg.web import local_time

# Limits of what organisers type; longer is refused with a form error, never cut.
FORUM_NAME_MAX = 200
VENUE_MAX = 200
CITY_MAX = 100
THEME_NAME_MAX = 150
ROOM_NAME_MAX = 100
TITLE_MAX = 300
ORGANISATION_MAX = 200
SLUG_MAX = 60
DESCRIPTION_MAX = 5000
CAPACITY_MAX = 100_000
POSITION_MAX = 10_000

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
COLOUR_RE = re.compile(r"#[0-9a-fA-F]{6}")

ModelT = TypeVar("ModelT", Forum, Room, Session, Theme, SessionRole)


class ProgrammeError(RuleError):
    """A change the programme's rules refuse; nothing was changed (see `maruf_reg/errors.py`)."""


class SessionHasBookings(ProgrammeError):
    """The session has booked seats; deleting it needs a confirmation."""

    def __init__(self, booked: int) -> None:
        super().__init__(
            _l(
                "Seats booked in this session: %(count)d. Confirm to delete it anyway; "
                "the bookings go with it.",
                count=booked,
            ),
            field="confirm",
        )
        self.booked = booked


class ThemeInUse(ProgrammeError):
    """Sessions use the theme; deleting it needs a confirmation (they then have no theme)."""

    def __init__(self, sessions: int) -> None:
        super().__init__(
            _l(
                "Sessions with this theme: %(count)d. Confirm to delete it: they keep their "
                "place in the programme, without a theme.",
                count=sessions,
            ),
            field="confirm",
        )
        self.sessions = sessions


# --- shared checks -----------------------------------------------------------------------------


@contextlib.contextmanager
def one_change() -> Iterator[None]:
    """Commit what the block did, or roll all of it back when a rule refuses it."""
    try:
        yield
        db.session.commit()
    except ProgrammeError:
        db.session.rollback()
        raise
    except IntegrityError as error:
        # A constraint caught what another request did at the same moment (same e-mail, same slug).
        db.session.rollback()
        raise ProgrammeError(
            _l("Somebody changed the same thing at the same moment. Please try again.")
        ) from error


def locked(
    model: type[ModelT],
    row_id: int,
    *,
    share: bool = False,
    missing: Any = None,
    field: str | None = None,
) -> ModelT:
    """The row, locked until the commit and read afresh (it may have changed since we loaded it)."""
    query = (
        select(model)
        .where(model.id == row_id)
        .with_for_update(read=share)
        .execution_options(populate_existing=True)
    )
    row: ModelT | None = db.session.scalars(query).first()
    if row is None:
        raise ProgrammeError(missing or _l("This no longer exists."), field=field)
    return row


def check_text(value: str, limit: int, field: str, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ProgrammeError(_l("This field is required."), field=field)
    if len(value) > limit:
        raise ProgrammeError(
            _l(
                "At most %(limit)d characters, please (this has %(length)d).",
                limit=limit,
                length=len(value),
            ),
            field=field,
        )
    return value


def check_long_text(value: str, field: str) -> str:
    return check_text(
        (value or "").replace("\r\n", "\n").replace("\r", "\n"), DESCRIPTION_MAX, field
    )


def check_number(value: int, limit: int, field: str) -> int:
    if not 0 <= value <= limit:
        raise ProgrammeError(_l("A number from 0 to %(limit)d, please.", limit=limit), field=field)
    return value


def check_slug(value: str, field: str, *, limit: int = SLUG_MAX) -> str:
    value = (value or "").strip()
    if not SLUG_RE.fullmatch(value) or len(value) > limit:
        raise ProgrammeError(
            _l(
                "Lower-case letters a–z, digits and hyphens, at most %(limit)d characters.",
                limit=limit,
            ),
            field=field,
        )
    return value


def check_colour(value: str) -> str:
    if not COLOUR_RE.fullmatch(value or ""):
        raise ProgrammeError(_l("A colour like #0b5394, please."), field="colour")
    return value.lower()


def lazy_title(session: Session) -> LazyString:
    titles = SimpleNamespace(title_tr=session.title_tr, title_en=session.title_en)
    return LazyString(lambda: localized(titles, "title", locale_code()))


def lazy_time(moment: datetime, style: str = "datetime") -> LazyString:
    """A time shown at the forum in the reader's language (a style of `maruf_reg.dates`),
    formatted when the message is shown."""
    return LazyString(local_time, moment, style)
