"""The forum's badge logo: checked and made print-sized when the organiser uploads it.

A logo is drawn on every badge at most 22 × 14 mm. A 9000 × 9000 px photo took each badge 2 s and
hundreds of MB, so:
- PNG and JPEG: refused beyond `MAX_PIXELS` (read from the header, before decoding: a
  decompression bomb is never decoded), then scaled down to print size (`PRINT_PIXELS`, 600 dpi at
  22 × 14 mm) and stored as PNG (which also drops EXIF and whatever else the file carried);
- SVG: kept as vector, but only plain drawing: parsed without a DTD (no entities to expand), at most
  `MAX_SVG_ELEMENTS` elements, and none of the elements that make an SVG expensive or reach out
  (`use` chains multiply the work at every level, filters and patterns, embedded images,
  scripts, foreign objects), and no reference outside the file. Such an SVG costs WeasyPrint what
  its size says; the badges draw it once per process (backdrop.py).
"""

from __future__ import annotations

import io
import re
import warnings

from defusedxml import DefusedXmlException, ElementTree

from maruf_reg.badges.errors import N_, BadLogo

#: the largest upload
MAX_BYTES = 512 * 1024
#: the most pixels an uploaded PNG or JPEG may have (6,000 × 4,000)
MAX_PIXELS = 24_000_000
#: a logo is kept at most this large: 600 dpi at the largest logo box (22 × 14 mm)
PRINT_PIXELS = (520, 331)
MAX_SVG_ELEMENTS = 5000
#: SVG elements refused (by local name)
SVG_REFUSED = frozenset({"use", "image", "foreignObject", "script", "filter", "pattern", "iframe"})
_LOCAL_REFERENCE = re.compile(r"^\s*#[\w.-]*\s*$")


def _media_type(data: bytes) -> str:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    head = data[:2048].lstrip().lower()
    if (head.startswith(b"<svg") or head.startswith(b"<?xml")) and b"<svg" in data[:4096].lower():
        return "image/svg+xml"
    raise BadLogo(N_("The logo must be a PNG, JPEG or SVG file."))


def _check_svg(data: bytes) -> None:
    lowered = data.lower()
    # No DTD: no entities to expand (billion laughs) and nothing to fetch.
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise BadLogo(N_("SVG logos with a DOCTYPE or entities are not accepted."))
    try:
        # defusedxml refuses entities and external references itself, whatever slipped past above.
        root = ElementTree.fromstring(data, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException) as error:
        raise BadLogo(N_("The SVG logo cannot be read.")) from error
    count = 0
    for element in root.iter():
        count += 1
        name = element.tag.rpartition("}")[2]
        if name in SVG_REFUSED:
            raise BadLogo(
                N_("SVG logos may not contain %(element)s elements: save the logo as PNG."),
                element=name,
            )
        for key, value in element.attrib.items():
            if key.rpartition("}")[2] == "href" and not _LOCAL_REFERENCE.match(value):
                raise BadLogo(N_("SVG logos may not refer to other files: save the logo as PNG."))
            if "url(" in value and not re.search(r"url\(\s*['\"]?#", value):
                raise BadLogo(N_("SVG logos may not refer to other files: save the logo as PNG."))
    if count > MAX_SVG_ELEMENTS:
        raise BadLogo(
            N_("The SVG logo has too many parts (at most %(count)d): save it as PNG."),
            count=MAX_SVG_ELEMENTS,
        )


def _too_many_pixels(pixels: int) -> BadLogo:
    return BadLogo(
        N_(
            "The logo has %(found)d million pixels: at most %(most)d million."
            " A logo of %(print)s pixels is plenty for a badge."
        ),
        found=round(pixels / 1_000_000),
        most=MAX_PIXELS // 1_000_000,
        print=" × ".join(str(side) for side in PRINT_PIXELS),
    )


def _size(data: bytes) -> tuple[int, int]:
    """The image's size from its header (Pillow refuses to open the largest bombs at all)."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                return probe.size
        except Image.DecompressionBombError as error:
            pixels = [int(n) for n in re.findall(r"\d+", str(error))[:1]]
            raise _too_many_pixels(pixels[0] if pixels else MAX_PIXELS) from error


def _print_sized(data: bytes) -> bytes:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        width, height = _size(data)
        if width * height > MAX_PIXELS:
            raise _too_many_pixels(width * height)
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened)
            image.thumbnail(PRINT_PIXELS, Image.Resampling.LANCZOS)
            if image.mode not in ("RGB", "RGBA", "L", "LA"):
                image = image.convert("RGBA")
            out = io.BytesIO()
            image.save(out, "PNG", optimize=True)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise BadLogo(N_("The logo image cannot be read.")) from error
    return out.getvalue()


def prepare_logo(data: bytes) -> tuple[bytes, str]:
    """The logo to keep and its media type; BadLogo (a message for the organiser) otherwise."""
    if not data:
        raise BadLogo(N_("The logo file is empty."))
    if len(data) > MAX_BYTES:
        raise BadLogo(N_("The logo is too large: at most %(kb)d KB."), kb=MAX_BYTES // 1024)
    media_type = _media_type(data)
    if media_type == "image/svg+xml":
        _check_svg(data)
        return data, media_type
    return _print_sized(data), "image/png"
