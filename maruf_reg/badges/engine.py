"""WeasyPrint, set up once per process for badges.

What one document of badges costs, measured (`bench/badges.py --phases`, A6, 100 badges a document):
about 9 ms a document (the HTML parser, the cascade's set-up, the PDF's fonts) and 6 ms a badge
(layout 2.2, drawing and PDF 1.7, the boxes 0.6, the QR image 0.7 …). So what is shared is kept for
the life of the process — the small default stylesheet, each layout's stylesheet (parsed once: a
`CSS` object serves any number of documents), the font configuration (fontconfig and Pango's font
map) — and the parts of a badge that are the same on every badge are drawn once (backdrop.py).

WeasyPrint is imported when a badge is rendered, not with this module: web processes that never
render one stay small.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping
from typing import Any

#: What badges need of a browser's default stylesheet. WeasyPrint's own (HTML 5's, a few hundred
#: rules, many of them tested against every element) took a third of the layout time of a badge.
UA_STYLESHEET = """
html, body, div, p { display: block }
head, style, title, meta, script, template { display: none }
"""


@functools.cache
def _fetcher_class() -> type[Any]:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class Fetcher(URLFetcher):  # type: ignore[misc]
        """Gives WeasyPrint the document's own images (QR codes, the logo) by name, and nothing
        else: a logo (SVG) or a name can never make the renderer read a file or call a server."""

        def __init__(self, images: Mapping[str, tuple[bytes, str]]) -> None:
            super().__init__(allowed_protocols=("qr", "logo"))
            self.images = images

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            found = self.images.get(url)
            if found is None:
                raise ValueError(f"badges load no resource from {url[:40]!r}")
            data, media_type = found
            return URLFetcherResponse(url, data, {"Content-Type": media_type})

    return Fetcher


@functools.cache
def _html_class() -> type[Any]:
    from weasyprint import CSS, HTML

    stylesheet = CSS(string=UA_STYLESHEET)

    class BadgeHTML(HTML):  # type: ignore[misc]
        """An HTML document with the small default stylesheet above (WeasyPrint 70's hook)."""

        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [stylesheet]

    return BadgeHTML


@functools.lru_cache(maxsize=32)
def stylesheet(css: str) -> Any:
    """A parsed stylesheet, kept: each layout's is parsed once per process."""
    from weasyprint import CSS

    return CSS(string=css)


_per_thread = threading.local()


def font_config() -> Any:
    # One per thread, kept: fontconfig and Pango's font map are set up once, not for every badge
    # (Pango's font map is not made to be shared between threads: web servers and the job worker
    # render in several).
    config = getattr(_per_thread, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _per_thread.font_config = FontConfiguration()
    return config


def write_pdf(html: str, *, css: str, images: Mapping[str, tuple[bytes, str]]) -> bytes:
    """The PDF of `html` styled by `css` (kept parsed), with these images by URL."""
    document = _html_class()(string=html, url_fetcher=_fetcher_class()(images))
    pdf: bytes = document.write_pdf(stylesheets=[stylesheet(css)], font_config=font_config())
    return pdf


def render(html: str, *, css: str, images: Mapping[str, tuple[bytes, str]]) -> Any:
    """The laid-out WeasyPrint document (its boxes, for tests that measure them)."""
    document = _html_class()(string=html, url_fetcher=_fetcher_class()(images))
    return document.render(stylesheets=[stylesheet(css)], font_config=font_config())
