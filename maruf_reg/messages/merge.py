"""A message's texts with merge fields, and the mail each recipient gets in their language.

Merge fields: `{name}` (the name as the person writes it), `{link}` (their personal link), `{sessions}`
(their sessions, one a line: booked seats, waitlist places and parts they speak in), `{forum}`.
`{{` and `}}` write a brace. Any other field, a format spec or a conversion is refused (a form
error), before saving and again when sending.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from maruf_reg.errors import N_, RuleError
from maruf_reg.extensions import db
from maruf_reg.models import Message, MessageKind, Registration, SeatStatus, Session, SessionRole
from maruf_reg.registration.loading import registration_with_details
from maruf_reg.registration.mails import manage_url, session_when

#: the merge fields a text may use
FIELDS = ("name", "link", "sessions", "forum")
#: the languages a message is written in; Turkish and English are required, Arabic optional
LANGUAGES = ("tr", "en", "ar")


class MergeError(RuleError):
    """A text uses a merge field that does not exist, or braces that do not close."""


def check(text: str, field: str) -> None:
    """Refuse unknown merge fields (the form shows the message next to `field`)."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as error:
        raise MergeError(
            N_("A brace is not closed: write two braces for a brace itself."), field=field
        ) from error
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in FIELDS or spec or conversion:
            raise MergeError(
                N_("Unknown merge field %(name)s: use %(fields)s."),
                field=field,
                name="{" + name + "}",
                fields=", ".join("{" + f + "}" for f in FIELDS),
            )


def fill(text: str, values: Mapping[str, str]) -> str:
    """The text with its merge fields replaced (checked fields only: nothing else is looked up)."""
    out = []
    for literal, name, _spec, _conversion in string.Formatter().parse(text):
        out.append(literal)
        if name is not None:
            out.append(values.get(name, ""))
    return "".join(out)


def locale_of(language: str) -> str:
    return language if language in current_app.config["LANGUAGES"] else "tr"


def _sessions(
    registration: Registration, locale: str, roles: Sequence[SessionRole] | None = None
) -> str:
    forum = registration.forum
    sep = "، " if locale == "ar" else ", "  # the Arabic comma in an Arabic mail
    lines = []
    for seat in sorted(registration.seats, key=lambda s: (s.session.starts_at, s.session_id)):
        when = session_when(seat.session, forum, locale)
        room = seat.session.room.name if seat.session.room else ""
        waiting = "" if seat.status == SeatStatus.BOOKED else " (" + _("waitlist") + ")"
        lines.append(
            f"- {seat.session.title(locale)}{sep}{when}{sep + room if room else ''}{waiting}"
        )
    if roles is None:
        roles = roles_of(forum.id, [registration.person_id]).get(registration.person_id, [])
    for role in sorted(roles, key=lambda r: r.session.starts_at):
        when = session_when(role.session, forum, locale)
        speaks = _("you speak")
        lines.append(f"- {role.session.title(locale)}{sep}{when} ({speaks})")
    return "\n".join(lines) or str(_("(no sessions)"))


def roles_of(forum_id: int, person_ids: Sequence[int]) -> dict[int, list[SessionRole]]:
    """The parts these people have in the forum's sessions, by person (one query)."""
    found: dict[int, list[SessionRole]] = {}
    for role in db.session.scalars(
        select(SessionRole)
        .join(Session)
        .where(SessionRole.person_id.in_(list(person_ids)), Session.forum_id == forum_id)
        .options(joinedload(SessionRole.session))
    ):
        found.setdefault(role.person_id, []).append(role)
    return found


def values_for(
    registration: Registration, locale: str, roles: Sequence[SessionRole] | None = None
) -> dict[str, str]:
    return {
        "name": registration.person.name,
        "link": manage_url(registration.manage_token),
        "sessions": _sessions(registration, locale, roles),
        "forum": registration.forum.name(locale),
    }


def render(
    message: Message, registration: Registration, roles: Sequence[SessionRole] | None = None
) -> tuple[str, str, str]:
    """(locale, subject, text) of the message as this person gets it."""
    locale = locale_of(registration.person.language)
    with force_locale(locale):
        values = values_for(registration, locale, roles)
        subject = " ".join(fill(message.subject(locale), values).split())
        body = fill(message.body(locale), values)
        footer = _footer(message, values["link"])
    return locale, subject, f"{body.rstrip()}\n\n-- \n{footer}\n"


def _footer(message: Message, link: str) -> str:
    if message.kind == MessageKind.ANNOUNCEMENT:
        return str(
            _(
                "You receive this announcement because you agreed to it. To stop it, change your "
                "details through your personal link: %(link)s",
                link=link,
            )
        )
    return str(_("Your registration, your sessions and your data: %(link)s", link=link))


def prepared(message: Message, registration_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """(subject, text) for each of these registrations, as plain strings (they outlive the
    transactions of a batch), loaded in a few queries."""
    if not registration_ids:
        return {}
    registrations = db.session.scalars(
        registration_with_details().where(Registration.id.in_(list(registration_ids)))
    ).unique()
    found = list(registrations)
    roles = roles_of(message.forum_id, [r.person_id for r in found])
    texts = {}
    for registration in found:
        _locale, subject, text = render(
            message, registration, roles.get(registration.person_id, [])
        )
        texts[registration.id] = (subject, text)
    return texts
