"""Web processes stay small: the badges capability imports the PDF stack (WeasyPrint, pikepdf, qrcode,
Pillow, fontTools, pyphen) only when a badge is rendered or a logo uploaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("weasyprint", "pikepdf", "qrcode", "PIL", "fontTools", "pyphen", "pypdf", "segno")


def test_importing_the_badges_capability_loads_no_pdf_library():
    code = (
        "import sys\n"
        "import maruf_reg.badges.views, maruf_reg.badges.services, maruf_reg.badges.batches\n"
        "import maruf_reg.badges.cli, maruf_reg.badges.render, maruf_reg.badges.document\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
