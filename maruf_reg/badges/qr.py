"""QR codes of badge tokens, drawn with `qrcode`: a PNG with one pixel per module, scaled up in
the PDF (`image-rendering: pixelated`).

A 116-character token in alphanumeric mode makes a version 5 code (37 × 37 modules) at error
correction level M; level Q needs version 7 (45 modules), H version 8 (49). `qrcode` scores all
eight mask patterns and searches the smallest version for every code, which costs five sixths of the
time; any mask decodes the same, and every token of a length needs the same version, so both are
fixed (`bench/badges.py --qr`: 164 → 899 codes per CPU-second, PNG included; segno, used before
with a fixed mask, made about 720).

The PNG is written straight from the module matrix (8-bit grey, so that WeasyPrint embeds it without
converting it first: a 1-bit or palette PNG is turned into RGB and encoded twice).
"""

from __future__ import annotations

import functools
import struct
import zlib
from typing import Any

#: the mask pattern every badge uses
MASK = 0
#: the white margin around the code, in modules (the QR standard asks for four)
QUIET_ZONE = 4
#: error correction levels, from the most to the least redundant
LEVELS = ("H", "Q", "M", "L")


def _qrcode() -> Any:
    # Imported when a code is drawn: web processes that never draw one stay small.
    import qrcode
    import qrcode.constants
    import qrcode.exceptions

    return qrcode


def _level_constant(level: str) -> int:
    constants = _qrcode().constants
    return int(getattr(constants, f"ERROR_CORRECT_{level}"))


@functools.cache
def version_for(length: int, level: str, *, alphanumeric: bool = True) -> int:
    """The smallest QR version that holds `length` characters at `level`."""
    qrcode = _qrcode()
    code = qrcode.QRCode(error_correction=_level_constant(level), mask_pattern=MASK)
    code.add_data(("A" if alphanumeric else "a") * length, optimize=0)
    try:
        return int(code.best_fit())
    except ValueError as error:  # beyond version 40
        raise qrcode.exceptions.DataOverflowError(
            f"{length} characters do not fit a QR code"
        ) from error


def modules(length: int, level: str, *, alphanumeric: bool = True) -> int:
    """How many modules wide the code of `length` characters is at `level`, quiet zone included."""
    return 17 + 4 * version_for(length, level, alphanumeric=alphanumeric) + 2 * QUIET_ZONE


def choose_level(length: int, box_mm: float, min_module_mm: float) -> str:
    """The most redundant level whose modules are still `min_module_mm` wide in a `box_mm` box.

    Larger modules read from farther away and from blurred photos; redundancy reads through
    scratches and glare. When no level keeps the modules that large, the one with the fewest
    modules (and among those the most redundant) is chosen.
    """
    for level in LEVELS:
        if box_mm / modules(length, level) >= min_module_mm:
            return level
    fewest = min(modules(length, level) for level in LEVELS)
    return next(level for level in LEVELS if modules(length, level) == fewest)


def qr_matrix(text: str, level: str = "M") -> list[list[bool]]:
    """The modules of the QR code of `text` (True: dark), without the quiet zone."""
    qrcode = _qrcode()
    alphanumeric = text == text.upper() and all(
        char.isdigit() or "A" <= char <= "Z" or char in " $%*+-./:" for char in text
    )
    code = qrcode.QRCode(
        version=version_for(len(text), level, alphanumeric=alphanumeric),
        error_correction=_level_constant(level),
        mask_pattern=MASK,
        border=0,
    )
    code.add_data(text, optimize=0)
    code.make(fit=False)
    return [[bool(dark) for dark in row] for row in code.modules]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def qr_png(text: str, level: str = "M") -> bytes:
    """A PNG of the QR code of `text`: one pixel per module, black on white, with its quiet zone."""
    matrix = qr_matrix(text, level)
    size = len(matrix) + 2 * QUIET_ZONE
    white_row = b"\x00" + b"\xff" * size  # each row starts with its filter type (0: none)
    margin = b"\xff" * QUIET_ZONE
    rows = [white_row] * QUIET_ZONE
    rows += [
        b"\x00" + margin + bytes(0 if dark else 255 for dark in row) + margin for row in matrix
    ]
    rows += [white_row] * QUIET_ZONE
    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
        + _chunk(b"IEND", b"")
    )
