"""The HTML and stylesheet of a document of badges: what changes from badge to badge.

The forum's header, the category band and the logo are the same on many badges: backdrop.py draws
them once and lays them under the pages. What is left here is a handful of absolutely positioned
boxes per badge (name, organisation, country, role, QR code). Font sizes and the name's position are
classes of one stylesheet per layout, parsed once per process (a style attribute costs WeasyPrint
more than a class); line breaks are newlines with `white-space: pre-line`, not `<br>`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from maruf_reg.badges.fit import FLOOR_PT, LINE_HEIGHT, MM, Fit, fit_lines
from maruf_reg.badges.layouts import Layout, TextBox
from maruf_reg.badges.qr import choose_level, qr_png
from maruf_reg.badges.typeset import (
    direction,
    glyph_language,
    hyphenate,
    is_arabic,
    is_cjk,
    script_language,
)
from maruf_reg.names import display_name, family_first, name_parts

if TYPE_CHECKING:
    from maruf_reg.badges.texts import BadgeText

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates" / "badges" / "pdf"
#: QR modules at least this wide read from a blurred phone photo at 100 dpi (tests/badges/test_qr_
#: reading.py); a more redundant level is chosen only when its modules stay this wide
MIN_MODULE_MM = 1.1
#: font sizes come in half-point steps: the stylesheet has a class for each
SIZE_STEP = 0.5
#: the name's largest size on any layout (the stylesheet's largest class)
MAX_PT = 30.0
#: names are set in whole words down to this share of their largest size, then hyphenated (a
#: name reads better whole; a dictionary costs a process up to 30 MB, loaded only when needed)
WHOLE_WORDS_DOWN_TO = 0.6


@dataclass(frozen=True)
class Script:
    """How lines of one script are set: the stylesheet's class (its fonts first) and line height,
    and how far its letters may reach below a line's box, in ems (from the fonts' metrics: Noto
    Sans Arabic's descent is 0.74 em, Noto Sans's 0.29; checked by tests/badges/test_typesetting.py)."""

    css_class: str
    line_height: float
    ink_below: float


LATIN = Script("", LINE_HEIGHT, 0.25)
ARABIC = Script("ar", 1.6, 0.2)
CJK = Script("cjk", 1.25, 0.25)


def script_of(text: str) -> Script:
    if is_cjk(text):
        return CJK
    if is_arabic(text):
        return ARABIC
    return LATIN


def _clean(text: str) -> str:
    """One line of text: every run of white space (line ends too) becomes one space."""
    return " ".join(text.split())


def size_class(points: float) -> str:
    return f"f{round(points * 10)}"


def top_class(millimetres: float) -> str:
    return f"y{round(millimetres * 10)}"


def _classes(*names: str) -> str:
    return " ".join(name for name in names if name)


def set_text(
    paragraphs: list[str], box: TextBox, language: str, script: Script, **options: Any
) -> tuple[list[str], Fit]:
    """The paragraphs as they are set in `box`, and their size.

    Whole words while they fit at `WHOLE_WORDS_DOWN_TO` of the box's largest size; else hyphenated
    by `language` when that sets them larger than whole words would be, and as small as they must
    be (a word with no break point shrinks the text).
    """

    def fit(texts: list[str], floor: float) -> Fit:
        return fit_lines(
            texts,
            width_mm=box.width,
            height_mm=box.height,
            max_pt=box.max_pt,
            min_pt=box.min_pt,
            line_height=script.line_height,
            floor_pt=floor,
            **options,
        )

    whole = fit(paragraphs, max(box.min_pt, box.max_pt * WHOLE_WORDS_DOWN_TO))
    if whole.fits:
        return paragraphs, whole
    hyphenated = [hyphenate(paragraph, language) for paragraph in paragraphs]
    broken, whole = fit(hyphenated, FLOOR_PT), fit(paragraphs, FLOOR_PT)
    if whole.fits and whole.size_pt >= broken.size_pt:
        return paragraphs, whole
    return hyphenated, broken


def _text_view(
    text: str, box: TextBox, language: str, *, max_lines: int | None = None
) -> dict[str, Any]:
    """A line (organisation, country, role) sized to its box, broken only where its language may."""
    script = script_of(text)
    [set_as], fit = set_text([text], box, language, script, max_lines=max_lines)
    return {
        "text": set_as,
        "cls": _classes(
            size_class(fit.size_pt),
            script.css_class,
            "rtl" if direction(text) == "rtl" else "",
        ),
        "lang": glyph_language(language),
    }


def name_lines(badge: BadgeText) -> list[str]:
    """The name as it is set: a line for each part in reading order; an East Asian name on one
    line, family name first, as it is written everywhere (`maruf_reg.names`)."""
    given, family = _clean(badge.given_name), _clean(badge.family_name)
    if family_first(given, family):
        return [display_name(given, family)]
    return name_parts(given, family)


def name_language(badge: BadgeText) -> str:
    """The language the name is hyphenated and shaped in."""
    text = badge.given_name + badge.family_name
    return badge.name_language or script_language(text, badge.country_code) or badge.language


def badge_view(layout: Layout, badge: BadgeText, images: dict[str, tuple[bytes, str]]) -> Any:
    """What the template needs of one badge; its QR image goes into `images`."""
    lines = name_lines(badge)
    text = " ".join(lines)
    script, language = script_of(text), name_language(badge)
    lines, fit = set_text(
        lines,
        layout.name,
        language,
        script,
        bold=True,
        prefer_lines=len(lines) + 1,
        ink_below=script.ink_below,
    )
    box = layout.name
    # Centred in its box (ink included); never taller than the box: the name shrinks instead.
    height = (fit.lines * script.line_height + script.ink_below) * fit.size_pt / MM
    top = box.top + max(0.0, box.height - height) / 2
    # Made now, not when WeasyPrint asks for it: WeasyPrint would draw a badge without its QR
    # after a failed image; here the failure stops the document.
    level = choose_level(len(badge.token), layout.qr.width, MIN_MODULE_MM)
    images[f"qr:{badge.token}"] = (qr_png(badge.token, level), "image/png")
    organisation, role_line = _clean(badge.organisation), _clean(badge.role_line)
    org_language = script_language(organisation, badge.country_code) or badge.language
    return {
        "b": badge,
        "name": "\n".join(lines),
        "name_cls": _classes(
            size_class(fit.size_pt),
            top_class(top),
            script.css_class,
            "rtl" if direction(text) == "rtl" else "",
        ),
        "name_lang": glyph_language(language),
        "org": _text_view(organisation, layout.organisation, org_language)
        if organisation
        else None,
        "country": _text_view(badge.country, layout.country, badge.language, max_lines=1)
        if badge.country
        else None,
        "role": _text_view(role_line, layout.role, badge.language) if role_line else None,
    }


@functools.cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _sizes() -> list[int]:
    """Every font size a badge may use, in tenths of a point."""
    tenths = round(SIZE_STEP * 10)
    return list(range(round(FLOOR_PT * 10), round(MAX_PT * 10) + 1, tenths))


@functools.cache
def stylesheet(layout: Layout) -> str:
    """The stylesheet of every document of this layout (one string, parsed once per process)."""
    name = layout.name
    return (
        environment()
        .get_template("badge.css")
        .render(
            L=layout,
            sizes=_sizes(),
            tops=range(round(name.top * 10), round(name.bottom * 10) + 1),
            scripts=(ARABIC, CJK),
            crop_marks=crop_marks(layout),
        )
    )


def crop_marks(layout: Layout) -> list[tuple[float, float, float, float]]:
    """The crop marks of a sheet as (left, top, width, height) in mm: short lines in the sheet's
    white margin along every cut; without a margin, on the centre lines at the paper's edge."""
    if not layout.crop_marks:
        return []
    margin = layout.sheet_margin
    lefts = sorted({left for left, _ in layout.cells} | {layout.cells[-1][0] + layout.badge_width})
    tops = sorted({top for _, top in layout.cells} | {layout.cells[-1][1] + layout.badge_height})
    if margin < 3:
        lefts, tops = lefts[1:-1], tops[1:-1]
        start, length = 2.0, 6.0
    else:
        length = min(6.0, margin - 2.0)
        start = margin - 1.0 - length
    marks: list[tuple[float, float, float, float]] = []
    for x in lefts:
        marks += [(x, start, 0.0, length), (x, layout.page_height - start - length, 0.0, length)]
    for y in tops:
        marks += [(start, y, length, 0.0), (layout.page_width - start - length, y, length, 0.0)]
    return marks


def render_html(
    badges: Sequence[BadgeText], *, layout: Layout
) -> tuple[str, dict[str, tuple[bytes, str]]]:
    """The HTML of a document of badges and the images it shows (by URL)."""
    images: dict[str, tuple[bytes, str]] = {}
    views = [badge_view(layout, badge, images) for badge in badges]
    per_page = layout.per_page
    html = (
        environment()
        .get_template("sheet.html" if per_page > 1 else "badges.html")
        .render(
            L=layout,
            badges=views,
            pages=[views[i : i + per_page] for i in range(0, len(views), per_page)],
            marks=crop_marks(layout),
        )
    )
    return html, images
