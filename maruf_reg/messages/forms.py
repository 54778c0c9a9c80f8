"""The organisers' message form: texts per language, kind, rate and whom it is for."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from maruf_reg.categories import CATEGORY_LABELS
from maruf_reg.countries import is_country
from maruf_reg.errors import RuleError
from maruf_reg.forms import Form
from maruf_reg.i18n import LANGUAGE_NAMES
from maruf_reg.messages import merge
from maruf_reg.messages.recipients import Attendance, Badge, Filter, People
from maruf_reg.models import MessageKind
from maruf_reg.registration.forms import STATUS_LABELS, CountrySelect, options, strip, upper

KIND_LABELS = {
    MessageKind.SERVICE: _l("Service message (about their participation): to everyone chosen"),
    MessageKind.ANNOUNCEMENT: _l("Announcement: only to people who agreed to receive them"),
}
PEOPLE_LABELS = {
    People.CONCERNED: _l("Booked, waitlisted and speakers"),
    People.BOOKED: _l("Booked"),
    People.WAITLISTED: _l("Waitlisted"),
    People.SEATED: _l("Booked or waitlisted"),
    People.SPEAKERS: _l("Speakers"),
}
ATTENDANCE_LABELS = {Attendance.ATTENDED: _l("Attended"), Attendance.NO_SHOW: _l("No-show")}
BADGE_LABELS = {Badge.PRINTED: _l("Badge printed"), Badge.NOT_PRINTED: _l("Badge not printed")}


class MergeFields:
    """Refuse unknown merge fields, in the page's language, next to the field."""

    def __call__(self, form: Any, field: Any) -> None:
        try:
            merge.check(field.data or "", field.name)
        except RuleError as error:
            raise ValidationError(error.translated()) from error


def _text_of(lang: str) -> dict[str, str]:
    """The input's own language and direction (the label stays in the page's)."""
    return {"lang": lang, "dir": "rtl" if lang == "ar" else "ltr"}


def _subject(label: Any, required: bool, lang: str) -> StringField:
    first = InputRequired(message=_l("Please write the subject.")) if required else Optional()
    return StringField(
        label,
        validators=[first, Length(max=200), MergeFields()],
        filters=[strip],
        render_kw=_text_of(lang),
    )


def _body(label: Any, required: bool, lang: str) -> TextAreaField:
    first = InputRequired(message=_l("Please write the message.")) if required else Optional()
    return TextAreaField(
        label,
        validators=[first, Length(max=20000), MergeFields()],
        render_kw={"rows": 10, **_text_of(lang)},
    )


def _any(label: Any, pairs: Any) -> SelectField:
    return SelectField(label, choices=options([("", _l("Everyone")), *pairs]))


class MessageForm(Form):
    kind = SelectField(_l("Kind"), choices=options((k.value, v) for k, v in KIND_LABELS.items()))
    subject_tr = _subject(_l("Subject in Turkish"), True, "tr")
    body_tr = _body(_l("Message in Turkish"), True, "tr")
    subject_en = _subject(_l("Subject in English"), True, "en")
    body_en = _body(_l("Message in English"), True, "en")
    subject_ar = _subject(
        _l("Subject in Arabic (optional; else Arabic readers get the English)"), False, "ar"
    )
    body_ar = _body(_l("Message in Arabic (optional)"), False, "ar")
    rate = IntegerField(
        _l("Mails per minute (0: as fast as the mail server takes them)"),
        validators=[InputRequired(message=_l("Please give a rate.")), NumberRange(0, 100000)],
    )
    category = _any(_l("Category"), CATEGORY_LABELS.items())
    status = SelectField(
        _l("Status"),
        choices=options([("", _l("Every status but cancelled")), *STATUS_LABELS.items()]),
    )
    theme = SelectField(_l("Theme"), choices=[], validate_choice=True)
    session = SelectField(_l("Session"), choices=[], validate_choice=True)
    people = _any(_l("Who of the session (or of any session)"), PEOPLE_LABELS.items())
    attendance = _any(_l("Attendance"), ATTENDANCE_LABELS.items())
    badge = _any(_l("Badge"), BADGE_LABELS.items())
    country = SelectField(
        _l("Country"),
        choices=[SelectChoice("", _l("All countries"))],
        validate_choice=False,
        filters=[upper],
        widget=CountrySelect(),
    )
    language = _any(_l("Language"), LANGUAGE_NAMES.items())

    def validate_body_ar(self, field: Any) -> None:
        if bool(field.data) != bool(self.subject_ar.data):
            raise ValidationError(_l("Write both the Arabic subject and message, or neither."))

    def validate_country(self, field: Any) -> None:
        if field.data and not is_country(field.data):
            raise ValidationError(_l("Please choose a country from the list."))

    def set_default_rate(self) -> None:
        if self.rate.data is None:
            self.rate.data = int(current_app.config["MESSAGE_RATE"])

    def chosen(self) -> Filter:
        def number(value: str | None) -> int | None:
            return int(value) if value and value.isdigit() else None

        return Filter(
            category=self.category.data or "",
            status=self.status.data or "",
            theme_id=number(self.theme.data),
            session_id=number(self.session.data),
            people=self.people.data or "",
            attendance=self.attendance.data or "",
            badge=self.badge.data or "",
            country=self.country.data or "",
            language=self.language.data or "",
        )

    def fill(self, chosen: Filter) -> None:
        """Show a saved filter."""
        self.category.data = chosen.category
        self.status.data = chosen.status
        self.theme.data = str(chosen.theme_id or "")
        self.session.data = str(chosen.session_id or "")
        self.people.data = chosen.people
        self.attendance.data = chosen.attendance
        self.badge.data = chosen.badge
        self.country.data = chosen.country
        self.language.data = chosen.language

    def texts(self) -> dict[str, str]:
        return {
            f"{part}_{lang}": (getattr(self, f"{part}_{lang}").data or "")
            for part in ("subject", "body")
            for lang in merge.LANGUAGES
        }
