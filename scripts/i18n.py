"""Translation catalogues: one per capability, in Turkish and Arabic (English is the source
language, written in the code and templates).

    python scripts/i18n.py extract   # update the .po files from the code and templates
    python scripts/i18n.py compile   # .po → .mo (make does this before running or testing)
    python scripts/i18n.py missing   # list the messages without a translation (empty or fuzzy)
    python scripts/i18n.py fill LOCALE FILE.json  # set translations: {"catalogue dir": {msgid: msgstr}}
                                                 # (a plural's msgstr is a list, one per form)

A fuzzy translation (a guess Babel marks when the English changed) counts as missing: gettext
would show the English text instead of it.

Catalogue "translations" (the core) covers maruf_reg/*.py, maruf_reg/auth/, templates/*.html and
templates/auth/; each capability's covers maruf_reg/<capability>/ and templates/<capability>/.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from babel.messages.frontend import CommandLineInterface

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "maruf_reg"
CAPABILITIES = ("program", "registration", "badges", "checkin", "reports", "messages")
LOCALES = ("tr", "ar")


def catalogues() -> dict[Path, str]:
    """Translation folder → Babel mapping of the files it covers."""
    result = {
        PACKAGE / "translations": (
            "[python: maruf_reg/*.py]\n[python: maruf_reg/auth/**.py]\n[python: maruf_reg/models/**.py]\n"
            "[jinja2: templates/*.html]\n[jinja2: templates/auth/**.html]\n"
        )
    }
    for capability in CAPABILITIES:
        result[PACKAGE / capability / "translations"] = (
            f"[python: maruf_reg/{capability}/**.py]\n[jinja2: templates/{capability}/**.html]\n"
            f"[jinja2: templates/{capability}/**.txt]\n[jinja2: templates/{capability}/**.ics]\n"
        )
    return result


def run(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract() -> None:
    for folder, mapping in catalogues().items():
        with tempfile.TemporaryDirectory() as temp:
            cfg, pot = Path(temp) / "babel.cfg", Path(temp) / "messages.pot"
            cfg.write_text(mapping)
            run(
                "extract",
                "-F",
                str(cfg),
                "-k",
                "_l",
                "-k",
                "lazy_gettext",
                "--no-location",
                "--sort-output",
                "-o",
                str(pot),
                str(ROOT),
            )
            for locale in LOCALES:
                po = folder / locale / "LC_MESSAGES" / "messages.po"
                if po.exists():
                    run(
                        "update",
                        "-i",
                        str(pot),
                        "-d",
                        str(folder),
                        "-l",
                        locale,
                        "--no-fuzzy-matching",
                        "--ignore-obsolete",
                    )
                else:
                    run("init", "-i", str(pot), "-d", str(folder), "-l", locale)
                rewrap(po)


def rewrap(po: Path) -> None:
    """Lines of 100 characters, as `fill` writes them: `extract` then changes only what changed."""
    from babel.messages.pofile import read_po, write_po

    with po.open("rb") as handle:
        catalogue = read_po(handle)
    with po.open("wb") as handle:
        write_po(handle, catalogue, width=100, sort_output=True, omit_header=False)


def compile_all() -> None:
    for folder in catalogues():
        if folder.is_dir():
            run("compile", "-d", str(folder))


def _po_files() -> list[Path]:
    return [f / loc / "LC_MESSAGES" / "messages.po" for f in catalogues() for loc in LOCALES]


def untranslated(po: Path) -> list[str]:
    """The messages of a catalogue without a usable translation: empty (any plural form) or fuzzy."""
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalogue = read_po(handle)
    found = []
    for message in catalogue:
        if not message.id:
            continue
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if message.fuzzy or not strings or not all(s.strip() for s in strings):
            found.append(message.id if isinstance(message.id, str) else message.id[0])
    return found


def missing() -> int:
    count = 0
    for po in _po_files():
        if not po.exists():
            print(f"{po.relative_to(ROOT)}: the catalogue is missing")
            count += 1
            continue
        for message_id in untranslated(po):
            count += 1
            print(f"{po.relative_to(ROOT)}: {message_id!r}")
    return count


def fill(locale: str, source: Path) -> None:
    import json

    from babel.messages.pofile import read_po, write_po

    wanted: dict[str, dict[str, str | list[str]]] = json.loads(source.read_text(encoding="utf-8"))
    for folder, strings in wanted.items():
        po = ROOT / folder / locale / "LC_MESSAGES" / "messages.po"
        with po.open("rb") as handle:
            catalogue = read_po(handle)
        for message in catalogue:
            key = message.id if isinstance(message.id, str) else message.id[0]
            if key in strings:
                value = strings[key]
                message.string = tuple(value) if isinstance(message.id, tuple) else str(value)
                message.flags.discard("fuzzy")
        with po.open("wb") as handle:
            write_po(handle, catalogue, width=100, sort_output=True, omit_header=False)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "extract":
        extract()
    elif command == "compile":
        compile_all()
    elif command == "missing":
        sys.exit(1 if missing() else 0)
    elif command == "fill" and len(sys.argv) == 4:
        fill(sys.argv[2], Path(sys.argv[3]))
    else:
        sys.exit(__doc__)
