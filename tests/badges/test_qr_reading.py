"""Badges a phone reads at arm's length: every QR of every layout decodes with zbar (the decoder in
many phone apps) and zxing, from the clean render and from a simulated phone photo of the print."""

from __future__ import annotations

import base64
import random
import shutil

import pytest

from maruf_reg.badges.layouts import LAYOUTS
from maruf_reg.badges.render import render_pdf
from maruf_reg.badges.texts import BadgeText, ForumFace
from tests.badges.conftest import (
    cut,
    needs_poppler,
    page_images,
    phone_photo,
    zbar_read,
    zxing_read,
)

needs_zbar = pytest.mark.skipif(
    shutil.which("zbarimg") is None,
    reason="zbar-tools is not installed (scripts/system-deps install-test)",
)
FACE = ForumFace(
    titles={"en": "Marmara Urban Forum"},
    dates={"en": "Oct 1 – 3, 2030"},
    colour="#0b5394",
    bands={"participant": ("PARTICIPANT", "#2e7d32"), "speaker": ("SPEAKER", "#c62828")},
)
#: badges a layout is tried with (the tokens differ in every module)
COUNT = 16


def _badges(layout: str) -> list[BadgeText]:
    chance = random.Random(layout)  # the same codes on every run
    return [
        BadgeText(
            registration_id=number,
            # As long as a real token: version 5 at level M, 37 modules.
            token=base64.b32encode(chance.randbytes(72)).decode().rstrip("="),
            given_name="Ayşe",
            family_name=f"Öztürk {number}",
            organisation="Marmara Belediyeler Birliği",
            country="Türkiye",
            language="en",
            category="speaker" if number % 3 else "participant",
        )
        for number in range(COUNT)
    ]


@needs_poppler
@needs_zbar
@pytest.mark.slow
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_every_badge_reads_from_a_clean_render_and_from_a_blurred_phone_photo(layout):
    badges = _badges(layout)
    tokens = sorted(badge.token for badge in badges)
    pages = page_images(render_pdf(badges, layout=layout, face=FACE), dpi=300)
    clean = [page.resize((page.width // 2, page.height // 2)) for page in pages]  # 150 dpi
    assert sorted(t for page in zbar_read(clean) for t in page) == tokens
    assert sorted(t for page in zxing_read(clean) for t in page) == tokens
    # A phone's photo of each printed badge (cut from its sheet): 100 dpi, turned 7°, slightly
    # blurred, JPEG.
    photos = [phone_photo(badge, source_dpi=300) for badge in cut(pages, LAYOUTS[layout], dpi=300)]
    assert sorted(t for page in zbar_read(photos) for t in page) == tokens
    assert sorted(t for page in zxing_read(photos) for t in page) == tokens


@needs_poppler
@needs_zbar
def test_the_old_34_mm_code_did_not_read_from_the_phone_photo():
    """The simulation is harsh enough to matter: the code of the old layouts (0.76 mm modules)
    fails it with zbar, as it did on the phones the issue was measured with."""
    from dataclasses import replace

    from maruf_reg.badges.layouts import Box

    old = LAYOUTS["a6"]
    old = replace(old, qr=Box((old.badge_width - 34) / 2, old.qr.top, 34, 34))
    badges = _badges("old")[:6]
    pages = page_images(render_pdf(badges, layout=old, face=FACE), dpi=300)
    photos = [phone_photo(page, source_dpi=300) for page in pages]
    assert sum(1 for page in zbar_read(photos) if page) <= 1
