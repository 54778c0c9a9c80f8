"""Forms of the check-in pages: a check-in point's settings, the desk's manual admission."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from maruf_reg.categories import CATEGORY_LABELS
from maruf_reg.forms import Form
from maruf_reg.models import FullPolicy, PointKind
from maruf_reg.registration.forms import (
    EmailAddress,
    country_field,
    language_field,
    name_field,
    options,
    strip,
    text_field,
    too_long,
)


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
    opens_minutes = IntegerField(
        _l("Session door opens (minutes before the start)"),
        validators=[Optional(), NumberRange(min=0, max=1440)],
    )
    closes_minutes = IntegerField(
        _l("Session door closes (minutes after the end)"),
        validators=[Optional(), NumberRange(min=0, max=1440)],
    )
    full_policy = SelectField(
        _l("When the room is full"), coerce=lambda v: v or None, choices=[], validate_choice=True
    )


def full_policy_choices(policy: str) -> list[tuple[str, str]]:
    """The full-room policies, the setting's one first (an empty choice keeps the setting)."""
    labels = {
        FullPolicy.REFUSE.value: _l("refuse (ROOM FULL)"),
        FullPolicy.WARN.value: _l("admit and warn"),
    }
    return [("", str(_l("Default: %(policy)s", policy=labels[policy])))] + [
        (value, str(label)) for value, label in labels.items()
    ]


class AdmitForm(Form):
    point = SelectField(_l("Admit at"), coerce=int, choices=[], validate_choice=True)


class WalkInForm(Form):
    """A walk-in at the desk: who they are, and where to let them in."""

    given_name = name_field(_l("Given name"), required=True)
    family_name = name_field(_l("Family name"), required=False)
    organisation = text_field(_l("Organisation"))
    position = text_field(_l("Position"))
    country = country_field(required=False, empty_label="—")
    email = StringField(
        _l("E-mail (optional: the personal link is sent there)"),
        validators=[Optional(), too_long(254), EmailAddress()],
        filters=[strip],
        render_kw={"autocomplete": "off", "inputmode": "email", "type": "email"},
    )
    language = language_field()
    category = SelectField(
        _l("Category"), choices=options((c.value, label) for c, label in CATEGORY_LABELS.items())
    )
    point = SelectField(
        _l("Admit at once at"), coerce=_optional_int, choices=[], validate_choice=True
    )
    consent_data = BooleanField(
        _l("The person agrees that their data is processed to organise the forum (notice shown)."),
        validators=[DataRequired(message=_l("A registration needs this consent."))],
    )
    consent_photo = BooleanField(_l("The person agrees to be photographed."))
