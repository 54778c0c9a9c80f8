"""Every message is translated: the Turkish and Arabic catalogues (English is the source language,
written in the code) hold every message the code and templates use, none empty, none fuzzy (a
fuzzy translation is Babel's guess, and gettext shows the English instead of it), with the same
placeholders as the English."""

from __future__ import annotations

import importlib.util
import io

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext

from tests.conftest import ROOT

_spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
assert _spec and _spec.loader
i18n = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(i18n)

CATALOGUES = sorted(i18n.catalogues(), key=str)
LOCALES = i18n.LOCALES


def test_the_interface_has_three_languages(app):
    assert set(LOCALES) == {"tr", "ar"}  # and English, the source
    assert set(app.config["LANGUAGES"]) == {"tr", "en", "ar"}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("folder", CATALOGUES, ids=lambda f: str(f.relative_to(ROOT)))
def test_no_message_is_untranslated_or_fuzzy(folder, locale):
    po = folder / locale / "LC_MESSAGES" / "messages.po"
    assert po.exists(), f"{po} is missing: run python scripts/i18n.py extract"
    assert i18n.untranslated(po) == []


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("folder", CATALOGUES, ids=lambda f: str(f.relative_to(ROOT)))
def test_translations_keep_the_placeholders_of_the_english(folder, locale):
    with (folder / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    problems = [
        f"{message.id!r}: {'; '.join(str(e) for e in errors)}"
        for message, errors in catalogue.check()
        if errors
    ]
    assert problems == []


def _used_messages(mapping: str) -> set[str]:
    """The messages the code and templates use, for one catalogue's Babel mapping."""
    from babel.messages.frontend import parse_mapping_cfg

    method_map, options_map = parse_mapping_cfg(io.StringIO(mapping))
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    return {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords)
    }


@pytest.mark.parametrize("folder", CATALOGUES, ids=lambda f: str(f.relative_to(ROOT)))
def test_the_catalogues_hold_every_message_the_code_uses(folder):
    used = _used_messages(i18n.catalogues()[folder])
    for locale in LOCALES:
        with (folder / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
        missing = sorted(used - known)
        assert missing == [], f"{locale}: run python scripts/i18n.py extract, then translate"


def test_the_turkish_certificate_for_one_session_speaks_turkish(app):
    with app.app_context(), force_locale("tr"):
        sentence = gettext("attended the following session of the %(forum)s:", forum="MARUF")
    assert sentence.startswith("adlı katılımcının MARUF kapsamındaki aşağıdaki oturuma")


@pytest.mark.parametrize("folder", CATALOGUES, ids=lambda f: str(f.relative_to(ROOT)))
def test_arabic_plurals_use_the_accusative_for_eleven_to_ninety_nine(folder):
    """Arabic counts 11–99 things in the accusative singular ("11 مقعدًا") and 100 in the genitive
    ("100 مقعد"). The catalogue's plural formula puts 100–102 in form 4 and 11–99 in form 5
    (not CLDR's order): a translation written in CLDR's order says "11 مقعد", "100 مقعدًا"."""
    catalogue = read_po((folder / "ar" / "LC_MESSAGES" / "messages.po").open("rb"))
    assert catalogue.plural_expr.endswith("n%100>=0 && n%100<=2 ? 4 : 5)")
    fathatan = "\u064b"
    swapped = [
        message.id[0]
        for message in catalogue
        if message.id and message.pluralizable
        if fathatan in message.string[4] and fathatan not in message.string[5]
    ]
    assert swapped == []
