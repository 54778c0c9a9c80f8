"""The forum's logo: refused beyond a sane size in pixels (a form error in the page's language, never
a 500), scaled to print size on upload; SVG logos kept as vector but never a render bomb."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from maruf_reg.badges import services
from maruf_reg.badges.errors import BadLogo
from maruf_reg.badges.logo import MAX_SVG_ELEMENTS, PRINT_PIXELS, prepare_logo
from maruf_reg.extensions import db
from maruf_reg.models import Forum, Role
from tests.badges.conftest import needs_poppler, page_count
from tests.conftest import csrf_from

SETTINGS = {
    "colour": "#112233",
    "participant": "#2e7d32",
    "speaker": "#c62828",
    "moderator": "#6a1b9a",
    "press": "#ef6c00",
    "vip": "#b8860b",
    "staff": "#00838f",
}


def _image(size: tuple[int, int], kind: str = "PNG", mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "#0b5394").save(out, kind)
    return out.getvalue()


def _upload(client, data: bytes, language: str = "en"):
    page = client.get("/admin/badges/settings", headers={"Accept-Language": language})
    return client.post(
        "/admin/badges/settings",
        data={
            **SETTINGS,
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "logo": (io.BytesIO(data), "logo.bin"),
        },
        headers={"Accept-Language": language},
        content_type="multipart/form-data",
    )


def test_a_9000_pixel_logo_is_refused_with_a_form_error_in_the_pages_language(
    app, client, login, forum
):
    huge = _image((9000, 9000))
    assert len(huge) < services.LOGO_MAX_BYTES  # small as a file, huge as an image
    login(Role.ADMIN)
    response = _upload(client, huge, "tr")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "81 milyon" in page  # Turkish
    response = _upload(client, huge, "en")
    assert "81 million pixels" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Forum, forum.id).logo is None


def test_a_decompression_bomb_is_refused_without_being_decoded():
    # 20,000 × 20,000 one-bit pixels: 48 KB of PNG, 400 million pixels (Pillow refuses to open it).
    bomb = _image((20000, 20000), mode="1")
    with pytest.raises(BadLogo, match="400 million pixels"):
        prepare_logo(bomb)


@pytest.mark.parametrize(("size", "kind"), [((3000, 2000), "JPEG"), ((1200, 1200), "PNG")])
def test_a_large_logo_is_scaled_to_print_size_on_upload(app, client, login, forum, size, kind):
    login(Role.ADMIN)
    assert _upload(client, _image(size, kind)).status_code == 303
    with app.app_context():
        saved = db.session.scalars(select(Forum).where(Forum.id == forum.id)).one()
        assert saved.logo_type == "image/png"
        with Image.open(io.BytesIO(saved.logo)) as stored:
            width, height = stored.size
    # 600 dpi at the largest logo box (22 × 14 mm), the shape kept.
    assert width <= PRINT_PIXELS[0] and height <= PRINT_PIXELS[1]
    assert max(width / PRINT_PIXELS[0], height / PRINT_PIXELS[1]) > 0.99
    assert abs(width / height - size[0] / size[1]) < 0.01


def test_a_small_logo_keeps_its_size_and_loses_its_metadata():
    out = io.BytesIO()
    Image.new("RGBA", (200, 100), (11, 83, 148, 128)).save(
        out, "PNG", pnginfo=_text_chunk("Author", "somebody@example.org")
    )
    data, media_type = prepare_logo(out.getvalue())
    assert media_type == "image/png" and b"somebody" not in data
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.size == (200, 100) and stored.mode == "RGBA"  # transparency kept


def _text_chunk(key: str, value: str):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text(key, value)
    return info


PLAIN_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 50">'
    b'<defs><linearGradient id="g"><stop offset="0" stop-color="#0b5394"/></linearGradient></defs>'
    b'<rect width="100" height="50" fill="url(#g)"/><circle cx="25" cy="25" r="20"/></svg>'
)
USE_BOMB = (
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
    b'<g id="a"><rect width="1" height="1"/></g>'
    + b"".join(
        f'<g id="{chr(98 + n)}"><use xlink:href="#{chr(97 + n)}"/><use xlink:href="#{chr(97 + n)}"/></g>'.encode()
        for n in range(20)
    )
    + b"</svg>"
)


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        (USE_BOMB, "use elements"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>',
            "image elements",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(http://example.org/a#b)"/></svg>',
            "refer to other files",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><filter id="f"><feGaussianBlur/></filter></svg>',
            "filter elements",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg">'
            + b'<rect width="1" height="1"/>' * (MAX_SVG_ELEMENTS + 1)
            + b"</svg>",
            "too many parts",
        ),
        (b"<svg><rect></svg>", "cannot be read"),
    ],
)
def test_svg_logos_that_could_be_a_render_bomb_or_reach_out_are_refused(svg, message):
    with pytest.raises(BadLogo, match=message):
        prepare_logo(svg)


def test_a_plain_svg_logo_is_kept_as_it_is():
    assert prepare_logo(PLAIN_SVG) == (PLAIN_SVG, "image/svg+xml")


@needs_poppler
@pytest.mark.parametrize("logo", [PLAIN_SVG, _image((3000, 2000), "JPEG")])
def test_badges_draw_an_accepted_logo(app, forum, make_registration, logo):
    registration = make_registration(forum)
    with app.app_context():
        services.update_settings(
            forum.id, colour="#112233", colours={}, logo=logo, staff_user_id=None
        )
        from maruf_reg.models import Registration

        pdf = services.render_badges([db.session.get(Registration, registration.id)])
    assert page_count(pdf) == 1
