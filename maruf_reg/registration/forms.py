"""Forms of the registration pages: sign-up, personal page, speakers, organisers' views, import."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from markupsafe import Markup, escape
from wtforms import (
    BooleanField,
    Field,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget, html_params

from maruf_reg.categories import CATEGORY_LABELS
from maruf_reg.countries import country_choices, is_country
from maruf_reg.forms import Form
from maruf_reg.i18n import LANGUAGE_NAMES, locale_code
from maruf_reg.models import NAME_MAX, Category, RegistrationStatus, RoleKind
from maruf_reg.registration.listing import Filters
from maruf_reg.text import InvalidEmail, normalise_email

TEXT_MAX = 200
BIO_MAX = 5000
PHONE_MAX = 40
SEARCH_MAX = 200


def options(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


@functools.cache
def _country_options_html(locale: str) -> str:
    return "".join(
        f'<option value="{code}">{escape(name)}</option>' for code, name in country_choices(locale)
    )


class CountrySelect:
    """The country list, its 250 options rendered once per language instead of on every page."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        options = _country_options_html(locale_code())
        if field.data:
            # Only a real code matches an option: anything else posted selects nothing.
            options = options.replace(
                f'value="{field.data}">', f'value="{field.data}" selected>', 1
            )
        empty = (
            f'<option value="">{escape(field.choices[0].label) if field.choices else ""}</option>'
        )
        # Every piece is escaped above (names) or made of known codes and html_params.
        html = f"<select {html_params(name=field.name, **kwargs)}>{empty}{options}</select>"
        # Every piece escaped above.
        return Markup(html)  # noqa: S704  # nosec B704


LANGUAGE_CHOICES = options(LANGUAGE_NAMES.items())
STATUS_LABELS = {
    RegistrationStatus.PENDING: _l("Pending approval"),
    RegistrationStatus.CONFIRMED: _l("Confirmed"),
    RegistrationStatus.WAITLISTED: _l("Waitlisted"),
    RegistrationStatus.CANCELLED: _l("Cancelled"),
}
ROLE_LABELS = {
    RoleKind.SPEAKER: _l("Speaker"),
    RoleKind.MODERATOR: _l("Moderator"),
    RoleKind.CHAIR: _l("Chair"),
}


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class EmailAddress:
    """Check the syntax (no DNS lookup) and keep the normalised, lower-case address."""

    def __call__(self, form: Any, field: Field) -> None:
        try:
            field.data = normalise_email(field.data or "")
        except InvalidEmail as error:
            raise ValidationError(_l("This is not a valid e-mail address.")) from error


class TooLong:
    """Refuse text longer than `maximum` characters.

    Unlike WTForms' Length, it puts no `maxlength` on the input: a browser would silently cut a
    pasted name to fit, and names are refused with a message, never cut.
    """

    def __init__(self, maximum: int) -> None:
        self.maximum = maximum

    def __call__(self, form: Any, field: Field) -> None:
        if isinstance(field.data, str) and len(field.data) > self.maximum:
            raise ValidationError(
                _l("At most %(max)d characters, please (this has %(length)d).")
                % {"max": self.maximum, "length": len(field.data)}
            )


def too_long(maximum: int) -> TooLong:
    return TooLong(maximum)


def text_field(label: Any, maximum: int = TEXT_MAX, *, required: bool = False) -> StringField:
    first = DataRequired(message=_l("Please fill this in.")) if required else Optional()
    return StringField(label, validators=[first, too_long(maximum)], filters=[strip])


def name_field(label: Any, *, required: bool) -> StringField:
    return text_field(label, NAME_MAX, required=required)


def email_field(label: Any = None) -> StringField:
    return StringField(
        label or _l("E-mail"),
        validators=[
            DataRequired(message=_l("Please fill this in.")),
            too_long(254),
            EmailAddress(),
        ],
        filters=[strip],
        render_kw={"autocomplete": "email", "inputmode": "email", "type": "email"},
    )


