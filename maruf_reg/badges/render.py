"""Badge PDFs from plain values: no app, no database, so that worker processes can run it.

What makes it fast (measured with `bench/badges.py`):
- a document's cost grows faster than its page count: batches are cut into chunks of 100 badges,
  rendered in one worker process per core, and joined with pypdf;
- QR codes are PNGs with one pixel per module, scaled up with `image-rendering: pixelated`, made
  with a fixed mask pattern (qr.py);
- every badge is a handful of absolutely positioned boxes; font sizes and positions are classes,
  not style attributes; line breaks are newlines with `white-space: pre-line`, not `<br>`;
- a small default stylesheet instead of WeasyPrint's HTML one;
- one FontConfiguration per process.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import os
import pickle
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from maruf_reg.badges.fit import LINE_HEIGHT, MM, fit_lines
from maruf_reg.badges.layouts import LAYOUTS, Layout, TextBox
from maruf_reg.badges.qr import qr_png

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates" / "badges" / "pdf"
#: the script of a rendering process
WORKER = Path(__file__).resolve().with_name("worker.py")
#: badges in one document: larger documents slow down (WeasyPrint's layout grows faster than linear)
CHUNK_SIZE = 100

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ForumFace:
    """What every badge of a forum shows: its name and dates in each language, colour, logo."""

    titles: dict[str, str]
    dates: dict[str, str]
    colour: str
    logo: bytes | None = None
    logo_type: str | None = None


@dataclass(frozen=True)
class BadgeText:
    """One badge's texts, already in the badge's language, and its QR token."""

    registration_id: int
    token: str
    given_name: str
    family_name: str
    organisation: str
    #: the country's name in the badge's language
    country: str
    #: ``tr`` or ``en``: the forum's name, dates and role line are in it
    language: str
    category: str
    band_label: str
    band_colour: str
    #: "Speaker · <session title>" for people with a part in the programme, else empty
    role_line: str = ""
    #: ISO country code: chooses Chinese, Japanese or Korean glyphs for CJK names
    country_code: str = ""


# --- text direction, script, colours ----------------------------------------------------------


def direction(text: str) -> str:
    """``rtl`` when the first letter with a strong direction is Arabic or Hebrew, else ``ltr``."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def is_cjk(text: str) -> bool:
    return any(unicodedata.east_asian_width(char) in ("W", "F") for char in text)


_CJK_BY_COUNTRY = {
    "CN": "zh-Hans",
    "SG": "zh-Hans",
    "TW": "zh-Hant",
    "HK": "zh-Hant-HK",
    "MO": "zh-Hant-HK",
    "KR": "ko",
    "KP": "ko",
}


def cjk_language(text: str, country: str) -> str:
    """The language of a CJK name: by script for kana and hangul, else by the person's country.

    One CJK font (Noto Sans CJK JP) draws every CJK name; the language makes HarfBuzz pick the
    regional forms of the ideographs (OpenType `locl`). A second regional face would cost each
    rendering process about 30 MB.
    """
    for char in text:
        name = unicodedata.name(char, "")
        if name.startswith(("HIRAGANA", "KATAKANA")):
            return "ja"
        if name.startswith("HANGUL"):
            return "ko"
    return _CJK_BY_COUNTRY.get(country.upper(), "ja")


def ink_on(colour: str) -> str:
    """Black or white text, whichever reads better on `colour` (``#rrggbb``)."""
    try:
        red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    except (ValueError, IndexError):
        return "#ffffff"

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    # WCAG contrast against white (1.05 / (L + .05)) and black ((L + .05) / .05): take the larger.
    return "#ffffff" if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 else "#000000"


# --- one badge's view -------------------------------------------------------------------------


