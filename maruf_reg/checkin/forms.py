"""Forms of the check-in pages: a check-in point's settings, the desk's manual admission."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length

from maruf_reg.forms import Form
from maruf_reg.models import PointKind


def _optional_int(value: object) -> int | None:
    return int(str(value)) if value not in (None, "", "None") else None


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def kind_choices() -> list[tuple[str, str]]:
    return [
        (PointKind.ENTRANCE.value, str(_l("Entrance"))),
        (PointKind.SESSION.value, str(_l("Session room"))),
        (PointKind.OTHER.value, str(_l("Other (exhibition, lounge…)"))),
    ]


class PointForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(_l("Kind"), choices=[])
    session = SelectField(_l("Session"), coerce=_optional_int, choices=[], validate_choice=True)
    categories = MultiCheckboxField(_l("Categories admitted (none ticked: every category)"))
    counts_exit = BooleanField(_l("Also scan people leaving (counts who is inside)"))
    active = BooleanField(_l("Active"), default=True)


class AdmitForm(Form):
    point = SelectField(_l("Admit at"), coerce=int, choices=[], validate_choice=True)
