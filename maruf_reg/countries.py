"""Countries: ISO 3166-1 codes from pycountry, names in the reader's language from Babel (CLDR)."""

from __future__ import annotations

import functools

import pycountry
from babel import Locale

from maruf_reg.names import sort_key


@functools.cache
def codes() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries)


def is_country(code: str) -> bool:
    return code.upper() in codes()


@functools.cache
def _names(locale: str) -> dict[str, str]:
    territories = Locale.parse(locale).territories
    names = {}
    for code in codes():
        fallback = pycountry.countries.get(alpha_2=code)
        names[code] = territories.get(code) or (fallback.name if fallback else code)
    return names


def country_name(code: str | None, locale: str = "en") -> str:
    """The country's name in `locale` ("TR" → "Türkiye"); empty for an empty code."""
    if not code:
        return ""
    return _names(locale).get(code.upper(), code)


@functools.cache
def country_choices(locale: str) -> list[tuple[str, str]]:
    """(code, name) pairs sorted by name in the collation of `locale` (Çin after Cezayir in Turkish)."""
    names = _names(locale)
    return sorted(names.items(), key=lambda item: sort_key(item[1], locale))