def phone_field() -> StringField:
    return StringField(
        _l("Phone (optional)"),
        validators=[
            Optional(),
            too_long(PHONE_MAX),
            Regexp(
                r"^\+?[0-9][0-9 ()./-]{3,}$",
                message=_l("Digits, spaces and + ( ) - only, please."),
            ),
        ],
        filters=[strip],
        render_kw={"autocomplete": "tel", "type": "tel"},
    )


class KnownCountry:
    def __call__(self, form: Any, field: Field) -> None:
        if field.data and not is_country(field.data):
            raise ValidationError(_l("Please choose a country from the list."))


def upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def country_field(required: bool = True, empty_label: Any = None) -> SelectField:
    first = InputRequired(message=_l("Please choose a country.")) if required else Optional()
    # The widget lists every country in the page's language; the validator checks the code.
    return SelectField(
        _l("Country"),
        validators=[first, KnownCountry()],
        filters=[upper],
        choices=[SelectChoice("", empty_label or _l("Choose a country"))],
        validate_choice=False,
        widget=CountrySelect(),
    )


def language_field() -> RadioField:
    return RadioField(
        _l("Language for e-mail and your personal page"),
        choices=LANGUAGE_CHOICES,
        validators=[InputRequired(message=_l("Please choose a language."))],
    )


def consent_data_field() -> BooleanField:
    return BooleanField(
        _l(
            "I agree that my personal data is processed to organise the forum "
            "(KVKK / GDPR; see the notice above)."
        ),
        validators=[DataRequired(message=_l("We cannot register you without this consent."))],
    )


def consent_photo_field() -> BooleanField:
    return BooleanField(
        _l("I agree to be photographed and filmed, and that the pictures may be published.")
    )


def consent_announcements_field() -> BooleanField:
    """Optional, unchecked unless the person ticks it; service messages come without it."""
    return BooleanField(
        _l("I would like to receive the organisers' announcements by e-mail (news of the forum).")
    )


def bio_field(label: Any) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[Optional(), too_long(BIO_MAX)],
        filters=[strip],
    )


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def session_id(value: Any) -> int:
    """A session id as posted: a positive integer a database column can hold."""
    number = int(value)
    if not 0 < number < 2**31:
        raise ValueError(value)
    return number


def sessions_field() -> CheckboxList:
    # The template lists the sessions; the service checks the chosen ids (forum, booking, time).
    return CheckboxList(
        _l("Sessions you would like to attend"),
        coerce=session_id,
        choices=[],
        validate_choice=False,
        invalid_value_message=_l("Please choose only sessions from the list."),
    )


class _PersonFields(Form):
    given_name = name_field(_l("Given name"), required=True)
    family_name = name_field(_l("Family name"), required=False)
    organisation = text_field(_l("Organisation"))
    position = text_field(_l("Position"))
    country = country_field()
    phone = phone_field()
    language = language_field()


class SignUpForm(_PersonFields):
    email = email_field()
    # The view lists the forum's categories; the service checks the forum allows the one chosen.
    category = RadioField(
        _l("I register as"),
        choices=[],
        validate_choice=False,
        validators=[
            InputRequired(message=_l("Please choose one.")),
            AnyOf(
                [c.value for c in Category],
                message=_l("Please choose one of the categories shown."),
            ),
        ],
        default=Category.PARTICIPANT.value,
    )
    sessions = sessions_field()
    consent_data = consent_data_field()
    consent_photo = consent_photo_field()
    consent_announcements = consent_announcements_field()
    # A field people never see; bots that fill every field give themselves away.
    website = StringField(
        _l("Leave this empty"),
        render_kw={"autocomplete": "off", "tabindex": "-1"},
    )


class EditForm(_PersonFields):
    consent_photo = consent_photo_field()
    consent_announcements = consent_announcements_field()


class SessionsForm(Form):
    sessions = sessions_field()


class ConfirmForm(Form):
    """A button that changes something: only its CSRF token."""


class ResendForm(Form):
    email = email_field()
    website = StringField(
        _l("Leave this empty"), render_kw={"autocomplete": "off", "tabindex": "-1"}
    )


