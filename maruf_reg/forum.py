"""The forum context and its clock: which forum a request serves, and the forum's local days.

Public pages serve `FORUM_SLUG`, else the forum that starts last. Staff pages (organisers, desk,
door, reports) serve the edition a staff user chose to work on (`choose_staff_forum`, kept in their
session), else the same as the public pages: an organiser reads last year's reports while the
public site shows this year's forum. A frozen edition refuses every change made through the staff
pages (`refuse_changes_to_frozen`).

Ground floor: imports only the models and the database handle, so every capability (and `web`,
`i18n`) can use it without importing another capability. Times are stored in UTC; a forum has an
IANA time zone, and "a day" of the forum is always its local day (23 or 25 hours long on DST
changes).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, current_app, g, has_app_context, has_request_context, request, session
from sqlalchemy import event, select
from sqlalchemy.orm import Session, object_session

from maruf_reg.caching import AppCache
from maruf_reg.extensions import db
from maruf_reg.models import Forum

#: where staff pages live: they serve the edition the staff user chose
STAFF_PATHS = ("/admin", "/reports", "/checkin", "/desk", "/staff", "/api/")
#: editions are chosen, made and frozen here: these pages work on frozen editions too
EDITION_PATHS = ("/admin/forums",)
#: the staff user's choice in their (signed) session cookie
STAFF_FORUM_KEY = "staff_forum_id"


#: how long a process keeps the public forum's id (every API call and page asks for it): a new
#: edition, or a changed date or slug, shows at once on the host that made it, within this on others
PUBLIC_FORUM_SECONDS = 5
_public_ids: AppCache[str, int] = AppCache("public_forum", maxsize=4, ttl=PUBLIC_FORUM_SECONDS)


def _public_forum_query(what: Any) -> Any:
    slug = current_app.config["FORUM_SLUG"]
    query = select(what)
    query = (
        query.where(Forum.slug == slug)
        if slug
        else query.order_by(Forum.starts_on.desc(), Forum.id.desc())
    )
    return query.limit(1)


def _public_forum_id() -> int | None:
    key = current_app.config["FORUM_SLUG"] or ""
    forum_id = _public_ids.get(key)
    if forum_id is None:
        forum_id = db.session.scalars(_public_forum_query(Forum.id)).first()
        if forum_id is not None:
            _public_ids.set(key, forum_id)
    return forum_id


@event.listens_for(Forum, "after_insert")
@event.listens_for(Forum, "after_update")
@event.listens_for(Forum, "after_delete")
def _forum_changed(_mapper: Any, _connection: Any, forum: Forum) -> None:
    session = object_session(forum)
    if session is not None:
        session.info["forums_changed"] = True


@event.listens_for(Session, "after_commit")
def _forget_public_forum(session: Session) -> None:
    if session.info.pop("forums_changed", False) and has_app_context():
        _public_ids.clear()


@event.listens_for(Session, "after_rollback")
def _nothing_changed(session: Session) -> None:
    session.info.pop("forums_changed", None)


def public_forum() -> Forum | None:
    """The forum the public pages serve: `FORUM_SLUG`, else the one that starts last."""
    key = current_app.config["FORUM_SLUG"] or ""
    forum_id = _public_ids.get(key)
    forum: Forum | None = db.session.get(Forum, forum_id) if forum_id is not None else None
    if forum is not None:
        return forum
    # Not known yet, or the kept one is gone (removed on another host): ask again.
    forum = db.session.scalars(_public_forum_query(Forum)).first()
    if forum is not None:
        _public_ids.set(key, forum.id)
    return forum


def is_staff_page() -> bool:
    return has_request_context() and request.path.startswith(STAFF_PATHS)


def _staff_choice() -> Forum | None:
    forum_id = session.get(STAFF_FORUM_KEY) if is_staff_page() else None
    return db.session.get(Forum, forum_id) if isinstance(forum_id, int) else None


def current_forum() -> Forum | None:
    """The forum this request serves: on staff pages the edition the user chose, else (and on
    public pages always) the public forum."""
    if "forum" not in g:
        g.forum = _staff_choice() or public_forum()
    forum: Forum | None = g.forum
    return forum


def current_forum_id() -> int | None:
    """The id of the forum this request serves (as `current_forum`), without loading the forum:
    for an API call with a token (no staff choice in a session) no query at all."""
    if "forum" not in g and not (is_staff_page() and STAFF_FORUM_KEY in session):
        return _public_forum_id()
    forum = current_forum()
    return forum.id if forum is not None else None


def choose_staff_forum(forum_id: int | None) -> None:
    """Work on this edition in the staff pages from now on (None: the public forum again)."""
    if forum_id is None:
        session.pop(STAFF_FORUM_KEY, None)
    else:
        session[STAFF_FORUM_KEY] = forum_id
    g.pop("forum", None)


def refuse_changes_to_frozen() -> None:
    """Before a request: a change (POST …) on a staff page of a frozen edition is refused (409)."""
    if request.method in ("GET", "HEAD", "OPTIONS") or not is_staff_page():
        return
    # The scan API is left to its own rules (checkin/scans.py; a door replays stored answers by
    # uuid, README "Check-in"); editions are managed on frozen forums too;
    # a person's data is erased on request whatever the edition (their right, KVKK / GDPR).
    if request.path.startswith(("/api/", *EDITION_PATHS)) or request.path.endswith("/erase"):
        return
    forum = current_forum()
    if forum is not None and forum.frozen:
        abort(409)


def local_to_utc(forum: Forum, local: datetime) -> datetime:
    """A wall-clock time at the forum (naive, as typed in a form) as an aware UTC datetime."""
    return local.replace(tzinfo=forum.zone).astimezone(UTC)


def utc_to_local(forum: Forum, moment: datetime) -> datetime:
    """A stored UTC time as the naive wall-clock time at the forum (to fill a form)."""
    return moment.astimezone(forum.zone).replace(tzinfo=None)


def forum_days(forum: Forum) -> list[date]:
    """The forum's days, first to last."""
    count = (forum.ends_on - forum.starts_on).days + 1
    return [forum.starts_on + timedelta(days=n) for n in range(count)]


def zone_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC start and end of a local day in a time zone."""
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def day_bounds(forum: Forum, day: date) -> tuple[datetime, datetime]:
    """The UTC start and end of a local day of the forum."""
    return zone_day_bounds(day, forum.zone)


def day_bounds_at(moment: datetime, timezone: str) -> tuple[datetime, datetime]:
    """The UTC start and end of the local day (in `timezone`) that contains `moment`."""
    zone = ZoneInfo(timezone)
    return zone_day_bounds(moment.astimezone(zone).date(), zone)


def forum_window(starts_on: date, ends_on: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """From midnight of the first day to midnight after the last, at the forum, in UTC."""
    return zone_day_bounds(starts_on, zone)[0], zone_day_bounds(ends_on, zone)[1]


def local_date(forum: Forum, moment: datetime) -> date:
    """The forum's local date at `moment`."""
    return moment.astimezone(forum.zone).date()


def today(forum: Forum, now: datetime | None = None) -> date:
    """The forum day it is now, in the forum's time zone."""
    return local_date(forum, now or datetime.now(UTC))


def is_running(forum: Forum, now: datetime) -> bool:
    """Whether `now` falls on one of the forum's days (its local time)."""
    return forum.starts_on <= local_date(forum, now) <= forum.ends_on


def default_day(forum: Forum, now: datetime) -> date:
    """Today during the forum; before it the first day, after it the last."""
    return min(max(local_date(forum, now), forum.starts_on), forum.ends_on)
