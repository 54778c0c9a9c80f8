"""Figures turned into charts for the pages and the PDFs, in the page's language."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import url_for
from flask_babel import gettext as _

from maruf_reg.countries import country_name
from maruf_reg.i18n import locale_code
from maruf_reg.models import Category
from maruf_reg.reports.attendance import Breakdown, SessionReport
from maruf_reg.reports.by_theme import ThemeFigures
from maruf_reg.reports.charts import BarRow, Chart, Series, bars, columns
from maruf_reg.reports.labels import CATEGORIES, CATEGORY_COLOURS
from maruf_reg.reports.services import Dashboard
from maruf_reg.web import local_time

BOOKED_COLOUR = "#9db7d5"
ATTENDED_COLOUR = "#0b5394"
#: How many countries a chart lists.
TOP_COUNTRIES = 25
#: Steps the occupancy chart may use, in minutes; the smallest that gives at most MAX_SLOTS columns.
OCCUPANCY_STEPS = (5, 10, 15, 30, 60, 120)
MAX_SLOTS = 60
#: how far before and after a session its occupancy chart may reach
OCCUPANCY_MARGIN = timedelta(hours=2)


def _empty_text() -> str:
    return str(_("No data yet"))


def signups_chart(figures: Dashboard) -> Chart:
    present = [c for c in Category if any(day.counts.get(c) for day in figures.signups)]
    return columns(
        [local_time(day.day, "day_month_short") for day in figures.signups],
        [
            Series(
                str(CATEGORIES[c]),
                [day.counts.get(c, 0) for day in figures.signups],
                CATEGORY_COLOURS[c],
            )
            for c in present
        ],
        title=_("Sign-ups per day, by category"),
        empty_text=_empty_text(),
    )


def countries_chart(figures: Dashboard) -> Chart:
    locale = locale_code()
    return bars(
        [
            BarRow(country_name(code, locale), [count])
            for code, count in figures.top_countries(TOP_COUNTRIES)
        ],
        [Series(_("Registrations"), colour=ATTENDED_COLOUR)],
        title=_("Registrations by country"),
        empty_text=_empty_text(),
    )


def themes_seats_chart(figures: Dashboard) -> Chart:
    locale = locale_code()
    return bars(
        [BarRow(theme.name(locale), [theme.booked, theme.waitlisted]) for theme in figures.themes],
        [
            Series(_("Seats booked"), colour=ATTENDED_COLOUR),
            Series(_("Waitlisted"), colour="#d4a017"),
        ],
        title=_("Themes by seats booked"),
        empty_text=_empty_text(),
    )


def hourly_chart(figures: Dashboard) -> Chart:
    hours = figures.entrances.hourly
    return columns(
        [local_time(hour, "time") for hour, _count in hours],
        [Series(_("Admissions"), [count for _hour, count in hours], ATTENDED_COLOUR)],
        title=_("Admissions at the entrances per hour"),
        empty_text=_("No admissions on this day"),
        max_labels=7,
    )


def category_chart(breakdown: Breakdown) -> Chart:
    return bars(
        [
            BarRow(str(CATEGORIES[category]), [tally.booked, tally.attended])
            for category, tally in breakdown.by_category
        ],
        [
            Series(_("Seats booked"), colour=BOOKED_COLOUR),
            Series(_("Scanned in"), colour=ATTENDED_COLOUR),
        ],
        title=_("By category"),
        empty_text=_empty_text(),
    )


def country_chart(breakdown: Breakdown, limit: int = 15) -> Chart:
    locale = locale_code()
    return bars(
        [
            BarRow(country_name(code, locale) or _("Not given"), [tally.booked, tally.attended])
            for code, tally in breakdown.by_country[:limit]
        ],
        [
            Series(_("Seats booked"), colour=BOOKED_COLOUR),
            Series(_("Scanned in"), colour=ATTENDED_COLOUR),
        ],
        title=_("By country"),
        empty_text=_empty_text(),
    )


def themes_chart(themes: list[ThemeFigures]) -> Chart:
    locale = locale_code()
    return bars(
        [
            BarRow(
                theme.name(locale),
                [theme.booked, theme.attended],
                url_for("reports.theme", theme_id=theme.id),
            )
            for theme in themes
        ],
        [
            Series(_("Seats booked"), colour=BOOKED_COLOUR),
            Series(_("Scanned in"), colour=ATTENDED_COLOUR),
        ],
        title=_("Seats booked and people scanned in, by theme"),
        empty_text=_empty_text(),
    )


def occupancy_slots(
    report: SessionReport,
) -> tuple[list[datetime], list[int]]:
    """The session's occupancy sampled in even steps: the most people inside during each step.

    The chart covers the session, half an hour before it and the scans around it, but never more
    than OCCUPANCY_MARGIN before or after: a device with a wrong clock must not squeeze the
    session into one column.
    """
    figures = report.figures
    start = figures.starts_at - timedelta(minutes=30)
    end = figures.ends_at
    if report.occupancy:
        start = max(figures.starts_at - OCCUPANCY_MARGIN, min(start, report.occupancy[0][0]))
        end = min(figures.ends_at + OCCUPANCY_MARGIN, max(end, report.occupancy[-1][0]))
    minutes = (end - start).total_seconds() / 60
    step = next((s for s in OCCUPANCY_STEPS if minutes / s <= MAX_SLOTS), OCCUPANCY_STEPS[-1])
    # Slots start on whole steps of the hour (10:45, 10:50 …), so that labels read well.
    start = start.replace(second=0, microsecond=0) - timedelta(minutes=start.minute % step)
    slots: list[datetime] = []
    peaks: list[int] = []
    level, index = 0, 0
    while index < len(report.occupancy) and report.occupancy[index][0] < start:
        level = report.occupancy[index][1]  # who came in before the chart begins
        index += 1
    moment = start
    while moment <= end:
        upper = moment + timedelta(minutes=step)
        most = level
        while index < len(report.occupancy) and report.occupancy[index][0] < upper:
            level = report.occupancy[index][1]
            most = max(most, level)
            index += 1
        slots.append(moment)
        peaks.append(most)
        moment = upper
    return slots, peaks


def occupancy_chart(report: SessionReport) -> Chart:
    slots, peaks = occupancy_slots(report)
    figures = report.figures
    limit = (figures.peak_capacity, _("Room capacity %(n)s", n=figures.peak_capacity))
    return columns(
        [local_time(slot, "time") for slot in slots],
        [Series(_("People inside"), peaks, ATTENDED_COLOUR)],
        title=_("People inside over time"),
        empty_text=_("Nobody scanned in yet"),
        limit=limit if figures.peak_capacity else None,
        max_labels=7,
        height=200,
    )
