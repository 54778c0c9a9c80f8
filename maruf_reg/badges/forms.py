from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, ColorField, SelectChoice, SelectField
from wtforms.validators import InputRequired, Optional, Regexp

from maruf_reg.badges.layouts import DEFAULT_LAYOUT, LAYOUTS
from maruf_reg.categories import CATEGORY_LABELS
from maruf_reg.forms import Form
from maruf_reg.models import Category

COLOUR = Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Choose a colour like #1a2b3c."))

#: the one label of each category (`maruf_reg/categories.py`)
CATEGORY_NAMES = CATEGORY_LABELS
ORDER_CHOICES = [
    SelectChoice("family_name", _l("Family name")),
    SelectChoice("given_name", _l("Given name")),
    SelectChoice("organisation", _l("Organisation")),
    SelectChoice("id", _l("Registration number")),
]


def layout_choices() -> list[SelectChoice]:
    return [SelectChoice(layout.key, _l(layout.label)) for layout in LAYOUTS.values()]


class BatchForm(Form):
    """Which badges to print, on which paper."""

    layout = SelectField(_l("Paper"), choices=layout_choices(), default=DEFAULT_LAYOUT)
    category = SelectField(
        _l("Category"),
        choices=[
            SelectChoice("", _l("All categories")),
            *(SelectChoice(c.value, n) for c, n in CATEGORY_NAMES.items()),
        ],
        default="",
    )
    #: choices are the forum's themes and sessions, set by the view
    theme = SelectField(_l("Theme"), choices=[SelectChoice("", _l("All themes"))], default="")
    session = SelectField(_l("Session"), choices=[SelectChoice("", _l("All sessions"))], default="")
    unprinted = BooleanField(_l("Only badges not printed yet"))
    order = SelectField(_l("Order"), choices=ORDER_CHOICES, default="family_name")
    reprint = BooleanField(
        _l("Reprint: give every selected badge a new serial (the printed ones stop working)")
    )


class SettingsForm(Form):
    """A forum's badge colours and logo."""

    colour = ColorField(_l("Forum colour (badge header)"), validators=[InputRequired(), COLOUR])
    participant = ColorField(
        CATEGORY_NAMES[Category.PARTICIPANT], validators=[InputRequired(), COLOUR]
    )
    speaker = ColorField(CATEGORY_NAMES[Category.SPEAKER], validators=[InputRequired(), COLOUR])
    moderator = ColorField(CATEGORY_NAMES[Category.MODERATOR], validators=[InputRequired(), COLOUR])
    press = ColorField(CATEGORY_NAMES[Category.PRESS], validators=[InputRequired(), COLOUR])
    vip = ColorField(CATEGORY_NAMES[Category.VIP], validators=[InputRequired(), COLOUR])
    staff = ColorField(CATEGORY_NAMES[Category.STAFF], validators=[InputRequired(), COLOUR])
    logo = FileField(_l("Logo (PNG, JPEG or SVG, at most 512 KB)"), validators=[Optional()])
    remove_logo = BooleanField(_l("Remove the logo"))

    def category_fields(self) -> list[object]:
        return [getattr(self, category.value) for category in Category]


class PrintForm(Form):
    """The desk's reprint button: only its CSRF token."""
