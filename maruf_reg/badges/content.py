"""What a badge shows: texts in the person's language, the category band, the forum, the token."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from babel.languages import get_official_languages
from flask import current_app
from flask_babel import force_locale, gettext, ngettext
from sqlalchemy import select, update

from maruf_reg import badge_tokens
from maruf_reg.badges.errors import N_, BadgeError, NotConfirmed
from maruf_reg.badges.texts import BadgeText, ForumFace
from maruf_reg.badges.typeset import can_hyphenate, script_language
from maruf_reg.categories import category_label
from maruf_reg.countries import country_name
from maruf_reg.database import write_intent
from maruf_reg.dates import date_range
from maruf_reg.extensions import db
from maruf_reg.models import (
    Category,
    Forum,
    Person,
    Registration,
    RegistrationStatus,
    RoleKind,
    Session,
    SessionRole,
    Theme,
)

#: band colours of categories a forum has not chosen its own for
DEFAULT_COLOURS: dict[str, str] = {
    Category.PARTICIPANT: "#2e7d32",
    Category.SPEAKER: "#c62828",
    Category.MODERATOR: "#6a1b9a",
    Category.PRESS: "#ef6c00",
    Category.VIP: "#b8860b",
    Category.STAFF: "#00838f",
}
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
#: a session title on the role line is shortened beyond this (it is not a name)
ROLE_TITLE_MAX = 90


def _languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def _language(language: str) -> str:
    languages = _languages()
    return language if language in languages else languages[0]


@dataclass(frozen=True)
class _Labels:
    categories: dict[str, str]
    roles: dict[str, str]


def _labels(language: str) -> _Labels:
    with force_locale(language):
        categories = {category: category_label(category) for category in Category}
        roles = {
            RoleKind.SPEAKER: gettext("Speaker"),
            RoleKind.MODERATOR: gettext("Moderator"),
            RoleKind.CHAIR: gettext("Chair"),
        }
    return _Labels(
        {str(k): str(v) for k, v in categories.items()}, {str(k): str(v) for k, v in roles.items()}
    )


def upper(text: str, language: str) -> str:
    """Capitals as the language writes them: Turkish i → İ (Python's upper() gives I)."""
    return (text.replace("i", "İ") if language == "tr" else text).upper()


def band_label(category: str, labels: dict[str, _Labels]) -> str:
    """The category in every language, in capitals: "KONUŞMACI · SPEAKER", "VIP"."""
    names: list[str] = []
    for language, language_labels in labels.items():
        name = upper(language_labels.categories[category], language)
        if name not in names:
            names.append(name)
    return " · ".join(names)


def band_colours(forum: Forum) -> dict[str, str]:
    """Each category's band colour: the forum's choice, else the default."""
    chosen = forum.badge_colours or {}
    return {
        category: chosen[category]
        if COLOUR_RE.match(str(chosen.get(category, "")))
        else DEFAULT_COLOURS[category]
        for category in DEFAULT_COLOURS
    }


def _dates(forum: Forum, language: str) -> str:
    """ "1–3 Ekim 2030 · İstanbul" (the one formatter's range of days)."""
    when = date_range(forum.starts_on, forum.ends_on, locale=language)
    return " · ".join(part for part in (when, forum.city) if part)


def forum_face(forum: Forum) -> ForumFace:
    """What every badge of the forum shows, in each language, and each category's band."""
    languages = _languages()
    labels = {language: _labels(language) for language in languages}
    colours = band_colours(forum)
    return ForumFace(
        titles={language: forum.name(language) for language in languages},
        dates={language: _dates(forum, language) for language in languages},
        colour=forum.colour if COLOUR_RE.match(forum.colour or "") else "#0b5394",
        logo=forum.logo or None,
        logo_type=forum.logo_type,
        bands={
            Category(category).value: (band_label(category, labels), colour)
            for category, colour in colours.items()
        },
    )


def name_language(text: str, country: str, language: str) -> str:
    """The language a name is hyphenated and shaped in: by its script (CJK, Arabic letters), else
    the country's first official language when the badges can hyphenate it, else the person's."""
    by_script = script_language(text, country)
    if by_script:
        return by_script
    try:
        official = get_official_languages(country.upper(), de_facto=True) if country else ()
    except (KeyError, ValueError):
        official = ()
    for candidate in (*official[:1], language):
        if can_hyphenate(candidate):
            return candidate
    return language


@dataclass(frozen=True)
class _Part:
    role: RoleKind
    title: dict[str, str]
    theme: dict[str, str] | None


def _parts(forum_id: int, person_ids: Iterable[int]) -> dict[int, list[_Part]]:
    """Each person's parts in the forum's programme, in the order of their sessions."""
    wanted = set(person_ids)
    rows = db.session.execute(
        select(SessionRole.person_id, SessionRole.role, Session, Theme)
        .join(Session, SessionRole.session_id == Session.id)
        .outerjoin(Theme, Session.theme_id == Theme.id)
        .where(Session.forum_id == forum_id)
        .order_by(Session.starts_at, Session.id)
    ).all()
    parts: dict[int, list[_Part]] = {}
    for person_id, role, session, theme in rows:
        if person_id not in wanted:
            continue
        parts.setdefault(person_id, []).append(
            _Part(
                role=role,
                title={language: session.title(language) for language in _languages()},
                theme={language: theme.name(language) for language in _languages()}
                if theme
                else None,
            )
        )
    return parts


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _role_line(parts: list[_Part], language: str, labels: _Labels) -> str:
    """ "Speaker · <session title>"; with several sessions their theme, or how many there are."""
    if not parts:
        return ""
    role = labels.roles[parts[0].role]
    if len(parts) == 1:
        return f"{role} · {_shorten(parts[0].title[language], ROLE_TITLE_MAX)}"
    themes = {part.theme[language] if part.theme else None for part in parts}
    if len(themes) == 1 and None not in themes:
        return f"{role} · {_shorten(next(iter(themes)) or '', ROLE_TITLE_MAX)}"
    with force_locale(language):
        sessions = ngettext("%(num)d session", "%(num)d sessions", len(parts))
    return f"{role} · {sessions}"


@dataclass(frozen=True)
class BadgeHolder:
    """What a badge needs of a registration and its person: plain values, so that a batch of
    thousands is read as rows, not as ORM objects (the process that hands the batch to the
    rendering processes stays small)."""

    registration_id: int
    forum_id: int
    status: RegistrationStatus
    category: Category
    badge_serial: int
    person_id: int | None
    given_name: str
    family_name: str
    organisation: str
    country: str
    language: str

    @classmethod
    def of(cls, registration: Registration) -> BadgeHolder:
        person = registration.person
        return cls(
            registration.id,
            registration.forum_id,
            registration.status,
            registration.category,
            registration.badge_serial,
            person.id,
            person.given_name,
            person.family_name,
            person.organisation,
            person.country,
            person.language,
        )


#: the columns of a BadgeHolder, in order, for queries that join Registration and Person
HOLDER_COLUMNS = (
    Registration.id,
    Registration.forum_id,
    Registration.status,
    Registration.category,
    Registration.badge_serial,
    Person.id,
    Person.given_name,
    Person.family_name,
    Person.organisation,
    Person.country,
    Person.language,
)


def token_for(registration: Registration, *, serial: int | None = None) -> str:
    """The signed token in the registration's badge QR, for its current serial (or `serial`)."""
    return _token(
        registration.forum,
        registration.id,
        registration.badge_serial if serial is None else serial,
        registration.category,
    )


def _token(forum: Forum, registration_id: int, serial: int, category: Category) -> str:
    _ensure_forum_keys(forum)
    return badge_tokens.issue(
        forum,
        registration_id=registration_id,
        serial=serial,
        category=category,
        secret_key=current_app.config["SECRET_KEY"],
    )


def _ensure_forum_keys(forum: Forum) -> None:
    """A forum made without a signing key gets one on its first badge (once, even if two race)."""
    if forum.public_key and forum.private_key_encrypted:
        return
    spare = Forum(slug=forum.slug)
    badge_tokens.ensure_keys(spare, secret_key=current_app.config["SECRET_KEY"])
    with write_intent():
        db.session.execute(
            update(Forum)
            .where(Forum.id == forum.id, Forum.public_key.is_(None))
            .values(public_key=spare.public_key, private_key_encrypted=spare.private_key_encrypted)
        )
        db.session.commit()
    db.session.refresh(forum)


def badge_texts(
    registrations: Sequence[Registration], *, serials: dict[int, int] | None = None
) -> list[BadgeText]:
    """What each registration's badge says, in the person's language, with its token."""
    if not registrations:
        return []
    return texts_for(
        registrations[0].forum, [BadgeHolder.of(r) for r in registrations], serials=serials
    )


def texts_for(
    forum: Forum, holders: Sequence[BadgeHolder], *, serials: dict[int, int] | None = None
) -> list[BadgeText]:
    """What each badge of the forum says, in the person's language, with its token.

    `serials` gives the serial to print for some registrations (a reprint's new ones); the others
    print their current serial.
    """
    for holder in holders:
        if holder.forum_id != forum.id:
            raise BadgeError(N_("All badges of one document must belong to one forum."))
        if holder.status != RegistrationStatus.CONFIRMED:
            raise NotConfirmed(holder.registration_id, holder.status, holder.language)
    labels = {language: _labels(language) for language in _languages()}
    parts = _parts(forum.id, (h.person_id for h in holders if h.person_id is not None))
    texts = []
    for holder in holders:
        language = _language(holder.language)
        category = Category(holder.category).value
        serial = (serials or {}).get(holder.registration_id, holder.badge_serial)
        texts.append(
            BadgeText(
                registration_id=holder.registration_id,
                token=_token(forum, holder.registration_id, serial, holder.category),
                given_name=holder.given_name,
                family_name=holder.family_name,
                organisation=holder.organisation,
                country=country_name(holder.country, language),
                language=language,
                category=category,
                role_line=_role_line(
                    parts.get(holder.person_id or 0, []), language, labels[language]
                ),
                country_code=holder.country,
                name_language=name_language(
                    holder.given_name + holder.family_name, holder.country, language
                ),
            )
        )
    return texts
