"""What badges share is drawn once and laid under the pages: the result looks the same as the
badges drawn whole by WeasyPrint, pixel for pixel; and the PDFs follow the standard's rule that a
font subset has a tag of its own (ISO 32000-1 §9.6.4), in single badges and in joined batches."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import defaultdict

import pytest
from PIL import ImageChops

from maruf_reg.badges import backdrop, document, engine
from maruf_reg.badges.layouts import LAYOUTS
from maruf_reg.badges.render import render_pdf, write_pdf
from maruf_reg.badges.texts import BadgeText, ForumFace
from tests.badges.conftest import needs_poppler, page_images

FACE = ForumFace(
    titles={"tr": "Marmara Kentsel Forumu", "en": "Marmara Urban Forum"},
    dates={"tr": "1–3 Eki 2030 · İstanbul", "en": "Oct 1 – 3, 2030 · İstanbul"},
    colour="#0b5394",
    bands={
        "participant": ("KATILIMCI · PARTICIPANT", "#2e7d32"),
        "speaker": ("KONUŞMACI · SPEAKER", "#c62828"),
        "press": ("BASIN · PRESS", "#ef6c00"),
    },
)
PEOPLE = [
    ("İlkay Işıl", "Şahinoğlu", "TR", "tr", "speaker"),
    ("محمد", "الحلبي", "SY", "en", "participant"),
    ("伟", "王", "CN", "en", "press"),
    ("Maximilian Alexander", "von Hohenzollern-Sigmaringen", "DE", "tr", "participant"),
    ("Ayşe", "Öztürk", "TR", "tr", "press"),
]


def _badges(count: int = len(PEOPLE)) -> list[BadgeText]:
    return [
        BadgeText(
            registration_id=n,
            token=f"{n:04d}" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" * 3 + "ABCDEFGH",
            given_name=given,
            family_name=family,
            organisation="Marmara Belediyeler Birliği",
            country="Türkiye",
            language=language,
            category=category,
            role_line="Konuşmacı · Göç ve Kent" if category == "speaker" else "",
            country_code=country,
        )
        for n, (given, family, country, language, category) in (
            (n, PEOPLE[n % len(PEOPLE)]) for n in range(count)
        )
    ]


def _whole(layout, badges) -> bytes:
    """The same badges drawn whole in one WeasyPrint document: each badge's backdrop page put
    inside its badge."""
    html, images = document.render_html(badges, layout=layout)
    back_html, back_images = backdrop.backdrop_html(layout, FACE)
    style = re.search(r"<style>(.*)</style>", back_html, re.S).group(1)
    style = re.sub(r"@page \{[^}]*\}", "", style)  # the badge's page, not the sheet's
    backs = re.findall(r'<div class="back">\n(.*?)\n</div>', back_html, re.S)
    index = {kind: n for n, kind in enumerate(backdrop.pages(layout, FACE))}
    parts = html.split('<div class="badge')
    for n, badge in enumerate(badges):
        own = backs[index[(badge.language, badge.category)]]
        head, rest = parts[n + 1].split(">\n", 1)
        parts[n + 1] = f"{head}>\n{own}\n{rest}"
    whole = '<div class="badge'.join(parts).replace("<html>", f"<html><style>{style}</style>")
    # The backdrop's page size and positions are the badge's own; on a sheet, its cell's.
    css = document.stylesheet(layout) + "\n.badge { position: relative }"
    return engine.write_pdf(whole, css=css, images={**images, **back_images})


@needs_poppler
@pytest.mark.parametrize("layout", ["a6", "cr80", "a4-4up"])
def test_the_backdrop_laid_under_the_pages_looks_the_same_as_badges_drawn_whole(layout):
    chosen = LAYOUTS[layout]
    badges = _badges()
    laid = page_images(render_pdf(badges, layout=chosen, face=FACE), dpi=100)
    whole = page_images(_whole(chosen, badges), dpi=100)
    assert len(laid) == len(whole) == -(-len(badges) // chosen.per_page)
    for mine, theirs in zip(laid, whole, strict=True):
        assert mine.size == theirs.size
        difference = ImageChops.difference(mine.convert("L"), theirs.convert("L"))
        assert difference.getbbox() is None, difference.getbbox()  # not one pixel differs


def _fonts(pdf_path) -> list[tuple[str, str]]:
    """(name, object id) of every font of the PDF (pdffonts)."""
    out = subprocess.run(
        ["pdffonts", str(pdf_path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    return [(line.split()[0], " ".join(line.split()[-2:])) for line in out if line.strip()]


needs_pdffonts = pytest.mark.skipif(
    shutil.which("pdffonts") is None, reason="poppler-utils is not installed"
)


@needs_pdffonts
@pytest.mark.slow
def test_a_batch_joined_from_chunks_has_no_subset_tag_twice(tmp_path):
    out = tmp_path / "badges.pdf"
    write_pdf(_badges(12), layout="a6", face=FACE, out=out, workers=2, chunk_size=4)
    fonts = _fonts(out)
    by_name = defaultdict(set)
    for name, object_id in fonts:
        by_name[name].add(object_id)
    # Three chunks, each with its own subsets and the backdrop's: many fonts, each name once.
    assert len(fonts) >= 6
    assert all(re.match(r"^[A-Z]{6}\+", name) for name, _ in fonts)
    assert {name: ids for name, ids in by_name.items() if len(ids) > 1} == {}


@needs_pdffonts
def test_a_single_badge_and_its_backdrop_have_subsets_of_their_own(tmp_path):
    path = tmp_path / "badge.pdf"
    path.write_bytes(render_pdf(_badges(1), layout="a6", face=FACE))
    names = [name for name, _ in _fonts(path)]
    assert len(names) == len(set(names)) >= 2
