"""Badge PDFs from plain values: no app, no database, so that worker processes can run it.

What makes it fast (measured with `bench/badges.py`):
- a document's cost grows faster than its page count: batches are cut into chunks of 100 badges,
  rendered in one worker process per core, and joined with pikepdf;
- what many badges share (header, logo, band) is drawn once and laid under the pages (backdrop.py);
- each badge is a handful of absolutely positioned boxes; the stylesheet, the fonts and the small
  default stylesheet are set up once per process (engine.py, document.py);
- QR codes are PNGs with one pixel per module, scaled up with `image-rendering: pixelated`, made
  with a fixed mask pattern and version (qr.py).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from maruf_reg.badges import pdfparts
from maruf_reg.badges.layouts import LAYOUTS, Layout
from maruf_reg.badges.texts import BadgeText, ForumFace

__all__ = ["BadgeText", "ForumFace", "render_chunk", "render_pdf", "write_pdf"]

#: badges in one document: larger documents slow down (WeasyPrint's layout grows faster than linear)
CHUNK_SIZE = 100

Progress = Callable[[int], None]
#: one chunk for a rendering process: badges, layout, face, the file to write, its first font tag
Task = tuple[list[BadgeText], Layout, ForumFace, str, int]


def _layout(layout: str | Layout) -> Layout:
    if isinstance(layout, Layout):
        return layout
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    return LAYOUTS[layout]


def render_pdf(
    badges: Sequence[BadgeText],
    *,
    layout: str | Layout,
    face: ForumFace,
    tag_first: int | None = None,
) -> bytes:
    """One PDF of these badges, in this order, rendered in this process."""
    from maruf_reg.badges import backdrop, document, engine

    chosen = _layout(layout)
    html, images = document.render_html(badges, layout=chosen)
    pdf = engine.write_pdf(html, css=document.stylesheet(chosen), images=images)
    kinds = [(badge.language, badge.category) for badge in badges]
    return pdfparts.finish(
        pdf,
        tag_first=pdfparts.new_tag_base() if tag_first is None else tag_first,
        underlay=lambda pdf: backdrop.lay_under(pdf, layout=chosen, face=face, kinds=kinds),
    )


def release_memory() -> None:
    """Give freed memory back to the system (glibc keeps it for the process otherwise)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def render_chunk(task: Task) -> tuple[str, int]:
    """Render a chunk into a file of the batch's temporary folder (in a worker process)."""
    badges, layout, face, path, tag_first = task
    Path(path).write_bytes(render_pdf(badges, layout=layout, face=face, tag_first=tag_first))
    release_memory()
    return path, len(badges)


def _chunks(badges: Sequence[BadgeText], size: int) -> Iterator[list[BadgeText]]:
    for start in range(0, len(badges), size):
        yield list(badges[start : start + size])


def _render_all(tasks: list[Task], workers: int) -> Iterator[tuple[str, int]]:
    """Each chunk's file and size, in order: in this process, or in `workers` processes."""
    if workers <= 1:
        yield from map(render_chunk, tasks)
        return
    from maruf_reg.badges.pool import Workers

    pool = Workers(workers)
    try:
        yield from pool.imap(tasks)
    except BaseException:
        pool.kill()
        raise
    pool.close()


def write_pdf(
    badges: Sequence[BadgeText],
    *,
    layout: str | Layout,
    face: ForumFace,
    out: Path,
    progress: Progress | None = None,
    workers: int | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> None:
    """Render the badges into `out` (written whole or not at all: a temporary file is renamed).

    Batches larger than a chunk are rendered in `workers` processes (default: one per core);
    `progress(n)` is called with the number of badges done so far, in order.
    """
    chosen = _layout(layout)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Chunks hold whole pages: a 4-up sheet is never split between two documents.
    per_page = chosen.per_page
    chunk_size = max(per_page, max(chunk_size, 1) - max(chunk_size, 1) % per_page)
    # Named after the file being made, so that whoever cleans up after a crash finds it.
    folder = tempfile.mkdtemp(prefix=f"{out.name}.chunks-", dir=out.parent)
    try:
        tag_base = pdfparts.new_tag_base()
        tasks: list[Task] = [
            (
                chunk,
                chosen,
                face,
                os.path.join(folder, f"{n:05d}.pdf"),
                tag_base + n * pdfparts.TAGS_PER_CHUNK,
            )
            for n, chunk in enumerate(_chunks(badges, chunk_size))
        ]
        parts: list[str] = []
        done = 0
        workers = min(workers or os.cpu_count() or 1, len(tasks))
        for path, count in _render_all(tasks, workers):
            parts.append(path)
            done += count
            if progress:
                progress(done)
        partial = os.path.join(folder, "joined.pdf")
        pdfparts.join(parts, partial)
        os.replace(partial, out)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
