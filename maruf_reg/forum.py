"""The forum context and its clock: which forum a request serves, and the forum's local days.

Ground floor: imports only the models and the database handle, so every capability (and `web`,
`i18n`) can use it without importing another capability. Times are stored in UTC; a forum has an
IANA time zone, and "a day" of the forum is always its local day (23 or 25 hours long on DST
changes).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, g
from sqlalchemy import select

from maruf_reg.extensions import db
from maruf_reg.models import Forum


def current_forum() -> Forum | None:
    """The forum the public pages serve: `FORUM_SLUG`, else the one that starts last."""
    if "forum" not in g:
        slug = current_app.config["FORUM_SLUG"]
        query = select(Forum)
        query = (
            query.where(Forum.slug == slug)
            if slug
            else query.order_by(Forum.starts_on.desc(), Forum.id.desc())
        )
        g.forum = db.session.scalars(query.limit(1)).first()
    forum: Forum | None = g.forum
    return forum


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
