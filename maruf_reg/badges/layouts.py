"""Badge layouts: the paper, where each badge sits on it, and the boxes inside a badge.

The numbers live here only: the templates place every box from them, and the name's font size is
chosen from the same boxes (WeasyPrint does not shrink text to fit). Sizes are in millimetres,
font sizes in points.
"""

from __future__ import annotations

from dataclasses import dataclass


def N_(message: str) -> str:
    """Mark a label for translation (Babel extracts `N_`); pages translate it when they show it."""
    return message


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    width: float
    height: float


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

    @property
    def per_page(self) -> int:
        return len(self.cells)


def _portrait(
    key: str, label: str, width: float, height: float, *, page: tuple[float, float] | None = None
) -> Layout:
    """A portrait badge (A6, 4 × 6 inch): header, big name, organisation, QR, category band."""
    margin = 7.0
    inner = width - 2 * margin
    band_height = 18.0
    band_top = height - band_height
    qr_size = 34.0
    qr_top = band_top - 2 - qr_size
    role = TextBox(margin, qr_top - 8.5, inner, 7.0, max_pt=8.5, min_pt=6.5)
    country = TextBox(margin, role.top - 5.0, inner, 4.5, max_pt=9, min_pt=7)
    organisation = TextBox(margin, country.top - 9.5, inner, 9.0, max_pt=11, min_pt=6)
    name_top = 26.0
    return Layout(
        key=key,
        label=label,
        page_width=page[0] if page else width,
        page_height=page[1] if page else height,
        cells=((0.0, 0.0),),
        badge_width=width,
        badge_height=height,
        header=Box(0, 0, width, 22),
        logo=Box(6, 4, 22, 14),
        title=TextBox(margin - 1, 4.5, inner + 2, 14, max_pt=12, min_pt=7),
        title_beside_logo=TextBox(31, 4.5, width - 31 - margin + 1, 14, max_pt=12, min_pt=7),
        name=TextBox(margin, name_top, inner, organisation.top - 2 - name_top, max_pt=30, min_pt=8),
        organisation=organisation,
        country=country,
        role=role,
        qr=Box((width - qr_size) / 2, qr_top, qr_size, qr_size),
        band=TextBox(0, band_top, width, band_height, max_pt=17, min_pt=8),
    )


def _four_up() -> Layout:
    """Four A6 badges on an A4 sheet, cut apart along the crop marks."""
    cell = _portrait("a4-4up", N_("A4, four A6 badges a sheet"), 105, 148.5)
    return Layout(
        **{
            **cell.__dict__,
            "page_width": 210.0,
            "page_height": 297.0,
            "cells": ((0.0, 0.0), (105.0, 0.0), (0.0, 148.5), (105.0, 148.5)),
            "crop_marks": True,
        }
    )


def _card() -> Layout:
    """A CR80 card (85.6 × 54 mm), landscape: text on the left, the QR on the right."""
    width, height = 85.6, 54.0
    band = TextBox(0, 45.5, width, 8.5, max_pt=10, min_pt=5.5)
    qr_size = 27.0
    text_width = width - qr_size - 3.5 - 2.5 - 3.5
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
        name=TextBox(3.5, 10.5, text_width, 17, max_pt=16, min_pt=4.5),
        organisation=TextBox(3.5, 28, text_width, 6, max_pt=7.5, min_pt=4.5),
        country=TextBox(3.5, 34.5, text_width, 3, max_pt=6.5, min_pt=4.5),
        role=TextBox(3.5, 38, text_width, 6, max_pt=6, min_pt=4.5),
        qr=Box(width - qr_size - 2.5, 10.5, qr_size, qr_size),
        band=band,
    )


LAYOUTS: dict[str, Layout] = {
    layout.key: layout
    for layout in (
        _portrait("a6", N_("A6 (105 × 148 mm)"), 105, 148),
        _four_up(),
        _card(),
        _portrait("4x6", N_("4 × 6 inch label"), 101.6, 152.4),
    )
}
DEFAULT_LAYOUT = "a6"
