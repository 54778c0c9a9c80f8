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