class SpeakerForm(_PersonFields):
    bio_tr = bio_field(_l("Short biography in Turkish"))
    bio_en = bio_field(_l("Short biography in English"))
    photo = FileField(_l("Photo (optional, JPEG or PNG, at most 5 MB)"))
    consent_data = consent_data_field()
    consent_photo = consent_photo_field()


class InvitationForm(Form):
    session = SelectField(
        _l("Session"),
        coerce=int,
        choices=[],
        validators=[InputRequired(message=_l("Please choose a session."))],
    )
    role = SelectField(
        _l("Role"), choices=options((k.value, v) for k, v in ROLE_LABELS.items()), default="speaker"
    )
    email = email_field()
    given_name = name_field(_l("Given name"), required=False)
    family_name = name_field(_l("Family name"), required=False)
    language = RadioField(_l("Language of the invitation"), choices=LANGUAGE_CHOICES, default="tr")


class AdminEditForm(Form):
    given_name = name_field(_l("Given name"), required=True)
    family_name = name_field(_l("Family name"), required=False)
    # Optional: a walk-in may have none; one given is never taken away here.
    email = StringField(
        _l("E-mail"),
        validators=[Optional(), too_long(254), EmailAddress()],
        filters=[strip],
        render_kw={"autocomplete": "email", "inputmode": "email", "type": "email"},
    )
    organisation = text_field(_l("Organisation"))
    position = text_field(_l("Position"))
    country = country_field(required=False, empty_label="—")
    phone = phone_field()
    language = language_field()
    category = SelectField(
        _l("Category"), choices=options((k.value, v) for k, v in CATEGORY_LABELS.items())
    )


class FilterForm(Form):
    """The organisers' search and filters; read from the query string, so no CSRF token."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), filters=[strip], render_kw={"type": "search"})
    category = SelectField(
        _l("Category"),
        choices=options([("", _l("All categories")), *CATEGORY_LABELS.items()]),
        validate_choice=True,
    )
    status = SelectField(
        _l("Status"),
        choices=options([("", _l("All statuses")), *STATUS_LABELS.items()]),
    )
    theme = SelectField(_l("Theme"), choices=[])
    country = SelectField(
        _l("Country"),
        choices=[SelectChoice("", _l("All countries"))],
        validate_choice=False,
        filters=[upper],
        widget=CountrySelect(),
    )

    def filters(self) -> Filters:
        """The chosen filters; anything that is not one of them is left out, never an error."""

        def member(enum_cls: Any, value: str | None) -> Any:
            return enum_cls(value) if value in enum_cls._value2member_map_ else None

        theme = self.theme.data or ""
        return Filters(
            q=(self.q.data or "")[:SEARCH_MAX],
            category=member(Category, self.category.data),
            status=member(RegistrationStatus, self.status.data),
            theme_id=int(theme) if re.fullmatch(r"[0-9]{1,9}", theme) else None,
            country=self.country.data if is_country(self.country.data or "") else "",
        )

    def left_out(self) -> list[str]:
        """The filters given in the URL that `filters()` could not use (`?theme=²`)."""
        chosen = self.filters()
        used = {
            "category": chosen.category is not None,
            "status": chosen.status is not None,
            "theme": chosen.theme_id is not None,
            "country": bool(chosen.country),
        }
        return [
            name
            for name, ok in used.items()
            if self[name].raw_data and self[name].raw_data[0] and not ok
        ]

    def query_args(self) -> dict[str, str]:
        """The filters as the list's links repeat them: only this form's own fields."""
        return {
            name: str(field.raw_data[0])
            for name, field in self._fields.items()
            if field.raw_data and field.raw_data[0]
        }


class ImportForm(Form):
    file = FileField(_l("CSV file"))
    category = SelectField(
        _l("Category for rows without one"),
        choices=options(CATEGORY_LABELS.items()),
        default=Category.PARTICIPANT.value,
    )
    send_mail = BooleanField(_l("Send each new person their personal link by e-mail"))
