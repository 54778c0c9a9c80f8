"""What registration's services share: its refusals, a person's details, the personal link's look-up.

The rules themselves are by subject: `signup` (the public form), `lifecycle` (changes, decisions,
the waitlist), `seats` (booking under locks), `listing` (the organisers' list), `speakers`,
`importer`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from maruf_reg import personal_links, text
from maruf_reg.errors import RuleError
from maruf_reg.extensions import db
from maruf_reg.models import (
    Registration,
    Session,
    SessionRole,
)
from maruf_reg.registration.loading import registration_details


class RegistrationError(RuleError):
    """A registration rule refused the operation; the message says why (for logs and the CLI)."""


class RegistrationClosed(RegistrationError):
    """The forum does not take sign-ups (now)."""


class CategoryNotAllowed(RegistrationError):
    """The category cannot be chosen on the public form of this forum."""


class InvalidEmail(RegistrationError):
    """The e-mail address is not valid."""


class EmailTaken(RegistrationError):
    """Another person has this e-mail address."""


class WrongStatus(RegistrationError):
    """The registration is not in a state that allows this (approve a confirmed one …)."""


class OrganisersDecision(WrongStatus):
    """An organiser cancelled or rejected the registration: only an organiser undoes it."""


def normalise_email(email: str) -> str:
    """The address as we store it (see maruf_reg.text.normalise_email)."""
    try:
        return text.normalise_email(email)
    except text.InvalidEmail as error:
        raise InvalidEmail(str(error)) from error


@dataclass(frozen=True)
class PersonDetails:
    """What a person tells about themself on a form."""

    given_name: str
    family_name: str = ""
    organisation: str = ""
    position: str = ""
    country: str = ""
    phone: str = ""
    language: str = "tr"


def registration_by_token(token: str) -> Registration | None:
    """The registration behind a personal link, with its person, forum and seats; None if unknown."""
    return personal_links.registration_by_token(token, *registration_details())


def speaking_roles(registration: Registration) -> list[SessionRole]:
    """The person's parts (speaker, moderator, chair) in this forum's sessions, in time order."""
    return list(
        db.session.scalars(
            select(SessionRole)
            .join(Session)
            .where(
                SessionRole.person_id == registration.person_id,
                Session.forum_id == registration.forum_id,
            )
            .options(contains_eager(SessionRole.session).joinedload(Session.room))
            .order_by(Session.starts_at)
        )
    )


# --- organisers' list ----------------------------------------------------------------------------
