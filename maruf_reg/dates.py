"""Dates and times as people read them: the one formatter, one set of patterns per language.

Every date and time the app shows a person (pages, mails, PDFs, messages) goes through here:
a 24-hour clock everywhere ("09:00", never "9:00 AM"), and dates with the day and the month's
name ("Tuesday 1 October 2030", "1 Ekim 2030 Salı", "الثلاثاء، 1 أكتوبر 2030"), never a
numeric date that reads one way in Europe and another in America (1/4/27). English is written the
British way, day before month, as the forum's European readers expect.

Styles (the `style` argument):

| style | en | for |
|---|---|---|
| `time` | 09:00 | a time of day |
| `date` | Tuesday 1 October 2030 | a day, in full |
| `day` | Tuesday 1 October | a day of the forum (its year is known) |
| `day_short` | Tue 1 Oct | tabs, narrow columns |
| `date_short` | 1 Oct 2030 | a date in a list |
| `datetime` | 1 Oct 2030, 09:00 | when something happened (lists, logs) |
| `datetime_long` | Tuesday 1 October 2030, 09:00 | a moment in a sentence |
| `day_time` | Tue 1 Oct, 09:00 | a session in a picker |
| `weekday_time` | Tue 09:00 | a session in a table of the forum's days |
| `day_month`, `day_month_year`, `day_month_short` | 1 October, 1 October 2030, 1 Oct | pieces |

Machine formats (ISO 8601 in exports, `datetime` attributes, file names) are not for people and
do not come here. Ground floor: takes plain values (a locale code, a time zone), no request.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from babel.dates import format_date, format_datetime

#: The patterns of each language (CLDR pattern syntax); a language missing here uses English's.
PATTERNS: dict[str, dict[str, str]] = {
    "en": {
        "time": "HH:mm",
        "date": "EEEE d MMMM y",
        "day": "EEEE d MMMM",
        "day_short": "EEE d MMM",
        "date_short": "d MMM y",
        "datetime": "d MMM y, HH:mm",
        "datetime_long": "EEEE d MMMM y, HH:mm",
        "day_time": "EEE d MMM, HH:mm",
        "weekday_time": "EEE HH:mm",
        # pieces of ranges
        "day_month": "d MMMM",
        "day_month_year": "d MMMM y",
        "day_month_short": "d MMM",
    },
    "tr": {
        "time": "HH:mm",
        "date": "d MMMM y EEEE",
        "day": "d MMMM EEEE",
        "day_short": "d MMM EEE",
        "date_short": "d MMM y",
        "datetime": "d MMM y HH:mm",
        "datetime_long": "d MMMM y EEEE, HH:mm",
        "day_time": "d MMM EEE, HH:mm",
        "weekday_time": "EEE HH:mm",
        "day_month": "d MMMM",
        "day_month_year": "d MMMM y",
        "day_month_short": "d MMM",
    },
    "ar": {
        "time": "HH:mm",
        "date": "EEEE، d MMMM y",
        "day": "EEEE، d MMMM",
        "day_short": "EEE، d MMM",
        "date_short": "d MMM y",
        "datetime": "d MMM y، HH:mm",
        "datetime_long": "EEEE، d MMMM y، HH:mm",
        "day_time": "EEE، d MMM، HH:mm",
        "weekday_time": "EEE HH:mm",
        "day_month": "d MMMM",
        "day_month_year": "d MMMM y",
        "day_month_short": "d MMM",
    },
}
STYLES = frozenset(PATTERNS["en"])
#: between two times or two days of a range
DASH = "–"


class UnknownStyle(ValueError):
    """A style that is not in `PATTERNS` (a CLDR pattern given where a style name belongs)."""


def _pattern(style: str, locale: str) -> str:
    if style not in STYLES:
        raise UnknownStyle(f"unknown date style {style!r}: one of {sorted(STYLES)}")
    return PATTERNS.get(locale, PATTERNS["en"])[style]


def format_moment(value: datetime | date, style: str, *, locale: str, zone: tzinfo | None) -> str:
    """A date, or a moment (an aware datetime) shown in `zone`, in one of the styles."""
    pattern = _pattern(style, locale)
    if isinstance(value, datetime):
        return str(format_datetime(value, pattern, tzinfo=zone, locale=locale))
    return str(format_date(value, pattern, locale=locale))


def time_range(start: datetime, end: datetime, *, locale: str, zone: tzinfo | None) -> str:
    """ "09:00–10:30"."""
    return (
        format_moment(start, "time", locale=locale, zone=zone)
        + DASH
        + format_moment(end, "time", locale=locale, zone=zone)
    )


def session_when(
    start: datetime, end: datetime, *, locale: str, zone: tzinfo | None, year: bool = False
) -> str:
    """A session's day and hours: "Tuesday 1 October, 11:00–12:30" (with `year`: "Tuesday
    1 October 2030, 11:00–12:30")."""
    day = format_moment(start, "date" if year else "day", locale=locale, zone=zone)
    separator = "، " if locale == "ar" else ", "
    return day + separator + time_range(start, end, locale=locale, zone=zone)


def date_range(first: date, last: date, *, locale: str) -> str:
    """A span of days with the month written out: "1–3 October 2030", "30 September – 2 October
    2030" (CLDR's intervals abbreviate the month; these read the same in every language here)."""
    whole = format_moment(last, "day_month_year", locale=locale, zone=None)
    if first == last:
        return whole
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}{DASH}{whole}"
    piece = "day_month" if first.year == last.year else "day_month_year"
    start = format_moment(first, piece, locale=locale, zone=None)
    return f"{start} {DASH} {whole}"