class _Classes:
    """Font sizes and name positions as classes of the document's stylesheet.

    Every badge has its own sizes, but a style attribute costs WeasyPrint more than a class, and the
    sizes come in half-point steps: a document uses a few dozen of them.
    """

    def __init__(self) -> None:
        self.sizes: set[int] = set()
        self.tops: set[int] = set()

    def size(self, points: float) -> str:
        tenths = round(points * 10)
        self.sizes.add(tenths)
        return f"f{tenths}"

    def top(self, millimetres: float) -> str:
        tenths = round(millimetres * 10)
        self.tops.add(tenths)
        return f"y{tenths}"


def _clean(text: str) -> str:
    """One line of text: every run of white space (line ends too) becomes one space."""
    return " ".join(text.split())


def _title_view(
    layout: Layout, face: ForumFace, language: str, classes: _Classes
) -> dict[str, Any]:
    box = layout.title_beside_logo if face.logo else layout.title
    title = _clean(face.titles.get(language) or next(iter(face.titles.values()), ""))
    dates = _clean(face.dates.get(language, ""))
    # The dates line is three quarters of the title's size.
    fit = fit_lines(
        [title],
        width_mm=box.width,
        height_mm=box.height - 0.75 * box.max_pt * LINE_HEIGHT / MM,
        max_pt=box.max_pt,
        min_pt=box.min_pt,
        bold=True,
    )
    return {
        "title": title,
        "dates": dates,
        "cls": classes.size(fit.size_pt),
        "dates_cls": classes.size(round(fit.size_pt * 0.75 * 2) / 2),
    }


def _badge_view(
    layout: Layout, badge: BadgeText, titles: dict[str, Any], classes: _Classes
) -> dict[str, Any]:
    given, family = _clean(badge.given_name), _clean(badge.family_name)
    cjk = is_cjk(given + family)
    if cjk:
        # East Asian names: family name first, on one line, without a space between CJK parts.
        joiner = "" if is_cjk(family[-1:]) and is_cjk(given[:1]) else " "
        lines = [joiner.join(part for part in (family, given) if part)]
    else:
        lines = [part for part in (given, family) if part]
    box = layout.name
    name_fit = fit_lines(
        lines,
        width_mm=box.width,
        height_mm=box.height,
        max_pt=box.max_pt,
        min_pt=box.min_pt,
        bold=True,
        prefer_lines=len(lines) + 1,
    )
    # Centred in its box; a name that cannot fit even at the smallest size starts at the top and
    # runs on: it is never cut.
    spare = max(0.0, box.height - name_fit.height_mm())
    organisation = _clean(badge.organisation)
    role_line = _clean(badge.role_line)

    def size(text: str, where: TextBox, *, bold: bool = False, max_lines: int | None = None) -> str:
        fit = fit_lines(
            [text],
            width_mm=where.width,
            height_mm=where.height,
            max_pt=where.max_pt,
            min_pt=where.min_pt,
            bold=bold,
            max_lines=max_lines,
        )
        return classes.size(fit.size_pt)

    # Made now, not when WeasyPrint asks for it: WeasyPrint would draw a badge without its QR
    # after a failed image; here the failure stops the document.
    qr_png(badge.token)
    band = layout.band
    band_box = TextBox(0, 0, band.width - 6, band.height * 0.8, band.max_pt, band.min_pt)
    return {
        "b": badge,
        "head": titles[badge.language],
        "name": "\n".join(lines),
        "name_cls": " ".join(
            [
                classes.size(name_fit.size_pt),
                classes.top(box.top + spare / 2),
                *(["rtl"] if direction(given + family) == "rtl" else []),
            ]
        ),
        "name_lang": cjk_language(given + family, badge.country_code) if cjk else "",
        "organisation": organisation,
        "org_cls": size(organisation, layout.organisation)
        + (" rtl" if direction(organisation) == "rtl" else ""),
        "country_cls": size(badge.country, layout.country, max_lines=1),
        "role_line": role_line,
        "role_cls": size(role_line, layout.role),
        "band_cls": size(badge.band_label, band_box, bold=True, max_lines=1)
        + " k"
        + badge.band_colour.lstrip("#"),
    }


# --- documents --------------------------------------------------------------------------------


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


