"""Filters of the report pages. They are sent with GET and change nothing, so they carry no CSRF
token (a token in a URL would leak into logs and history)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from maruf_reg.forms import Form
from maruf_reg.models import Theme
from maruf_reg.web import local_time


class _GetForm(Form):
    class Meta:
        csrf = False


def _day_choices(days: list[date], everything: str | None) -> list[tuple[str, str]]:
    choices = [("", everything)] if everything else []
    return choices + [(d.isoformat(), local_time(d, "day")) for d in days]


class DayForm(_GetForm):
    """The dashboard's day for the entrance counts."""

    day = SelectField(_l("Day"))

    def __init__(self, *args: Any, days: list[date], default: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.day.choices = _day_choices(days, None)
        if not self.day.data:
            self.day.data = default.isoformat()

    @property
    def chosen_day(self) -> date | None:
        return date.fromisoformat(self.day.data) if self.day.data and not self.errors else None


class ReportFilterForm(_GetForm):
    """Day and theme of the sessions and themes reports."""

    day = SelectField(_l("Day"), default="")
    theme = SelectField(_l("Theme"), default="")

    def __init__(
        self, *args: Any, days: list[date], themes: list[Theme], locale: str, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.day.choices = _day_choices(days, _("All days"))
        self.theme.choices = [("", _("All themes"))] + [
            (str(theme.id), theme.name(locale)) for theme in themes
        ]

    @property
    def chosen_day(self) -> date | None:
        return date.fromisoformat(self.day.data) if self.day.data and not self.day.errors else None

    @property
    def chosen_theme(self) -> int | None:
        return int(self.theme.data) if self.theme.data and not self.theme.errors else None
