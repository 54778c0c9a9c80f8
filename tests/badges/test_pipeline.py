"""The rendering pipeline on plain values: chunks in worker processes, failures stop everything."""

from __future__ import annotations

import base64
import os

import pytest
from qrcode.exceptions import DataOverflowError

from maruf_reg.badges.render import BadgeText, ForumFace, render_pdf, write_pdf
from tests.badges.conftest import page_count

FACE = ForumFace(
    titles={"en": "Marmara Urban Forum"},
    dates={"en": "Oct 1 – 3, 2030"},
    colour="#0b5394",
    bands={"participant": ("PARTICIPANT", "#2e7d32")},
)


def _badge(number: int, token: str | None = None) -> BadgeText:
    return BadgeText(
        registration_id=number,
        token=token or base64.b32encode(os.urandom(72)).decode().rstrip("="),
        given_name="Ayşe",
        family_name=f"Öztürk {number}",
        organisation="Marmara Belediyeler Birliği",
        country="Türkiye",
        language="en",
        category="participant",
    )


def test_a_badge_whose_qr_cannot_be_made_stops_the_document():
    with pytest.raises(DataOverflowError):
        render_pdf([_badge(1, token="A" * 5000)], layout="a6", face=FACE)


@pytest.mark.slow
def test_a_failing_chunk_in_a_worker_leaves_no_file(tmp_path):
    badges = [_badge(n) for n in range(5)] + [_badge(99, token="A" * 5000)]
    out = tmp_path / "badges.pdf"
    with pytest.raises(RuntimeError, match="rendering badges failed"):
        write_pdf(badges, layout="a6", face=FACE, out=out, workers=2, chunk_size=2)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_chunks_of_four_up_sheets_are_never_split(tmp_path):
    out = tmp_path / "badges.pdf"
    done = []
    write_pdf(
        [_badge(n) for n in range(9)],
        layout="a4-4up",
        face=FACE,
        out=out,
        workers=2,
        chunk_size=5,  # rounded down to whole sheets: 4
        progress=done.append,
    )
    assert page_count(out) == 3
    assert done == [4, 8, 9]
