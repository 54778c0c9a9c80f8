from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from maruf_reg.forms import Form
from maruf_reg.models import Role

ROLE_CHOICES = [
    SelectChoice(Role.ADMIN.value, _l("Organiser (admin)")),
    SelectChoice(Role.DESK.value, _l("Badge desk")),
    SelectChoice(Role.DOOR.value, _l("Door")),
]


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class StaffUserForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    password = PasswordField(
        _l("Password (empty: generate one)"), validators=[Optional(), Length(min=10, max=200)]
    )


class ApiTokenForm(Form):
    name = StringField(_l("Device or script"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default=Role.DOOR.value)


class ConfirmForm(Form):
    """A button that changes something: only its CSRF token."""
