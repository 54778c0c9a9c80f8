"""Forms of the programme admin. Their limits match the services', which check again."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    ColorField,
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from maruf_reg.countries import country_choices
from maruf_reg.forms import Form
from maruf_reg.i18n import locale_code
from maruf_reg.models import NAME_MAX, Person, Room, Theme
from maruf_reg.program.labels import KIND_LABELS, ROLE_LABELS
from maruf_reg.program.rules import (
    CAPACITY_MAX,
    CITY_MAX,
    DESCRIPTION_MAX,
    FORUM_NAME_MAX,
    ORGANISATION_MAX,
    POSITION_MAX,
    ROOM_NAME_MAX,
    SLUG_MAX,
    THEME_NAME_MAX,
    TITLE_MAX,
    VENUE_MAX,
)

#: how the browser's datetime-local input sends a time (seconds only when typed)
LOCAL_TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def choices(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def one_newline(value: Any) -> Any:
    """Count a line break as one character, as it is stored (browsers send CRLF)."""
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _text(label: Any, limit: int, *, required: bool = False) -> StringField:
    return StringField(
        label,
        validators=[DataRequired() if required else Optional(), Length(max=limit)],
        filters=[strip],
    )


def _long_text(label: Any) -> TextAreaField:
    return TextAreaField(
        label, validators=[Optional(), Length(max=DESCRIPTION_MAX)], filters=[one_newline]
    )


def _position() -> IntegerField:
    return IntegerField(
        _l("Order"), validators=[Optional(), NumberRange(min=0, max=POSITION_MAX)], default=0
    )


class ForumForm(Form):
    # Only when the forum is made: it is in file names and links that must not change.
    slug = _text(_l("Short name"), 50)
    name_tr = _text(_l("Name in Turkish"), FORUM_NAME_MAX, required=True)
    name_en = _text(_l("Name in English"), FORUM_NAME_MAX, required=True)
    starts_on = DateField(_l("First day"), validators=[InputRequired()])
    ends_on = DateField(_l("Last day"), validators=[InputRequired()])
    timezone = SelectField(_l("Time zone"), default="Europe/Istanbul")
    venue = _text(_l("Venue"), VENUE_MAX)
    city = _text(_l("City"), CITY_MAX)
    registration_open = BooleanField(_l("Registration is open"), default=True)
    colour = ColorField(_l("Colour"), default="#0b5394", validators=[InputRequired()])
    description_tr = _long_text(_l("Description in Turkish"))
    description_en = _long_text(_l("Description in English"))

    def __init__(self, *args: Any, timezones: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = choices((name, name) for name in timezones)


class EditionForm(ForumForm):
    """A new edition: the forum's settings, and what to copy from an earlier one."""

    source = SelectField(_l("Copy from an earlier edition"), default="")
    parts = SelectMultipleField(
        _l("What to copy"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
    )
    freeze_source = BooleanField(
        _l("Freeze the earlier edition (read only from now on)"), default=True
    )

    def __init__(
        self,
        *args: Any,
        editions: Iterable[tuple[str, str]] = (),
        parts: Iterable[tuple[str, Any]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.source.choices = choices([("", _l("— start empty —")), *editions])
        self.parts.choices = choices(parts)


class ChooseForumForm(Form):
    """Which edition a staff user works on."""

    forum = IntegerField(validators=[InputRequired()])


class ThemeForm(Form):
    slug = _text(_l("Short name in links (/themes/…)"), SLUG_MAX, required=True)
    name_tr = _text(_l("Name in Turkish"), THEME_NAME_MAX, required=True)
    name_en = _text(_l("Name in English"), THEME_NAME_MAX, required=True)
    description_tr = _long_text(_l("Description in Turkish"))
    description_en = _long_text(_l("Description in English"))
    colour = ColorField(_l("Colour"), default="#4a6fa5", validators=[InputRequired()])
    position = _position()


class RoomForm(Form):
    name = _text(_l("Name"), ROOM_NAME_MAX, required=True)
    capacity = IntegerField(
        _l("Capacity (seats or places)"),
        validators=[InputRequired(), NumberRange(min=0, max=CAPACITY_MAX)],
    )
    position = _position()


class SessionForm(Form):
    kind = SelectField(_l("Kind"), choices=choices((k.value, v) for k, v in KIND_LABELS.items()))
    title_tr = _text(_l("Title in Turkish"), TITLE_MAX, required=True)
    title_en = _text(_l("Title in English"), TITLE_MAX, required=True)
    theme_id = SelectField(_l("Theme"))
    room_id = SelectField(_l("Room"))
    starts_at = DateTimeLocalField(
        _l("Starts"), format=LOCAL_TIME_FORMATS, validators=[InputRequired()]
    )
    ends_at = DateTimeLocalField(
        _l("Ends"), format=LOCAL_TIME_FORMATS, validators=[InputRequired()]
    )
    capacity = IntegerField(
        _l("Capacity"), validators=[Optional(), NumberRange(min=0, max=CAPACITY_MAX)]
    )
    needs_booking = BooleanField(_l("Participants book a seat"), default=True)
    no_checkin = BooleanField(
        _l("No check-in (the session gets no door of its own)"), default=False
    )
    description_tr = _long_text(_l("Description in Turkish"))
    description_en = _long_text(_l("Description in English"))

    def __init__(
        self,
        *args: Any,
        themes: Iterable[Theme] = (),
        rooms: Iterable[Room] = (),
        days: tuple[date, date] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        locale = locale_code()
        if days is not None:
            # The browser's picker then opens on the forum's days (the service checks them again).
            window = {
                "min": f"{days[0].isoformat()}T00:00",
                "max": f"{(days[1] + timedelta(days=1)).isoformat()}T00:00",
                "step": 300,
            }
            self.starts_at.render_kw = {**(self.starts_at.render_kw or {}), **window}
            self.ends_at.render_kw = {**(self.ends_at.render_kw or {}), **window}
        self.theme_id.choices = choices(
            [("", _l("— no theme —")), *((str(t.id), t.name(locale)) for t in themes)]
        )
        self.room_id.choices = choices(
            [("", _l("— no room —")), *((str(r.id), f"{r.name} ({r.capacity})") for r in rooms)]
        )


class AddRoleForm(Form):
    # The choices are the picker's search results; the service checks the person (any id).
    person_id = RadioField(_l("Somebody who speaks in the forum already"), validate_choice=False)
    email = EmailField(_l("… or an e-mail address"), validators=[Optional(), Length(max=254)])
    given_name = _text(_l("Given name"), NAME_MAX)
    family_name = _text(_l("Family name"), NAME_MAX)
    organisation = _text(_l("Organisation"), ORGANISATION_MAX)
    country = SelectField(_l("Country"), default="")
    role = SelectField(_l("Part"), choices=choices((r.value, v) for r, v in ROLE_LABELS.items()))
    position = IntegerField(
        _l("Order"), validators=[Optional(), NumberRange(min=0, max=POSITION_MAX)]
    )

    def __init__(self, *args: Any, people: Iterable[Person] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person_id.choices = choices(
            (
                str(p.id),
                (f"{p.name} <{p.email}>" if p.email else p.name)
                + (f" · {p.organisation}" if p.organisation else ""),
            )
            for p in people
        )
        self.country.choices = choices([("", "—"), *country_choices(locale_code())])


class EditRoleForm(Form):
    role = SelectField(_l("Part"), choices=choices((r.value, v) for r, v in ROLE_LABELS.items()))
    position = IntegerField(
        _l("Order"), validators=[InputRequired(), NumberRange(min=0, max=POSITION_MAX)]
    )


class DeleteForm(Form):
    confirm = BooleanField(_l("Yes, delete it anyway"))


class ButtonForm(Form):
    """A button that changes something: only its CSRF token."""
