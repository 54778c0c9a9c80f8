"""Editions of the forum: the next year's made from the browser, optionally copying what carries
over from an earlier one, and earlier editions frozen.

What a new edition may take from an earlier one (`PARTS`): its themes, its rooms, its programme's
skeleton (the sessions at the same local times on the same day of the forum, without speakers or
seats), its registration categories (which need approval, which the sign-up offers) and its
badge settings (colours, logo). A higher capability adds its own parts with `add_part` (the
custom sign-up questions, for example): they are offered on the same page and copied in the same
transaction. Registrations, people's parts in sessions, scans and badges are never copied: they
belong to the edition they happened in.

A frozen edition is read, never changed: its programme and reports stay as they were (the
organisers' pages refuse every change, see `maruf_reg.forum.refuse_changes_to_frozen`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from maruf_reg import audit, badge_tokens, signals
from maruf_reg.extensions import db
from maruf_reg.forum import local_to_utc, utc_to_local
from maruf_reg.models import Forum, Room, Session, Theme
from maruf_reg.program.rules import ProgrammeError, check_slug, locked, one_change
from maruf_reg.program.services import ForumFields, forum_values

#: a part's copier: (the earlier edition, the new one) → None; runs inside the new edition's
#: transaction (flush, never commit)
Copier = Callable[[Forum, Forum], None]


@dataclass(frozen=True)
class Part:
    key: str
    label: LazyString
    copy: Copier


def _copy_themes(source: Forum, forum: Forum) -> None:
    for theme in db.session.scalars(select(Theme).where(Theme.forum_id == source.id)):
        db.session.add(
            Theme(
                forum_id=forum.id,
                slug=theme.slug,
                name_tr=theme.name_tr,
                name_en=theme.name_en,
                description_tr=theme.description_tr,
                description_en=theme.description_en,
                colour=theme.colour,
                position=theme.position,
            )
        )


def _copy_rooms(source: Forum, forum: Forum) -> None:
    for room in db.session.scalars(select(Room).where(Room.forum_id == source.id)):
        db.session.add(
            Room(forum_id=forum.id, name=room.name, capacity=room.capacity, position=room.position)
        )


def _moved(source: Forum, forum: Forum, moment: datetime) -> datetime | None:
    """The same wall-clock time on the same day of the new edition; None past its last day."""
    local = utc_to_local(source, moment)
    day = (local.date() - source.starts_on).days
    if not 0 <= day <= (forum.ends_on - forum.starts_on).days:
        return None
    return local_to_utc(
        forum, datetime.combine(forum.starts_on + timedelta(days=day), local.time())
    )


def _copy_sessions(source: Forum, forum: Forum) -> None:
    """The programme's skeleton: each session at its time on the same day of the new edition, in
    the room and theme of the same name (themes and rooms are copied first)."""
    db.session.flush()
    themes = {
        t.slug: t.id for t in db.session.scalars(select(Theme).where(Theme.forum_id == forum.id))
    }
    rooms = {
        r.name: r.id for r in db.session.scalars(select(Room).where(Room.forum_id == forum.id))
    }
    copies = []
    for session in db.session.scalars(select(Session).where(Session.forum_id == source.id)):
        starts_at, ends_at = (
            _moved(source, forum, session.starts_at),
            _moved(source, forum, session.ends_at),
        )
        if starts_at is None or ends_at is None or ends_at <= starts_at:
            continue
        copies.append(
            Session(
                forum_id=forum.id,
                theme_id=themes.get(session.theme.slug) if session.theme else None,
                room_id=rooms.get(session.room.name) if session.room else None,
                kind=session.kind,
                title_tr=session.title_tr,
                title_en=session.title_en,
                description_tr=session.description_tr,
                description_en=session.description_en,
                starts_at=starts_at,
                ends_at=ends_at,
                capacity=session.capacity,
                needs_booking=session.needs_booking,
                no_checkin=session.no_checkin,
            )
        )
    db.session.add_all(copies)
    db.session.flush()
    # Check-in gives each copy its door in this transaction.
    signals.sessions_created.send(session_ids=tuple(s.id for s in copies), staff_user_id=None)


def _copy_categories(source: Forum, forum: Forum) -> None:
    forum.approval_categories = list(source.approval_categories)
    forum.signup_categories = list(source.signup_categories)


def _copy_badge_settings(source: Forum, forum: Forum) -> None:
    forum.badge_colours = dict(source.badge_colours or {})
    forum.logo, forum.logo_type = source.logo, source.logo_type


PARTS: dict[str, Part] = {
    part.key: part
    for part in [
        Part("themes", _l("Themes"), _copy_themes),
        Part("rooms", _l("Rooms"), _copy_rooms),
        Part(
            "sessions",
            _l("The programme's sessions (same days and times, no speakers)"),
            _copy_sessions,
        ),
        Part("categories", _l("Registration categories (sign-up and approval)"), _copy_categories),
        Part("badges", _l("Badge settings (colours, logo)"), _copy_badge_settings),
    ]
}
#: the order parts are copied in: sessions need the themes and rooms
ORDER = ("themes", "rooms", "sessions", "categories", "badges")


def add_part(key: str, label: LazyString, copy: Copier) -> None:
    """Offer one more part to copy (from a higher capability: custom sign-up questions …)."""
    PARTS[key] = Part(key, label, copy)


def editions() -> list[Forum]:
    """Every edition, the latest first."""
    return list(db.session.scalars(select(Forum).order_by(Forum.starts_on.desc(), Forum.id.desc())))


def create_edition(
    slug: str,
    fields: ForumFields,
    *,
    source_id: int | None,
    parts: Collection[str],
    freeze_source: bool,
    secret_key: str,
    staff_user_id: int | None,
) -> Forum:
    """A new edition with its own signing keys, with the chosen parts of an earlier one."""
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ProgrammeError(_l("Choose what to copy from the list."), field="parts")
    with one_change():
        slug = check_slug(slug, "slug", limit=50)
        if db.session.scalar(select(Forum.id).where(Forum.slug == slug)):
            raise ProgrammeError(_l("A forum with this short name exists already."), field="slug")
        forum = Forum(slug=slug)
        details = audit.changes(forum, forum_values(fields))
        badge_tokens.ensure_keys(forum, secret_key=secret_key)
        db.session.add(forum)
        db.session.flush()
        copied: list[str] = []
        if source_id is not None and parts:
            source = locked(Forum, source_id, missing=_l("Unknown edition."), field="source")
            keys = [k for k in ORDER if k in parts] + [k for k in parts if k not in ORDER]
            for key in keys:
                PARTS[key].copy(source, forum)
                copied.append(key)
            if freeze_source:
                # A frozen edition takes no more sign-ups either.
                source.frozen, source.registration_open = True, False
        audit.record(
            "forum.create",
            obj=forum,
            staff_user_id=staff_user_id,
            details={**details, "copied_from": source_id, "parts": copied},
        )
    return forum


def set_frozen(forum_id: int, frozen: bool, *, staff_user_id: int | None) -> Forum:
    """Freeze an edition (read only, registration closed), or thaw it to correct something
    (registration stays closed until an organiser opens it in the forum's settings)."""
    with one_change():
        forum = locked(Forum, forum_id)
        changes: dict[str, bool] = {"frozen": frozen}
        if frozen:
            changes["registration_open"] = False  # a frozen edition takes no more sign-ups
        details = audit.changes(forum, changes)
        if details:
            audit.record("forum.freeze", obj=forum, staff_user_id=staff_user_id, details=details)
    return forum
