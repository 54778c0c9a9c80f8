"""Speakers' portraits for the public pages: small JPEG copies of the photo a speaker uploaded.

The upload was checked and re-encoded as JPEG when it came (`registration/speakers.prepare_photo`:
no EXIF, at most 1200 px); the public pages show it at most `SIDE` pixels wide, made here once
and kept in memory (a session page shows a handful, the speakers page a few hundred).
"""

from __future__ import annotations

import functools
import hashlib
import io

#: the longest side of a portrait on the public pages (twice its largest size in CSS pixels)
SIDE = 400


def portrait_etag(photo: bytes) -> str:
    return hashlib.sha256(photo).hexdigest()[:32]


@functools.lru_cache(maxsize=512)
def _scaled(photo: bytes) -> bytes:
    from PIL import Image  # imported by the first portrait, not by every web worker

    with Image.open(io.BytesIO(photo)) as image:
        image.load()
        copy = image.convert("RGB")
    copy.thumbnail((SIDE, SIDE))
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=82, optimize=True)
    return out.getvalue()


def portrait_jpeg(photo: bytes) -> bytes:
    """The portrait at most `SIDE` pixels on its longer side, as JPEG."""
    return _scaled(photo)
