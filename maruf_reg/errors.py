"""The one shape of a refusal: every capability's domain errors derive from `RuleError`.

A service raises `RuleError` (or a subclass named after the rule) when a rule refuses an operation;
nothing was changed. Views show `translated()` in the reader's language (a form error on `field`,
or a message for the whole form when `field` is None); the CLI and logs use `str()`.

`message` is either a message id marked with `N_` plus `values` for its `%(name)s` placeholders,
or a lazy string (`lazy_gettext`) that carries its values already.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext


def N_(message: str) -> str:
    """Mark a message for translation without translating it (Babel extracts `N_`)."""
    return message


class RuleError(Exception):
    """A rule refused the operation; nothing was changed."""

    def __init__(self, message: Any, *, field: str | None = None, **values: Any) -> None:
        self.message = message
        self.field = field
        self.values = values
        super().__init__(message % values if values and isinstance(message, str) else message)

    def __str__(self) -> str:
        if self.values and isinstance(self.message, str):
            return self.message % self.values
        return str(self.message)

    def translated(self) -> str:
        """The message in the current locale."""
        if isinstance(self.message, str):
            return str(gettext(self.message, **self.values))
        return str(self.message)
