"""Badge layouts: the paper, where each badge sits on it, and the boxes inside a badge.

The numbers live here only: the templates place every box from them, and the name's font size is
chosen from the same boxes (WeasyPrint does not shrink text to fit). Sizes are in millimetres,
font sizes in points.

The QR box holds the code and its quiet zone (four modules of white, inside the image). It is as
large as the badge allows: a 116-character token makes a code of 37 modules, 45 with the quiet
zone. The 0.76 mm modules of the old 34 mm box did not read from a simulated phone photo at 100 dpi
(`tests/badges/test_qr_reading.py`); 1 mm modules read there but not at 85 dpi; the portrait
badges' 50 mm box (1.1 mm modules) reads at 85 dpi too. The card has 45 mm (1 mm modules).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace


def N_(message: str) -> str:
    """Mark a label for translation (Babel extracts `N_`); pages translate it when they show it."""
    return message


#: the white margin of an A4 sheet of four badges: office printers cannot print to the paper's edge
#: (`MARUF_BADGE_SHEET_MARGIN_MM`); the crop marks sit in it
SHEET_MARGIN_MM = 8.0
#: the margin is kept between these (a margin of 0 prints to the edge, as borderless printers can)
SHEET_MARGIN_RANGE = (0.0, 20.0)
#: the QR box of the portrait badges, quiet zone included: 1.1 mm modules for a version 5 code
PORTRAIT_QR_MM = 50.0


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    width: float
    height: float

    @property
    def bottom(self) -> float:
        return self.top + self.height


@dataclass(frozen=True)
class TextBox(Box):
    #: the largest and the smallest font size tried, in points
    max_pt: float = 10
    min_pt: float = 6


@dataclass(frozen=True)
class Layout:
    #: ``a6``, ``a4-4up``, ``cr80``, ``4x6``: the name in the CLI and the template's file name
    key: str
    #: what organisers see in lists (an English msgid: translate it to show it)
    label: str
    page_width: float
    page_height: float
    #: where each badge's top left corner sits on a page; one badge a page for most papers
    cells: tuple[tuple[float, float], ...]
    badge_width: float
    badge_height: float
    #: the forum colour strip at the top, with the logo, the forum's name and dates
    header: Box
    logo: Box
    #: forum name and dates, beside the logo when there is one
    title: TextBox
    title_beside_logo: TextBox
    name: TextBox
    organisation: TextBox
    country: TextBox
    role: TextBox
    qr: Box
    band: TextBox
    crop_marks: bool = False
    #: the white margin around the badges of a sheet (crop marks are drawn in it)
    sheet_margin: float = 0.0

    @property
    def per_page(self) -> int:
        return len(self.cells)


def _portrait(key: str, label: str, width: float, height: float) -> Layout:
    """A portrait badge (A6, 4 × 6 inch): header, big name, organisation, QR, category band."""
    margin = 7.0
    inner = width - 2 * margin
    band_height = 16.0
    band_top = height - band_height
    qr_size = PORTRAIT_QR_MM
    qr_top = band_top - 0.5 - qr_size
    # The QR image's own white quiet zone (4 mm) keeps the code clear of the lines above it.
    role = TextBox(margin, qr_top - 7.5, inner, 7.0, max_pt=8.5, min_pt=6.5)
    country = TextBox(margin, role.top - 5.0, inner, 4.5, max_pt=9, min_pt=7)
    organisation = TextBox(margin, country.top - 9.5, inner, 9.0, max_pt=11, min_pt=6)
    name_top = 26.0
    return Layout(
        key=key,
        label=label,
        page_width=width,
        page_height=height,
        cells=((0.0, 0.0),),
        badge_width=width,
        badge_height=height,
        header=Box(0, 0, width, 22),
        logo=Box(6, 4, 22, 14),
        title=TextBox(margin - 1, 4.5, inner + 2, 14, max_pt=12, min_pt=7),
        title_beside_logo=TextBox(31, 4.5, width - 31 - margin + 1, 14, max_pt=12, min_pt=7),
        # 2.5 mm between the name's lowest ink and the organisation's line
        name=TextBox(
            margin, name_top, inner, organisation.top - 2.5 - name_top, max_pt=30, min_pt=8
        ),
        organisation=organisation,
        country=country,
        role=role,
        qr=Box((width - qr_size) / 2, qr_top, qr_size, qr_size),
        band=TextBox(0, band_top, width, band_height, max_pt=17, min_pt=8),
    )


def four_up(sheet_margin: float = SHEET_MARGIN_MM) -> Layout:
    """Four badges on an A4 sheet inside a white margin, cut apart along the crop marks."""
    low, high = SHEET_MARGIN_RANGE
    margin = float(sheet_margin) if math.isfinite(sheet_margin) else SHEET_MARGIN_MM
    margin = min(max(margin, low), high)
    width, height = (210.0 - 2 * margin) / 2, (297.0 - 2 * margin) / 2
    cell = _portrait("a4-4up", N_("A4, four A6 badges a sheet"), round(width, 2), round(height, 2))
    columns, rows = (margin, margin + width), (margin, margin + height)
    return replace(
        cell,
        page_width=210.0,
        page_height=297.0,
        cells=tuple((round(left, 2), round(top, 2)) for top in rows for left in columns),
        crop_marks=True,
        sheet_margin=margin,
    )


def _card() -> Layout:
    """A CR80 card (85.6 × 54 mm), landscape: text on the left, the QR on the right.

    The QR box takes the card's height below the header (45 mm, 1 mm modules); the category
    band runs under the text only.
    """
    width, height = 85.6, 54.0
    qr_size = 45.0
    text_left = 3.5
    text_width = width - qr_size - text_left - 0.5
    return Layout(
        key="cr80",
        label=N_("CR80 card (85.6 × 54 mm)"),
        page_width=width,
        page_height=height,
        cells=((0.0, 0.0),),
        badge_width=width,
        badge_height=height,
        header=Box(0, 0, width, 8.5),
        logo=Box(2.5, 1, 14, 6.5),
        title=TextBox(3, 0.8, width - 6, 7, max_pt=7, min_pt=4.5),
        title_beside_logo=TextBox(18, 0.8, width - 21, 7, max_pt=7, min_pt=4.5),
        name=TextBox(text_left, 10.5, text_width, 16, max_pt=15, min_pt=4.5),
        organisation=TextBox(text_left, 28.5, text_width, 6, max_pt=7.5, min_pt=4.5),
        country=TextBox(text_left, 35, text_width, 3, max_pt=6.5, min_pt=4.5),
        role=TextBox(text_left, 38.5, text_width, 6, max_pt=6, min_pt=4.5),
        qr=Box(width - qr_size, height - qr_size, qr_size, qr_size),
        band=TextBox(0, 45.5, width - qr_size, 8.5, max_pt=9, min_pt=5),
    )


LAYOUTS: dict[str, Layout] = {
    layout.key: layout
    for layout in (
        _portrait("a6", N_("A6 (105 × 148 mm)"), 105, 148),
        four_up(),
        _card(),
        _portrait("4x6", N_("4 × 6 inch label"), 101.6, 152.4),
    )
}
DEFAULT_LAYOUT = "a6"


@functools.cache
def layout_for(key: str, sheet_margin: float | None = None) -> Layout:
    """The layout `key`; for the A4 sheet, with this white margin (default `SHEET_MARGIN_MM`)."""
    if key == "a4-4up" and sheet_margin is not None:
        return four_up(sheet_margin)
    return LAYOUTS[key]
