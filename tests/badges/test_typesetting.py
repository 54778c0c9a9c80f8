"""Names typeset for print: hyphenated by their language, never cut inside a word without a hyphen,
never touching the lines under them — measured on WeasyPrint's own layout boxes, on every layout."""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from maruf_reg.badges import document, engine
from maruf_reg.badges.content import name_language
from maruf_reg.badges.fit import MM, font_file
from maruf_reg.badges.layouts import LAYOUTS, Layout
from maruf_reg.badges.texts import BadgeText
from maruf_reg.badges.typeset import SOFT_HYPHEN, hyphenate, is_arabic, is_cjk

PX = 96 / 25.4  # CSS pixels (WeasyPrint's unit) in a millimetre
TOKEN = "A" * 116

#: (given name, family name, country, badge language): 60 letters in Turkish, German and Arabic,
#: names in Chinese, Japanese and Korean, and a 100-letter word that no language can break
NAMES = [
    ("İsmail Hakkı Ali", "Büyükkarıştıranlıoğullarıgillerden Çekmeceköylü", "TR", "tr"),
    ("Frieda Annika", "Donaudampfschifffahrtsgesellschaftskapitänswitwe", "DE", "en"),
    ("عبد الرحمن محمد عبد الله", "بن عبد العزيز الحسيني القحطاني الهاشمي الشريفي", "SA", "en"),
    ("娜娜", "欧阳", "CN", "en"),
    ("美智子", "長谷川", "JP", "en"),
    ("민수", "남궁", "KR", "tr"),
    ("寿限無寿限無五劫の擦り切れ", "海砂利水魚の水行末雲来末風来末", "JP", "en"),
    ("Wolfeschlegelsteinhausenbergerdorff", "X" * 100, "US", "en"),
    # The longest Arabic name a form takes (100 characters a part): it fills its box to the bottom.
    (("عبد الرحمن محمد " * 7)[:100], ("بن عبد العزيز الحسيني " * 5)[:100], "EG", "en"),
]


def test_the_sixty_letter_names_have_sixty_letters():
    for given, family, _country, _language in NAMES[:3]:
        assert len((given + family).replace(" ", "")) == 60


def _badge(number: int, given: str, family: str, country: str, language: str) -> BadgeText:
    return BadgeText(
        registration_id=number,
        token=TOKEN,
        given_name=given,
        family_name=family,
        organisation="Marmara Belediyeler Birliği",
        country="Country",
        language=language,
        category="participant",
        country_code=country,
        name_language=name_language(given + family, country, language),
    )


def test_the_turkish_dictionary_is_the_rule():
    vowels, consonants = "aâeıiîoöuüû", "bcçdfgğhjklmnprsştvyzqwx"
    path = Path(document.__file__).with_name("hyphenation") / "hyph_tr_TR.dic"
    lines = path.read_text(encoding="utf-8").splitlines()
    patterns = {line for line in lines[1:] if line and not line.startswith("%")}
    assert lines[0] == "UTF-8"
    assert patterns == {f"1{c}{v}" for c in consonants for v in vowels} | {
        f"{a}1{b}" for a in vowels for b in vowels
    }


@pytest.mark.parametrize(
    ("text", "language", "hyphenated"),
    [
        ("Büyükkarıştıranlıoğulları", "tr", "Bü-yük-ka-rış-tı-ran-lı-o-ğul-la-rı"),
        # İ is one letter for the rules (Python's lower() makes it two, and shifted every break)
        ("İzzettinoğulları", "tr", "İz-zet-ti-no-ğul-la-rı"),
        ("Donaudampfschifffahrt", "de", "Do-nau-dampf-schiff-fahrt"),
        ("Hohenzollern-Sigmaringen", "de", "Ho-hen-zol-lern-Sig-ma-rin-gen"),
        ("Ayşe Kayaoğlu", "tr", "Ayşe Ka-ya-oğ-lu"),  # short words stay whole
        ("محمد الحلبي", "ar", "محمد الحلبي"),
    ],
)
def test_words_break_where_their_language_allows(text, language, hyphenated):
    assert hyphenate(text, language).replace(SOFT_HYPHEN, "-") == hyphenated


def test_a_name_is_hyphenated_in_the_language_of_its_country_or_script():
    assert name_language("Ayşe Büyükkarıştıran", "TR", "en") == "tr"
    assert name_language("Frieda Schifffahrt", "DE", "en") == "de"
    assert name_language("محمد الحلبي", "SY", "en") == "ar"
    assert name_language("王伟", "CN", "en") == "zh-Hans"
    # No dictionary for the country's language: the person's language.
    assert name_language("Mohammed Halabi", "SY", "tr") == "tr"


@functools.cache
def _descents() -> tuple[dict[int, float], float]:
    """How far each Latin letter of Noto Sans Bold reaches below its baseline, in ems, and how far
    any glyph of Noto Sans Arabic Bold does (its shaped forms are not in the character map)."""
    latin = TTFont(str(font_file("NotoSans-Bold.ttf", "Noto Sans:bold")))
    units = latin["head"].unitsPerEm
    glyphs = latin["glyf"]
    below = {}
    for code, name in latin.getBestCmap().items():
        glyph = glyphs[name]
        below[code] = max(0.0, -getattr(glyph, "yMin", 0)) / units
    arabic = TTFont(str(font_file("NotoSansArabic-Bold.ttf", "Noto Sans Arabic:bold")))
    return below, -arabic["head"].yMin / arabic["head"].unitsPerEm


