"""PDF work after WeasyPrint, with pikepdf (qpdf): laying backdrops under pages, giving every font
subset a tag of its own, joining the chunks of a batch.

Font subsets: WeasyPrint names a subset `TAG+Font`, TAG made from the font file alone, so every
chunk of a batch — and the backdrop inside each chunk — had a different subset of Noto Sans under
the same name. ISO 32000-1 §9.6.4 wants a tag per subset (tools that cache fonts by name may draw
the wrong glyphs), so each document renames its subsets from a number that differs for every
chunk of a batch (`tag_base`), before the chunks are joined.
"""

from __future__ import annotations

import io
import re
import secrets
import shutil
from collections.abc import Sequence
from typing import Any

#: subset tags a chunk may use: its own are `tag_base + chunk * TAGS_PER_CHUNK + n`
TAGS_PER_CHUNK = 1000
_TAG_COUNT = 26**6
_TAGGED = re.compile(r"^/[A-Z]{6}\+")


def new_tag_base() -> int:
    """Where a batch's tags start: random, so that two batches do not share tags either."""
    return secrets.randbelow(_TAG_COUNT)


def tag(number: int) -> str:
    """Six capital letters for a number (ISO 32000-1 §9.6.4's subset tag)."""
    number %= _TAG_COUNT
    letters = []
    for _ in range(6):
        number, rest = divmod(number, 26)
        letters.append(chr(ord("A") + rest))
    return "".join(reversed(letters))


def _descriptor(font: Any) -> Any:
    descriptor = font.get("/FontDescriptor")
    if descriptor is None and "/DescendantFonts" in font:
        descriptor = font.DescendantFonts[0].get("/FontDescriptor")
    return descriptor


def retag_fonts(pdf: Any, first: int) -> int:
    """Give each font subset of `pdf` (pikepdf) its own tag, numbered from `first`; how many."""
    import pikepdf

    tags: dict[tuple[int, int], str] = {}
    for font in pdf.objects:
        if not isinstance(font, pikepdf.Dictionary) or font.get("/Type") != "/Font":
            continue
        descriptor = _descriptor(font)
        if descriptor is None:
            continue
        new = tags.setdefault(descriptor.objgen, tag(first + len(tags)))
        for holder, key in ((font, "/BaseFont"), (descriptor, "/FontName")):
            name = str(holder.get(key, ""))
            if _TAGGED.match(name):
                holder[key] = pikepdf.Name(f"/{new}{name[7:]}")
    return len(tags)


def finish(
    pdf_bytes: bytes,
    *,
    tag_first: int,
    underlay: Any = None,
) -> bytes:
    """A WeasyPrint PDF with its backdrops laid under (`underlay(pdf)`) and its fonts re-tagged."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        if underlay is not None:
            underlay(pdf)
        retag_fonts(pdf, tag_first)
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def join(parts: Sequence[str], out: str) -> None:
    """One PDF of these PDFs' pages, in order."""
    if len(parts) == 1:
        shutil.copyfile(parts[0], out)
        return
    import pikepdf

    sources = []
    try:
        with pikepdf.new() as joined:
            for part in parts:
                source = pikepdf.open(part)
                sources.append(source)
                joined.pages.extend(source.pages)
            joined.save(out)
    finally:
        for source in sources:
            source.close()