@functools.cache
def _fetcher_class() -> type[Any]:
    # WeasyPrint is imported when a badge is rendered, not with this module: the process that only
    # hands batches to worker processes stays small.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class Fetcher(URLFetcher):  # type: ignore[misc]
        """Gives WeasyPrint the QR codes (``qr:TOKEN``) and the forum logo (``logo:``), and
        nothing else: a logo (SVG) or a name can never make the renderer read a file or call a
        server."""

        def __init__(self, face: ForumFace) -> None:
            super().__init__(allowed_protocols=("qr", "logo"))
            self.face = face

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if url.startswith("qr:"):
                return URLFetcherResponse(url, qr_png(url[3:]), {"Content-Type": "image/png"})
            if url == "logo:" and self.face.logo:
                return URLFetcherResponse(
                    url, self.face.logo, {"Content-Type": self.face.logo_type or "image/png"}
                )
            raise ValueError(f"badges load no resource from {url[:40]!r}")

    return Fetcher


#: What badges need of a browser's default stylesheet. WeasyPrint's own (HTML 5's, a few hundred
#: rules, many of them tested against every element) took a third of the layout time of a badge.
UA_STYLESHEET = """
html, body, div, p { display: block }
head, style, title, meta, script, template { display: none }
"""


@functools.cache
def _html_class() -> type[Any]:
    from weasyprint import CSS, HTML

    stylesheet = CSS(string=UA_STYLESHEET)

    class BadgeHTML(HTML):  # type: ignore[misc]
        """An HTML document with the small default stylesheet above (WeasyPrint 70's hook)."""

        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [stylesheet]

    return BadgeHTML


_per_thread = threading.local()


