"""Choosing font sizes so that texts fit their box: WeasyPrint wraps text but never shrinks it.

Widths are estimated from the advance widths of the Noto fonts the badges use (the same files
fontconfig gives WeasyPrint), without shaping or kerning: both make real text narrower, so the
estimate errs on the safe side. CJK ideographs are one em wide; a script we have no metrics for
counts as a wide Latin letter.

Lines break at spaces, after a word's own hyphen, and at soft hyphens (typeset.py puts them where
the word's language allows a break; a hyphen is then drawn). Nowhere else: a word that cannot fit a
line even in pieces makes the text smaller, below the box's smallest size if it must, rather than
being cut or running out of its box.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from maruf_reg.badges.typeset import SOFT_HYPHEN

MM = 72 / 25.4  # points in a millimetre
#: line height of badge text, as a multiple of the font size (the stylesheet uses the same)
LINE_HEIGHT = 1.15
#: the share of a box's width the estimate may fill: room for fonts fontconfig substitutes
WIDTH_SAFETY = 0.95
#: the width of a character we have no metrics for, in ems
UNKNOWN_WIDTH = 0.7
#: how much smaller a name may be set to keep it on fewer lines (see `fit_lines`)
PREFER_SHRINK = 0.75
#: below this nothing is tried (a 100-letter word with no break point fits a badge at ~4 pt)
FLOOR_PT = 1.0

_FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/opentype/noto"))
_FACES = {
    ("latin", True): ("NotoSans-Bold.ttf", "Noto Sans:bold"),
    ("latin", False): ("NotoSans-Regular.ttf", "Noto Sans"),
    ("arabic", True): ("NotoSansArabic-Bold.ttf", "Noto Sans Arabic:bold"),
    ("arabic", False): ("NotoSansArabic-Regular.ttf", "Noto Sans Arabic"),
}


def font_file(file_name: str, pattern: str) -> Path | None:
    """The file of one of the badge fonts: in Debian's Noto folders, else as fontconfig finds it."""
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
    # Imported when a size is first chosen: web processes that never render a badge stay small.
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    path = font_file(*_FACES[(script, bold)])
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


@functools.lru_cache(maxsize=8192)
def word_width(word: str, *, bold: bool) -> float:
    """A word's width in ems (soft hyphens take no room unless a line ends at them)."""
    return sum(char_width(char, bold=bold) for char in word)


@functools.lru_cache(maxsize=4096)
def _pieces(word: str, bold: bool) -> tuple[tuple[float, float], ...]:
    """A word cut at its break points: (width of the piece, width of the hyphen drawn when a line
    ends after it). After a word's own hyphen nothing is added; after a soft hyphen, a hyphen."""
    hyphen = char_width("-", bold=bold)
    pieces: list[tuple[float, float]] = []
    for soft_part in word.split(SOFT_HYPHEN):
        own = soft_part.split("-")
        for number, part in enumerate(own):
            last = number == len(own) - 1
            pieces.append((word_width(part if last else part + "-", bold=bold), 0.0))
        pieces[-1] = (pieces[-1][0], hyphen)
    pieces[-1] = (pieces[-1][0], 0.0)
    return tuple(pieces)


def line_count(text: str, *, width_em: float, bold: bool) -> int | None:
    """How many lines `text` takes when wrapped within `width_em` ems; None when a piece of a word
    between two break points is wider than a line (the text must be set smaller)."""
    words = text.split()
    if not words:
        return 0
    space = char_width(" ", bold=bold)
    lines, used = 1, 0.0
    for word in words:
        width = word_width(word, bold=bold)
        gap = 0.0 if used == 0 else space
        if used + gap + width <= width_em:
            used += gap + width
            continue
        # The word is broken at its break points: as many pieces as fit on each line.
        pieces = _pieces(word, bold)
        start = 0
        while start < len(pieces):
            gap = 0.0 if used == 0 else space
            end, run = start, 0.0
            while end < len(pieces):
                piece, hyphen = pieces[end]
                ends_word = end == len(pieces) - 1
                if used + gap + run + piece + (0.0 if ends_word else hyphen) > width_em:
                    break
                run += piece
                end += 1
            if end == start:
                if used == 0:
                    return None
                lines, used = lines + 1, 0.0
                continue
            used += gap + run
            start = end
            if start < len(pieces):
                lines, used = lines + 1, 0.0
    return lines


@dataclass(frozen=True)
class Fit:
    size_pt: float
    lines: int
    line_height: float = LINE_HEIGHT
    #: False when even the smallest size tried leaves the text too large for its box
    fits: bool = True

    def height_mm(self) -> float:
        return self.lines * self.size_pt * self.line_height / MM


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
    line_height: float = LINE_HEIGHT,
    ink_below: float = 0.0,
    floor_pt: float = FLOOR_PT,
) -> Fit:
    """The largest font size at which the paragraphs (each starting a new line) fit the box.

    Sizes go down from `max_pt` in steps; below `min_pt` only when the text would not fit at it
    (a word with no break point, too many lines): smaller type is better than text that runs out of
    its box or is cut. `ink_below` is how far (in ems) letters may reach below the last line's box,
    which the box must hold too; nothing below `floor_pt` is tried (`Fit.fits` says whether the
    text fits). With `prefer_lines`, a size a little smaller (down to `PREFER_SHRINK` of the
    largest) is chosen when it keeps the text on that many lines: a long name reads better on three
    lines than broken word by word on five.
    """
    width_pt = width_mm * MM * WIDTH_SAFETY
    height_pt = height_mm * MM
    texts = [p for p in paragraphs if p.strip()]

    def lines_at(size: float) -> int | None:
        counts = [line_count(p, width_em=width_pt / size, bold=bold) for p in texts]
        return None if None in counts else sum(c or 0 for c in counts)

    def fits(size: float, lines: int | None) -> bool:
        return (
            lines is not None
            and (lines * line_height + ink_below) * size <= height_pt
            and (max_lines is None or lines <= max_lines)
        )

    size = max_pt
    lines = lines_at(size)
    while not fits(size, lines) and size - step >= floor_pt:
        size -= step
        lines = lines_at(size)
    best = Fit(size, lines or 1, line_height, fits(size, lines))
    if prefer_lines is None or best.lines <= prefer_lines:
        return best
    smaller = size - step
    while smaller >= max(min_pt, size * PREFER_SHRINK):
        lines = lines_at(smaller)
        if fits(smaller, lines) and lines is not None and lines <= prefer_lines:
            return Fit(smaller, lines, line_height)
        smaller -= step
    return best
