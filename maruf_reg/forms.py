"""The base of every form: Flask-WTF's, and no control characters in any text field.

A NUL cannot even be stored by PostgreSQL, and other control characters have no business in a name,
an e-mail address or a password; markup is fine (it is escaped where it is shown). The check is
added to every text field here, once, so that no form can forget it.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, StringField, TextAreaField
from wtforms.validators import StopValidation

from maruf_reg.errors import RuleError

# Unicode's control characters (category Cc: U+0000–U+001F and U+007F–U+009F, fixed by Unicode's
# stability policy) and lone surrogates (Cs: U+D800–U+DFFF), but a tab; line breaks only where
# allowed. One regular expression searched in C (a category look-up per character cost ~30 µs a
# sign-up); tests/test_forms.py checks it against unicodedata for every code point.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_BUT_LINE_BREAKS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def has_control_characters(text: str, *, multiline: bool) -> bool:
    """Whether the text holds a control character or a lone surrogate (a tab is allowed, and with
    `multiline` line feeds and carriage returns)."""
    return (_CONTROL_BUT_LINE_BREAKS if multiline else _CONTROL).search(text) is not None


class PlainText:
    """Refuse control characters (line breaks only in multi-line fields); checked first."""

    def __init__(self, *, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, form: Any, field: Field) -> None:
        if isinstance(field.data, str) and has_control_characters(
            field.data, multiline=self.multiline
        ):
            raise StopValidation(_l("This contains characters that are not allowed."))


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            field = super().bind_field(form, unbound_field, options)
            if isinstance(field, StringField):  # text, e-mail, password, search, hidden …
                plain = PlainText(multiline=isinstance(field, TextAreaField))
                field.validators = [plain, *field.validators]
            return field


def show_refusal(form: FlaskForm, error: RuleError) -> None:
    """Show a refused change next to the field it concerns, or above the form."""
    # A plain str: Flask-Babel's lazy strings claim to be safe HTML (__html__), and the message may
    # hold a name somebody typed.
    message = error.translated()
    field = form._fields.get(error.field) if error.field else None
    if field is not None:
        field.errors.append(message)
    else:
        form.form_errors.append(message)
