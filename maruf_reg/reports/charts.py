"""Charts drawn on the server as inline SVG: no JavaScript, no library, and the same markup prints
in WeasyPrint PDFs. This module lays a chart out (positions, sizes, colours, tooltips);
`templates/reports/_charts.html` writes the SVG with Jinja's escaping.

Widths are percentages and text sizes pixels, so a chart fills a phone or a desktop column and its
labels stay readable on both (a viewBox would shrink the text with the chart).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flask_babel import format_number

#: A colour for each series when the caller gives none.
PALETTE = ("#0b5394", "#c0392b", "#16a085", "#d4a017", "#8e44ad", "#7f8c8d", "#d35400", "#2c3e50")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int] = ()
    colour: str = ""


@dataclass(frozen=True)
class BarRow:
    label: str
    values: Sequence[int]
    #: what the label links to (a session's report); empty for none
    href: str = ""


@dataclass(frozen=True)
class Rect:
    x: str
    y: float
    width: str
    height: float
    colour: str
    tip: str


@dataclass(frozen=True)
class Text:
    x: str
    y: float
    text: str
    anchor: str = "start"
    #: a label a narrow screen may leave out (every other one)
    minor: bool = False


@dataclass(frozen=True)
class BarLine:
    """One row of a bar chart: its label and values (HTML, so that long names wrap), then a thin
    bar per series (SVG)."""

    label: str
    href: str
    values: str
    height: int
    rects: list[Rect]


@dataclass(frozen=True)
class Chart:
    kind: str
    title: str
    empty_text: str
    height: int
    legend: list[Series] = field(default_factory=list)
    empty: bool = False
    grid: list[Text] = field(default_factory=list)
    rects: list[Rect] = field(default_factory=list)
    labels: list[Text] = field(default_factory=list)
    limit: Text | None = None
    rows: list[BarLine] = field(default_factory=list)
    bar_height: int = 9


def nice_max(value: int) -> int:
    """A round, even number at least `value` (so the half-way grid line is a whole number too)."""
    if value <= 0:
        return 2
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 4, 6, 8, 10):
        if step * power >= value and (step * power) % 2 == 0:
            return int(step * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


def _pct(value: float) -> str:
    return f"{value:.3f}%"


def _number(value: int) -> str:
    """In the page's language: 29.423 in Turkish, 29,423 in English."""
    return str(format_number(value))


def _coloured(series: Sequence[Series]) -> list[Series]:
    return [
        Series(s.name, s.values, s.colour or PALETTE[n % len(PALETTE)])
        for n, s in enumerate(series)
    ]


def columns(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    empty_text: str,
    height: int = 180,
    limit: tuple[int, str] | None = None,
    max_labels: int = 8,
    number: Callable[[int], str] = _number,
) -> Chart:
    """Stacked columns, one per label (days, hours, minutes); `limit` draws a dashed line (capacity)."""
    series = _coloured(series)
    count = len(labels)
    totals = [sum(s.values[i] for s in series) for i in range(count)]
    if not count or not any(totals):
        return Chart("columns", title, empty_text, height, series, empty=True)
    top, axis = 18, 22
    plot = height - top - axis
    ceiling = nice_max(max([*totals, limit[0] if limit else 0]))
    grid = [
        Text("2", top + plot * (1 - fraction), number(int(ceiling * fraction)) if fraction else "")
        for fraction in (0.0, 0.5, 1.0)
    ]
    slot = 100 / count
    gap = slot * (0.15 if count > 1 else 0.3)
    rects: list[Rect] = []
    for i, label in enumerate(labels):
        base = float(top + plot)
        for s in series:
            value = s.values[i]
            if value:
                size = plot * value / ceiling
                base -= size
                rects.append(
                    Rect(
                        _pct(i * slot + gap / 2),
                        base,
                        _pct(slot - gap),
                        size,
                        s.colour,
                        f"{label} · {s.name}: {number(value)}",
                    )
                )
    texts: list[Text] = []
    every = max(1, math.ceil(count / max_labels))
    for i, label in enumerate(labels):
        last = i == count - 1
        if not last and (i % every or count - 1 - i < every):
            continue  # every n-th label, and room left for the last one
        if count == 1:
            texts.append(Text("50%", height - 6, label, "middle"))
        elif i == 0:
            texts.append(Text("0%", height - 6, label, "start"))
        elif last:
            texts.append(Text("100%", height - 6, label, "end"))
        else:
            minor = len(texts) % 2 == 1
            texts.append(Text(_pct((i + 0.5) * slot), height - 6, label, "middle", minor))
    line = None
    if limit:
        line = Text("100%", top + plot * (1 - limit[0] / ceiling), limit[1], "end")
    return Chart(
        "columns",
        title,
        empty_text,
        height,
        series if len(series) > 1 else [],
        grid=grid,
        rects=rects,
        labels=texts,
        limit=line,
    )


def bars(
    rows: Sequence[BarRow],
    series: Sequence[Series],
    *,
    title: str,
    empty_text: str,
    number: Callable[[int], str] = _number,
) -> Chart:
    """Horizontal bars, a label line over one thin bar per series: long names fit on a phone.

    `series` gives the names and colours; each row's `values` follow the same order.
    """
    series = _coloured(series)
    if not rows or not any(any(row.values) for row in rows):
        return Chart("bars", title, empty_text, 80, series, empty=True)
    ceiling = max(max(row.values) for row in rows) or 1
    bar_height, gap = 9, 3
    lines = [
        BarLine(
            label=row.label,
            href=row.href,
            values=" / ".join(number(v) for v in row.values),
            height=len(series) * (bar_height + gap) - gap,
            rects=[
                Rect(
                    "0",
                    n * (bar_height + gap),
                    _pct(100 * value / ceiling),
                    bar_height,
                    s.colour,
                    f"{row.label} · {s.name}: {number(value)}",
                )
                for n, (s, value) in enumerate(zip(series, row.values, strict=True))
            ],
        )
        for row in rows
    ]
    return Chart(
        "bars",
        title,
        empty_text,
        0,
        series if len(series) > 1 else [],
        rows=lines,
        bar_height=bar_height,
    )
