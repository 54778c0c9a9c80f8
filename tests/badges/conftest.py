"""Fixtures of the badge tests: reading rendered PDFs back (pages, words, QR codes)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from maruf_reg.models import Category, Forum, Person, Registration

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="poppler-utils is not installed (scripts/system-deps install-test)",
)

#: names in the scripts a badge must draw right
PEOPLE: list[dict[str, Any]] = [
    {"given_name": "İlkay Işıl", "family_name": "Şahinoğlu", "country": "TR", "language": "tr"},
    {"given_name": "محمد", "family_name": "الحلبي", "country": "SY", "language": "en"},
    {"given_name": "伟", "family_name": "王", "country": "CN", "language": "en"},
    {
        "given_name": "Maximilian Alexander",
        "family_name": "von Hohenzollern-Sigmaringen Wittelsbach-Öz",  # 64 characters in all
        "country": "DE",
        "language": "en",
    },
]


def page_count(pdf: bytes | Path) -> int:
    source = io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf
    return len(PdfReader(source).pages)


def _pdf_file(pdf: bytes | Path, folder: str) -> Path:
    if isinstance(pdf, Path):
        return pdf
    path = Path(folder) / "badges.pdf"
    path.write_bytes(pdf)
    return path


def decode_qr_codes(
    pdf: bytes | Path, *, dpi: int = 150, first: int = 1, last: int | None = None
) -> list[list[str]]:
    """The QR texts found on each page (pdftoppm → PNG → zxing-cpp)."""
    import zxingcpp
    from PIL import Image

    with tempfile.TemporaryDirectory() as folder:
        path = _pdf_file(pdf, folder)
        args = ["pdftoppm", "-png", "-r", str(dpi), "-f", str(first)]
        if last is not None:
            args += ["-l", str(last)]
        subprocess.run([*args, str(path), f"{folder}/page"], check=True)
        pages = sorted(Path(folder).glob("page-*.png"), key=lambda p: int(p.stem.split("-")[-1]))
        found = []
        for png in pages:
            with Image.open(png) as image:
                codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
            found.append([code.text for code in codes])
        return found


@dataclass(frozen=True)
class Word:
    page: int
    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float


_WORD_RE = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)


def pdf_words(pdf: bytes | Path) -> list[Word]:
    """Every word of the PDF with its box in points (pdftotext -bbox)."""
    with tempfile.TemporaryDirectory() as folder:
        path = _pdf_file(pdf, folder)
        xml = subprocess.run(
            ["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
    words = []
    for number, page in enumerate(xml.split("<page ")[1:], start=1):
        for x_min, y_min, x_max, y_max, text in _WORD_RE.findall(page):
            words.append(
                Word(number, unescape(text), float(x_min), float(y_min), float(x_max), float(y_max))
            )
    return words


@pytest.fixture
def people_of_every_script(
    forum: Forum,
    make_person: Callable[..., Person],
    make_registration: Callable[..., Registration],
) -> list[Registration]:
    """Confirmed registrations with Turkish, Arabic, Chinese and a 60-character name."""
    categories = [Category.SPEAKER, Category.PARTICIPANT, Category.PRESS, Category.VIP]
    return [
        make_registration(forum, make_person(**values), category=category)
        for values, category in zip(PEOPLE, categories, strict=True)
    ]


def page_images(pdf: bytes | Path, *, dpi: int) -> list[Any]:
    """The pages of a PDF as greyscale Pillow images (pdftoppm)."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as folder:
        path = _pdf_file(pdf, folder)
        subprocess.run(
            ["pdftoppm", "-gray", "-png", "-r", str(dpi), str(path), f"{folder}/page"], check=True
        )
        pages = sorted(Path(folder).glob("page-*.png"), key=lambda p: int(p.stem.split("-")[-1]))
        images = []
        for png in pages:
            with Image.open(png) as image:
                images.append(image.copy())
        return images


def phone_photo(page: Any, *, source_dpi: int, dpi: int = 100) -> Any:
    """A simulated phone photo of a printed page: scaled to `dpi`, turned 7°, slightly blurred
    (1.2 px), saved as a JPEG (quality 70). The 34 mm codes of 0.76 mm modules failed it with zbar
    (as on the phones the issue was measured with); they read from about 150 dpi."""
    from PIL import Image, ImageFilter

    scale = dpi / source_dpi
    small = page.convert("L").resize(
        (round(page.width * scale), round(page.height * scale)), Image.Resampling.LANCZOS
    )
    turned = small.rotate(7, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    blurred = turned.filter(ImageFilter.GaussianBlur(1.2))
    buffer = io.BytesIO()
    blurred.save(buffer, "JPEG", quality=70)
    buffer.seek(0)
    return Image.open(buffer)


def zbar_read(images: list[Any]) -> list[list[str]]:
    """The QR texts zbar (zbarimg) finds in each image."""
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for number, image in enumerate(images):
            files.append(f"{folder}/{number:04d}.png")
            image.save(files[-1])
        xml = subprocess.run(
            ["zbarimg", "--xml", "-q", "-Sdisable", "-Sqrcode.enable", *files],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
    found = []
    for name in files:
        source = re.search(rf"<source href='{re.escape(name)}'>(.*?)</source>", xml, re.S)
        found.append(
            re.findall(r"<data><!\[CDATA\[(.*?)\]\]></data>", source.group(1), re.S)
            if source
            else []
        )
    return found


def zxing_read(images: list[Any]) -> list[list[str]]:
    """The QR texts zxing-cpp finds in each image."""
    import zxingcpp

    return [
        [code.text for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
        for image in images
    ]


def cut(pages: list[Any], layout: Any, *, dpi: int) -> list[Any]:
    """Each badge of the pages as an image of its own, as cut from its sheet."""
    scale = dpi / 25.4
    return [
        page.crop(
            (
                round(left * scale),
                round(top * scale),
                round((left + layout.badge_width) * scale),
                round((top + layout.badge_height) * scale),
            )
        )
        for page in pages
        for left, top in layout.cells
    ]
