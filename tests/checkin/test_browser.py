"""The scanner page in a real browser: Chromium's fake camera shows a badge, the page admits it;
offline, a USB-scanner code is decided on the device and queued; back online, it is synced once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from maruf_reg.extensions import db
from maruf_reg.models import Outcome, Scan

CHROMIUM = "/usr/bin/chromium"
FONT = "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing (apt-get install chromium)"
    ),
]


def badge_image(token: str, name: str, organisation: str) -> Image.Image:
    """A badge-like white card with the name and the token's QR code, on a dark desk."""
    import io

    from maruf_reg.badges.qr import qr_png

    # The badges' own QR image (one pixel per module, quiet zone included), five pixels a module.
    qr_image = Image.open(io.BytesIO(qr_png(token, "M")))
    size = qr_image.width * 5
    qr_image = qr_image.resize((size, size), Image.Resampling.NEAREST)
    frame = Image.new("RGB", (640, 480), (40, 44, 52))
    card = Image.new("RGB", (300, 440), "white")
    draw = ImageDraw.Draw(card)
    font = ImageFont.truetype(FONT, 24) if os.path.exists(FONT) else ImageFont.load_default()
    draw.rectangle((0, 0, 300, 40), fill=(11, 83, 148))
    draw.text((16, 60), name, fill="black", font=font)
    draw.text((16, 95), organisation, fill=(80, 80, 80), font=font)
    card.paste(qr_image.convert("RGB"), ((300 - size) // 2, 150))
    frame.paste(card, (170, 20))
    return frame


def write_y4m(image: Image.Image, path: Path, frames: int = 10) -> None:
    """A raw YUV 4:2:0 video (Y4M) of a still image, for --use-file-for-fake-video-capture."""
    width, height = image.size
    y, cb, cr = image.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = (
        y.tobytes() + cb.resize(half, Image.BOX).tobytes() + cr.resize(half, Image.BOX).tobytes()
    )
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)


def test_camera_admits_then_offline_scan_syncs_once(
    app, live_server, tmp_path, forum, make_point, make_registration, make_person, make_staff, badge
):
    playwright_api = pytest.importorskip("playwright.sync_api")
    door = make_point(forum, name="B Kapısı", counts_exit=True)
    ayse = make_registration(forum, make_person(given_name="Ayşe", family_name="Öztürk"))
    kerem = make_registration(forum, make_person(given_name="Kerem", family_name="Yılmaz"))
    video = tmp_path / "badge.y4m"
    write_y4m(badge_image(badge(forum, ayse), "Ayşe Öztürk", "Marmara"), video)
    staff = make_staff("door")

    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        try:
            context = browser.new_context(
                viewport={"width": 390, "height": 844}, locale="en-GB", permissions=["camera"]
            )
            page = context.new_page()
            page.goto(f"{live_server}/login?lang=en")
            page.fill("input[name=email]", staff.email)
            page.fill("input[name=password]", staff.password)
            page.click("button[type=submit]")
            page.goto(f"{live_server}/checkin/{door.id}")
            page.wait_for_selector("#scanner[data-ready=true]", timeout=20000)
            # The fake camera shows Ayşe's badge: the page reads it and admits her.
            page.wait_for_selector("#result.o-admitted", timeout=30000)
            assert "Ayşe Öztürk" in page.inner_text("#result-name")
            assert page.inner_text("#result-word") == "ADMIT"
            page.click("#result-next")

            context.set_offline(True)
            page.wait_for_function("!navigator.onLine")
            page.fill("#code", badge(forum, kerem))
            page.press("#code", "Enter")
            page.wait_for_selector("#result.o-admitted", timeout=10000)
            assert "Kerem Yılmaz" in page.inner_text("#result-name")
            assert "decided offline" in page.inner_text("#result-reason")
            page.wait_for_selector("#net-status[data-waiting='1']")
            assert "Offline — 1 waiting" in page.inner_text("#net-status")
            page.click("#result-next")
            # The camera still sees Ayşe: she is not scanned again while her badge stays in view.
            with app.app_context():
                assert db.session.scalar(select(Scan.id).where(Scan.offline.is_(True))) is None

            context.set_offline(False)
            page.wait_for_selector("#net-status[data-waiting='0']", timeout=30000)
            page.evaluate("window.dispatchEvent(new Event('online'))")  # a second sync: no-op
            page.wait_for_timeout(500)
        finally:
            browser.close()

    with app.app_context():
        rows = db.session.execute(
            select(Scan.registration_id, Scan.outcome, Scan.offline, Scan.forced)
        ).all()
    assert sorted(rows) == sorted(
        [(ayse.id, Outcome.ADMITTED, False, False), (kerem.id, Outcome.ADMITTED, True, False)]
    )
