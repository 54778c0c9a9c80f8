"""Choosing font sizes so that names fit their box: WeasyPrint wraps text but never shrinks it.

Widths are estimated from the advance widths of the Noto fonts the badges use (the same files
fontconfig gives WeasyPrint), without shaping or kerning: both make real text narrower, so the
estimate errs on the safe side. CJK ideographs are one em wide; a script we have no metrics for
counts as a wide Latin letter.
"""

from __future__ import annotations

import functools
import math
import shutil
import subprocess
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

MM = 72 / 25.4  # points in a millimetre
#: line height of badge text, as a multiple of the font size (the templates use the same)
LINE_HEIGHT = 1.15
#: the share of a box's width the estimate may fill: room for fonts fontconfig substitutes
WIDTH_SAFETY = 0.95
#: the width of a character we have no metrics for, in ems
UNKNOWN_WIDTH = 0.7
#: how much smaller a name may be set to keep it on fewer lines (see `fit_lines`)
PREFER_SHRINK = 0.75

_FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/opentype/noto"))
_FACES = {
    ("latin", True): ("NotoSans-Bold.ttf", "Noto Sans:bold"),
    ("latin", False): ("NotoSans-Regular.ttf", "Noto Sans"),
    ("arabic", True): ("NotoSansArabic-Bold.ttf", "Noto Sans Arabic:bold"),
    ("arabic", False): ("NotoSansArabic-Regular.ttf", "Noto Sans Arabic"),
}


def _font_file(file_name: str, pattern: str) -> Path | None:
    for folder in _FONT_DIRS:
        if (folder / file_name).is_file():
            return folder / file_name
    fc_match = shutil.which("fc-match")
    if not fc_match:
        return None
    found = subprocess.run(  # noqa: S603 (a fixed program and pattern)
        [fc_match, "-f", "%{file}", pattern], capture_output=True, text=True, check=False
    ).stdout.strip()
    return Path(found) if found and Path(found).is_file() else None


@functools.cache
def _advances(script: str, bold: bool) -> dict[int, float]:
    """Code point → advance width in ems, for one of the badge fonts (empty when it is missing)."""
    path = _font_file(*_FACES[(script, bold)])
    if path is None:
        return {}
    font = TTFont(str(path), lazy=True)
    units = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    return {code: metrics[glyph][0] / units for code, glyph in font.getBestCmap().items()}


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def char_width(char: str, *, bold: bool) -> float:
    """A character's advance width in ems."""
    code = ord(char)
    if unicodedata.combining(char) or unicodedata.category(char) == "Cf":
        return 0.0
    if _is_wide(char):
        return 1.0
    for script in ("latin", "arabic"):
        width = _advances(script, bold).get(code)
        if width is not None:
            return width
    return UNKNOWN_WIDTH


@functools.lru_cache(maxsize=65536)
def word_width(word: str, *, bold: bool) -> float:
    """A word's width in ems."""
    return sum(char_width(char, bold=bold) for char in word)


def line_count(text: str, *, width_em: float, bold: bool) -> int:
    """How many lines `text` takes when wrapped at spaces within `width_em` ems.

    A word longer than a line is broken between letters (the templates say
    `overflow-wrap: anywhere`), as WeasyPrint does then.
    """
    words = text.split()
    if not words:
        return 0
    space = char_width(" ", bold=bold)
    lines, used = 1, 0.0
    for word in words:
        width = word_width(word, bold=bold)
        needed = width if used == 0 else used + space + width
        if needed <= width_em:
            used = needed
            continue
        if used > 0:
            lines += 1
        if width <= width_em:
            used = width
        else:
            # Broken between letters: full lines, then what is left on the last one.
            extra = math.ceil(width / width_em) - 1
            lines += extra
            used = width - extra * width_em
    return lines


@dataclass(frozen=True)
class Fit:
    size_pt: float
    lines: int

    def height_mm(self, line_height: float = LINE_HEIGHT) -> float:
        return self.lines * self.size_pt * line_height / MM


def fit_lines(
    paragraphs: Sequence[str],
    *,
    width_mm: float,
    height_mm: float,
    max_pt: float,
    min_pt: float,
    bold: bool = False,
    max_lines: int | None = None,
    prefer_lines: int | None = None,
    step: float = 0.5,
) -> Fit:
    """The largest font size at which the paragraphs (each starting a new line) fit the box.

    Below `min_pt` text would be unreadable: the smallest size is returned, and the text overflows
    its box rather than being cut. With `prefer_lines`, a size a little smaller (down to
    `PREFER_SHRINK` of the largest) is chosen when it keeps the text on that many lines: a long name
    reads better on three lines than broken word by word on five.
    """
    width_pt = width_mm * MM * WIDTH_SAFETY
    height_pt = height_mm * MM
    texts = [p for p in paragraphs if p.strip()]

    def lines_at(size: float) -> int:
        return sum(line_count(p, width_em=width_pt / size, bold=bold) for p in texts)

    size = max_pt
    while True:
        lines = lines_at(size)
        fits = lines * size * LINE_HEIGHT <= height_pt and (max_lines is None or lines <= max_lines)
        if fits or size - step < min_pt:
            break
        size -= step
    best = Fit(size, lines)
    if prefer_lines is None or best.lines <= prefer_lines:
        return best
    smaller = size - step
    while smaller >= max(min_pt, size * PREFER_SHRINK):
        lines = lines_at(smaller)
        if lines <= prefer_lines:
            return Fit(smaller, lines)
        smaller -= step
    return best