def _font_config() -> Any:
    # One per thread, kept: fontconfig and Pango's font map are set up once, not for every badge
    # (Pango's font map is not made to be shared between threads: web servers and the job worker
    # render in several).
    config = getattr(_per_thread, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _per_thread.font_config = FontConfiguration()
    return config


def render_html(badges: Sequence[BadgeText], *, layout: str, face: ForumFace) -> str:
    """The HTML of a document of badges (for tests and the look of a layout)."""
    chosen = LAYOUTS[layout]
    classes = _Classes()
    titles = {
        language: _title_view(chosen, face, language, classes)
        for language in sorted({b.language for b in badges})
    }
    views = [_badge_view(chosen, badge, titles, classes) for badge in badges]
    colours = sorted({b.band_colour.lstrip("#") for b in badges})
    template = _environment().get_template(f"{layout}.html")
    return template.render(
        L=chosen,
        face=face,
        face_ink=ink_on(face.colour),
        bands=[(colour, ink_on(f"#{colour}")) for colour in colours],
        sizes=sorted(classes.sizes),
        tops=sorted(classes.tops),
        badges=views,
        pages=[views[i : i + chosen.per_page] for i in range(0, len(views), chosen.per_page)],
    )


def render_pdf(badges: Sequence[BadgeText], *, layout: str, face: ForumFace) -> bytes:
    """One PDF of these badges, in this order, rendered in this process."""
    html = _html_class()(
        string=render_html(badges, layout=layout, face=face), url_fetcher=_fetcher_class()(face)
    )
    pdf: bytes = html.write_pdf(font_config=_font_config())
    return pdf


def release_memory() -> None:
    """Give freed memory back to the system (glibc keeps it for the process otherwise)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def render_chunk(task: tuple[list[BadgeText], str, ForumFace, str]) -> tuple[str, int]:
    """Render a chunk into a file of the batch's temporary folder (in a worker process)."""
    badges, layout, face, path = task
    Path(path).write_bytes(render_pdf(badges, layout=layout, face=face))
    release_memory()
    return path, len(badges)


def _chunks(badges: Sequence[BadgeText], size: int) -> Iterator[list[BadgeText]]:
    for start in range(0, len(badges), size):
        yield list(badges[start : start + size])


def _join(parts: Sequence[str], out: str) -> None:
    from pypdf import PdfWriter

    if len(parts) == 1:
        shutil.copyfile(parts[0], out)
        return
    writer = PdfWriter()
    for part in parts:
        writer.append(part, import_outline=False)
    with open(out, "wb") as handle:
        writer.write(handle)


class _Workers:
    """Worker processes (`python .../badges/worker.py`) that render chunks in parallel.

    Plain subprocesses rather than a multiprocessing pool: no fork server and no resource tracker
    process beside them (less memory), and nothing inherited from the process that starts them.
    """

    def __init__(self, count: int) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []
        try:
            for _ in range(count):
                self.processes.append(
                    subprocess.Popen(  # noqa: S603 (this Python, our script)
                        [sys.executable, str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
                    )
                )
        except BaseException:
            self.kill()
            raise

    def _serve(
        self,
        process: subprocess.Popen[bytes],
        tasks: queue.SimpleQueue[tuple[int, Any]],
        answers: queue.SimpleQueue[tuple[int, Any]],
    ) -> None:
        assert process.stdin is not None and process.stdout is not None
        while True:
            try:
                number, task = tasks.get_nowait()
            except queue.Empty:
                return
            try:
                pickle.dump(task, process.stdin)
                process.stdin.flush()
                # Our own worker, through a pipe.
                answer = pickle.load(process.stdout)  # noqa: S301  # nosec B301
            except (OSError, EOFError, pickle.UnpicklingError) as error:
                answers.put((number, ("failed", f"a badge worker process died: {error!r}")))
                return
            answers.put((number, answer))
            if answer[0] != "done":
                return

    def imap(self, work: Sequence[Any]) -> Iterator[tuple[str, int]]:
        """Each task's result, in the order of the tasks."""
        tasks: queue.SimpleQueue[tuple[int, Any]] = queue.SimpleQueue()
        answers: queue.SimpleQueue[tuple[int, Any]] = queue.SimpleQueue()
        for numbered in enumerate(work):
            tasks.put(numbered)
        threads = [
            threading.Thread(target=self._serve, args=(p, tasks, answers), daemon=True)
            for p in self.processes
        ]
        for thread in threads:
            thread.start()
        waiting: dict[int, Any] = {}
        for number in range(len(work)):
            while number not in waiting:
                got, answer = answers.get()
                if answer[0] != "done":
                    raise RuntimeError(f"rendering badges failed:\n{answer[1]}")
                waiting[got] = answer
            _status, path, count = waiting.pop(number)
            yield path, count

    def close(self) -> None:
        for process in self.processes:
            if process.stdin:
                process.stdin.close()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def kill(self) -> None:
        for process in self.processes:
            process.kill()
        for process in self.processes:
            process.wait()


def write_pdf(
    badges: Sequence[BadgeText],
    *,
    layout: str,
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
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    chunk_size = max(chunk_size, 1)
    # Chunks hold whole pages: a 4-up sheet is never split between two documents.
    per_page = LAYOUTS[layout].per_page
    chunk_size = max(per_page, chunk_size - chunk_size % per_page)
    # Named after the file being made, so that whoever cleans up after a crash finds it.
    folder = tempfile.mkdtemp(prefix=f"{out.name}.chunks-", dir=out.parent)
    try:
        tasks = [
            (chunk, layout, face, os.path.join(folder, f"{n:05d}.pdf"))
            for n, chunk in enumerate(_chunks(badges, chunk_size))
        ]
        workers = min(workers or os.cpu_count() or 1, len(tasks))
        parts: list[str] = []
        done = 0
        if workers <= 1:
            results: Iterator[tuple[str, int]] = map(render_chunk, tasks)
            for path, count in results:
                parts.append(path)
                done += count
                if progress:
                    progress(done)
        else:
            pool = _Workers(workers)
            try:
                for path, count in pool.imap(tasks):
                    parts.append(path)
                    done += count
                    if progress:
                        progress(done)
            except BaseException:
                pool.kill()
                raise
            pool.close()
        partial = os.path.join(folder, "joined.pdf")
        _join(parts, partial)
        os.replace(partial, out)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