def _ink_below(text: str) -> float:
    """The deepest any letter of `text` reaches below the baseline, in ems."""
    latin, arabic = _descents()
    deepest = 0.0
    for char in text:
        if is_arabic(char):
            deepest = max(deepest, arabic)
        elif is_cjk(char):
            deepest = max(deepest, 0.288)  # Noto Sans CJK's descent: ideographs stay above it
        else:
            deepest = max(deepest, latin.get(ord(char), 0.4))
    return deepest


def _boxes(box, found):
    """The absolutely placed boxes of a page by their first class (name, org …), in order."""
    for child in getattr(box, "children", []):
        inner = getattr(child, "_box", None)
        if inner is not None and inner.element is not None:
            found.setdefault(inner.element.get("class").split()[0], []).append(inner)
        _boxes(child, found)
    return found


def _lines(block):
    return [line for line in block.children if type(line).__name__ == "LineBox"]


def _text(line) -> str:
    return "".join(child.text for child in line.descendants() if type(child).__name__ == "TextBox")


def _cell_of(layout: Layout, block) -> tuple[float, float]:
    """The top left corner (mm) of the badge a box belongs to."""
    x, y = block.position_x / PX, block.position_y / PX
    return next(
        (left, top)
        for left, top in layout.cells
        if left <= x < left + layout.badge_width and top <= y < top + layout.badge_height
    )


def _check_name(layout: Layout, badge: BadgeText, name, org) -> None:
    left, top = _cell_of(layout, name)
    box = layout.name
    lines = _lines(name)
    source = document.name_lines(badge)
    assert lines, badge.family_name
    # Across the box: every line inside it (the estimate of widths errs on the safe side).
    for line in lines:
        assert line.position_x >= (left + box.left) * PX - 0.5, _text(line)
        assert line.position_x + line.width <= (left + box.left + box.width) * PX + 0.5, _text(line)
    # Words break only at spaces, after their own hyphen, or at a soft hyphen with a hyphen drawn;
    # every letter is there, in order.
    flat = "\n".join(source).replace(SOFT_HYPHEN, "")
    at = 0
    for number, line in enumerate(lines):
        drawn = _text(line).replace(SOFT_HYPHEN, "").strip()
        hyphen_drawn = drawn.endswith("‐")
        drawn = drawn.removesuffix("‐")
        while flat[at] in " \n":
            at += 1
        assert flat.startswith(drawn, at), (flat, at, drawn)
        at += len(drawn)
        if number < len(lines) - 1:
            at_space = at == len(flat) or flat[at] in " \n"
            between_ideographs = is_cjk(flat[at - 1]) and is_cjk(flat[at])
            assert hyphen_drawn or drawn.endswith("-") or at_space or between_ideographs, drawn
    assert not flat[at:].strip(), flat[at:]
    if badge.family_name.startswith(("Büyük", "Donau")):
        # Too long to be set whole at a readable size: hyphenated in Turkish, in German.
        assert any(_text(line).rstrip().endswith("‐") for line in lines[:-1]), flat
    # Down the box: the lowest letter of the last line stays above the name box's bottom, which is
    # above the organisation's line; the first line's letters stay below the header.
    size = name.style["font_size"]
    last = lines[-1]
    ink_bottom = (last.position_y + last.baseline + _ink_below(_text(last)) * size) / PX
    assert ink_bottom <= top + box.bottom + 0.05, (badge.family_name, ink_bottom, top + box.bottom)
    assert ink_bottom < org.position_y / PX, badge.family_name
    assert name.position_y / PX >= top + layout.header.bottom
    assert name.position_y / PX + name.height / PX <= top + box.bottom + 0.05


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_long_and_east_asian_names_fit_their_box_and_never_touch_the_lines_below(layout):
    chosen = LAYOUTS[layout]
    badges = [_badge(n, *values) for n, values in enumerate(NAMES)]
    html, images = document.render_html(badges, layout=chosen)
    rendered = engine.render(html, css=document.stylesheet(chosen), images=images)
    names, orgs = [], []
    for page in rendered.pages:
        found = _boxes(page._page_box, {})
        names += found["name"]
        orgs += found["org"]
    assert len(names) == len(orgs) == len(badges)
    for badge, name, org in zip(badges, names, orgs, strict=True):
        _check_name(chosen, badge, name, org)


def test_the_a4_sheet_keeps_its_white_margin_and_its_crop_marks():
    sheet = LAYOUTS["a4-4up"]
    assert sheet.sheet_margin == 8
    for left, top in sheet.cells:
        assert left >= 8 and top >= 8
        assert left + sheet.badge_width <= 210 - 8 + 0.01
        assert top + sheet.badge_height <= 297 - 8 + 0.01
    marks = document.crop_marks(sheet)
    # Three cuts each way, a mark at both ends of each: all in the white margin.
    assert len(marks) == 12
    for left, top, width, height in marks:
        assert left + width <= 8 or left >= 210 - 8 or top + height <= 8 or top >= 297 - 8
    wider = replace(sheet, sheet_margin=0)
    assert document.crop_marks(wider)


def test_the_sheet_margin_follows_the_setting():
    from maruf_reg.badges.layouts import layout_for

    assert layout_for("a4-4up", 12).cells[0] == (12.0, 12.0)
    assert layout_for("a4-4up", 500).sheet_margin == 20  # kept within reason
    assert layout_for("a6", 12) is LAYOUTS["a6"]
    assert MM > 2.8
