"""Why a badge cannot be made or printed. `str()` is English (CLI, logs); `translated()` is for pages."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext

from maruf_reg.errors import N_ as N_  # re-exported for the badge modules
from maruf_reg.errors import RuleError
from maruf_reg.models import Registration, RegistrationStatus

STATUS_NAMES = {
    RegistrationStatus.PENDING.value: N_("waiting for approval"),
    RegistrationStatus.CONFIRMED.value: N_("confirmed"),
    RegistrationStatus.WAITLISTED.value: N_("on the waiting list"),
    RegistrationStatus.CANCELLED.value: N_("cancelled"),
}


class BadgeError(RuleError):
    """A badge cannot be made or printed. `str()` is English (CLI, logs); `translated()` is for pages."""

    def __init__(self, message: str, **values: Any) -> None:
        super().__init__(message, **values)

    def translated(self) -> str:
        values = {
            # A registration's status is a word of the sentence: translated too.
            key: gettext(STATUS_NAMES[value])
            if key == "status" and value in STATUS_NAMES
            else value
            for key, value in self.values.items()
        }
        return str(gettext(self.message, **values))


class RegistrationNotFound(BadgeError):
    """No registration with this id or personal link."""


class NotConfirmed(BadgeError):
    """The registration is pending, waitlisted or cancelled: it has no badge."""

    def __init__(self, registration_id: int, status: RegistrationStatus, language: str) -> None:
        super().__init__(
            N_("Registration %(id)s is %(status)s: only confirmed registrations have a badge."),
            id=registration_id,
            status=status.value,
        )
        self.status = status
        #: the person's language, for the page that says so
        self.language = language

    @classmethod
    def of(cls, registration: Registration) -> NotConfirmed:
        return cls(registration.id, registration.status, registration.person.language)


class RevokedBadge(BadgeError):
    """A genuine badge that no longer admits: an older serial, or a registration not confirmed."""


class SelectionError(BadgeError):
    """A batch's filters or layout are wrong, or select nobody."""


class SerialsChanged(BadgeError):
    """Somebody reprinted a badge of the batch while it was being rendered."""


class BadLogo(BadgeError):
    """An uploaded logo is not a small PNG, JPEG or SVG."""
