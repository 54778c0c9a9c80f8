"""What many badges share — the forum's header (colour, logo, name and dates in the badge's
language) and the category band — drawn once and laid under every badge's page.

WeasyPrint lays out and draws every box of every page, and a third of a badge's time went to these
parts, the same on every badge of a language and category. So they are drawn once per process (one
WeasyPrint document: a badge-sized page for each language and category, sharing its font subsets)
and placed under the pages of each document as PDF form XObjects with pikepdf: each document holds
each one once. The result looks the same (tests/badges/test_backdrop.py compares the pixels with
the same badges drawn whole).
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from maruf_reg.badges.fit import LINE_HEIGHT, MM, fit_lines
from maruf_reg.badges.layouts import Layout, TextBox
from maruf_reg.badges.typeset import direction, hyphenate

if TYPE_CHECKING:
    from maruf_reg.badges.texts import ForumFace

#: backdrops kept per process (a forum's layouts; bounded whatever the number of people)
KEPT = 8


def ink_on(colour: str) -> str:
    """Black or white text, whichever reads better on `colour` (``#rrggbb``)."""
    try:
        red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    except (ValueError, IndexError):
        return "#ffffff"

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    # WCAG contrast against white (1.05 / (L + .05)) and black ((L + .05) / .05): take the larger.
    return "#ffffff" if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 else "#000000"


def _clean(text: str) -> str:
    return " ".join(text.split())


def _header(layout: Layout, face: ForumFace, language: str) -> dict[str, Any]:
    box = layout.title_beside_logo if face.logo else layout.title
    title = _clean(face.titles.get(language) or next(iter(face.titles.values()), ""))
    title = hyphenate(title, language)
    # The dates line is three quarters of the title's size.
    fit = fit_lines(
        [title],
        width_mm=box.width,
        height_mm=box.height - 0.75 * box.max_pt * LINE_HEIGHT / MM,
        max_pt=box.max_pt,
        min_pt=box.min_pt,
        bold=True,
    )
    return {
        "language": language,
        "title": title,
        "title_rtl": direction(title) == "rtl",
        "title_pt": fit.size_pt,
        "dates": _clean(face.dates.get(language, "")),
        "dates_pt": round(fit.size_pt * 0.75 * 2) / 2,
    }


def _band(layout: Layout, label: str, colour: str) -> dict[str, Any]:
    band = layout.band
    room = TextBox(0, 0, band.width - 6, band.height * 0.8, band.max_pt, band.min_pt)
    fit = fit_lines(
        [label],
        width_mm=room.width,
        height_mm=room.height,
        max_pt=room.max_pt,
        min_pt=room.min_pt,
        bold=True,
        max_lines=1,
    )
    return {"band": label, "band_pt": fit.size_pt, "colour": colour, "band_ink": ink_on(colour)}


def pages(layout: Layout, face: ForumFace) -> list[tuple[str, str]]:
    """The (language, category) of each page of the backdrop document, in order."""
    return [(language, category) for language in sorted(face.titles) for category in face.bands]


def backdrop_html(layout: Layout, face: ForumFace) -> tuple[str, dict[str, tuple[bytes, str]]]:
    """The HTML of the backdrop document (its stylesheet inline) and its images."""
    from maruf_reg.badges.document import environment

    headers = {language: _header(layout, face, language) for language in face.titles}
    bands = {c: _band(layout, label, colour) for c, (label, colour) in face.bands.items()}
    html = (
        environment()
        .get_template("backdrop.html")
        .render(
            L=layout,
            t=layout.title_beside_logo if face.logo else layout.title,
            face=face,
            ink=ink_on(face.colour),
            pages=[{**headers[lang], **bands[cat]} for lang, cat in pages(layout, face)],
        )
    )
    images = {"logo:": (face.logo, face.logo_type or "image/png")} if face.logo else {}
    return html, images


def _draw(layout: Layout, face: ForumFace) -> bytes:
    from maruf_reg.badges import engine

    html, images = backdrop_html(layout, face)
    # Its own stylesheet is inline: this document is made once per process.
    return engine.write_pdf(html, css="", images=images)


_kept: OrderedDict[tuple[Layout, str], bytes] = OrderedDict()
_lock = threading.Lock()


def backdrop_pdf(layout: Layout, face: ForumFace) -> bytes:
    """The backdrop document of a layout and forum (made once per process, then kept)."""
    key = (layout, face.key)
    with _lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
            return found
    pdf = _draw(layout, face)
    with _lock:
        _kept[key] = pdf
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return pdf


def lay_under(pdf: Any, *, layout: Layout, face: ForumFace, kinds: list[tuple[str, str]]) -> None:
    """Put the backdrop of each badge (its (language, category), in the order of the badges) under
    its place on the pages of `pdf` (a pikepdf document of this layout)."""
    import pikepdf

    source = pikepdf.open(io.BytesIO(backdrop_pdf(layout, face)))
    index = {kind: number for number, kind in enumerate(pages(layout, face))}
    forms: dict[tuple[str, str], Any] = {}
    page_height = layout.page_height * MM
    for number, kind in enumerate(kinds):
        form = forms.get(kind)
        if form is None:
            form = forms[kind] = pdf.copy_foreign(source.pages[index[kind]].as_form_xobject())
        left, top = layout.cells[number % layout.per_page]
        rectangle = pikepdf.Rectangle(
            left * MM,
            page_height - (top + layout.badge_height) * MM,
            (left + layout.badge_width) * MM,
            page_height - top * MM,
        )
        pdf.pages[number // layout.per_page].add_underlay(form, rectangle)
