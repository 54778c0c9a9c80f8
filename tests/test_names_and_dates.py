"""People's names, lists in the reader's alphabet, and dates and times as each language writes them
(`maruf_reg/names.py`, `maruf_reg/dates.py`)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from maruf_reg import dates, names
from maruf_reg.names import display_name, name_parts, person_sort_key, sort_key, sorted_by

ROOT = Path(__file__).resolve().parent.parent
ISTANBUL = ZoneInfo("Europe/Istanbul")


# --- sorting -----------------------------------------------------------------------------------


def test_turkish_names_sort_in_the_turkish_alphabet():
    names = ["Zeynep", "Ümit", "Uğur", "Şule", "Sena", "Ömer", "Osman", "İlkay", "Işık", "Ilgaz",
             "Gül", "Ğ", "Çelik", "Cem", "Ayşe", "Ağah", "Ahmet"]  # fmt: skip
    assert sorted(names, key=lambda n: sort_key(n, "tr")) == [
        "Ağah", "Ahmet", "Ayşe",  # ğ sorts after g and before h, so Ağah before Ayşe
        "Cem", "Çelik",  # every C before any Ç
        "Gül", "Ğ",
        "Ilgaz", "Işık", "İlkay",  # dotless I before dotted İ
        "Osman", "Ömer",
        "Sena", "Şule",
        "Uğur", "Ümit",
        "Zeynep",
    ]  # fmt: skip


def test_english_readers_find_accented_names_with_their_base_letter():
    names = ["Zeynep", "Öztürk", "Oliver", "Çelik", "Davies"]
    assert sorted(names, key=lambda n: sort_key(n, "en")) == [
        "Çelik", "Davies", "Oliver", "Öztürk", "Zeynep"
    ]  # fmt: skip


def test_people_sort_by_family_name_then_given_name_in_the_readers_collation():
    people = [("Zeynep", "Çelik"), ("Ali", "Cengiz"), ("Mehmet", "Çelik"), ("Ahmad", "")]
    ordered = sorted(people, key=lambda p: person_sort_key(*p, "tr"))
    assert ordered == [("Ahmad", ""), ("Ali", "Cengiz"), ("Mehmet", "Çelik"), ("Zeynep", "Çelik")]


def test_sorted_by_numbers_inside_names_as_numbers():
    rooms = sorted_by(["Salon 10", "Salon 2", "Salon 1"], key=str, locale="tr")
    assert rooms == ["Salon 1", "Salon 2", "Salon 10"]


# --- name order --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "family", "written"),
    [
        ("Ayşe", "Öztürk", "Ayşe Öztürk"),
        ("محمد", "الحلبي", "محمد الحلبي"),
        ("秀英", "王", "王秀英"),  # Chinese: family name first, no space
        ("花子", "山田", "山田花子"),  # Japanese
        ("민준", "김", "김민준"),  # Korean
        ("Wei", "王", "王 Wei"),  # a CJK family name with a Latin given name keeps a space
        ("Madonna", "", "Madonna"),
        ("  Ayşe ", " Öztürk ", "Ayşe Öztürk"),
    ],
)
def test_names_are_written_in_the_order_of_their_script(given, family, written):
    assert display_name(given, family) == written


def test_the_short_cut_for_names_below_hangul_jamo_skips_no_family_first_script():
    """`is_cjk` answers "no" at once for a name written only below U+1100; no character there may
    belong to a family-name-first script, and every one of those scripts must still be found."""
    below = [chr(code) for code in range(0x1100) if not 0xD800 <= code <= 0xDFFF]
    assert not any(names._is_cjk_char(char) for char in below)
    assert not names.is_cjk("".join(below))
    for char in ("\u1100", "ㄱ", "가", "あ", "ア", "ㇰ", "王", "\U00020000"):
        assert names.is_cjk("Ayşe" + char), repr(char)


def test_name_parts_are_in_reading_order_for_lines_on_a_badge():
    assert name_parts("秀英", "王") == ["王", "秀英"]
    assert name_parts("Ayşe", "Öztürk") == ["Ayşe", "Öztürk"]
    assert name_parts("Ayşe", "") == ["Ayşe"]


def test_a_persons_name_on_pages_follows_the_same_rule(make_person):
    person = make_person(given_name="秀英", family_name="王")
    assert person.name == "王秀英"


# --- dates and times ---------------------------------------------------------------------------

#: 4 January 2027, 09:05 in Istanbul (06:05 UTC): a day and month that a numeric date would swap.
MOMENT = datetime(2027, 1, 4, 6, 5, tzinfo=UTC)

EXPECTED = {
    "en": {
        "time": "09:05",
        "date": "Monday 4 January 2027",
        "day": "Monday 4 January",
        "day_short": "Mon 4 Jan",
        "date_short": "4 Jan 2027",
        "datetime": "4 Jan 2027, 09:05",
        "datetime_long": "Monday 4 January 2027, 09:05",
        "day_time": "Mon 4 Jan, 09:05",
        "weekday_time": "Mon 09:05",
    },
    "tr": {
        "time": "09:05",
        "date": "4 Ocak 2027 Pazartesi",
        "day": "4 Ocak Pazartesi",
        "day_short": "4 Oca Pzt",
        "date_short": "4 Oca 2027",
        "datetime": "4 Oca 2027 09:05",
        "datetime_long": "4 Ocak 2027 Pazartesi, 09:05",
        "day_time": "4 Oca Pzt, 09:05",
        "weekday_time": "Pzt 09:05",
    },
    "ar": {
        "time": "09:05",
        "date": "الاثنين، 4 يناير 2027",
        "day": "الاثنين، 4 يناير",
        "date_short": "4 يناير 2027",
        "datetime": "4 يناير 2027، 09:05",
        "datetime_long": "الاثنين، 4 يناير 2027، 09:05",
        "weekday_time": "الاثنين 09:05",
    },
}


@pytest.mark.parametrize("locale", sorted(EXPECTED))
def test_each_language_writes_dates_with_month_names_and_a_24_hour_clock(locale):
    for style, expected in EXPECTED[locale].items():
        assert dates.format_moment(MOMENT, style, locale=locale, zone=ISTANBUL) == expected, style
    afternoon = datetime(2027, 1, 4, 13, 30, tzinfo=UTC)  # 16:30 in Istanbul
    for style in dates.STYLES:
        shown = dates.format_moment(afternoon, style, locale=locale, zone=ISTANBUL)
        assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b", shown), (style, shown)
        assert not re.search(r"\b(AM|PM|ÖÖ|ÖS|ص|م)\b", shown), (style, shown)
        if "time" in style:
            assert "16:30" in shown, (style, shown)


@pytest.mark.parametrize(
    ("locale", "same_month", "two_months", "session"),
    [
        (
            "en",
            "1–3 October 2030",
            "30 September – 2 October 2030",
            "Tuesday 1 October, 11:00–12:30",
        ),
        ("tr", "1–3 Ekim 2030", "30 Eylül – 2 Ekim 2030", "1 Ekim Salı, 11:00–12:30"),
        ("ar", "1–3 أكتوبر 2030", "30 سبتمبر – 2 أكتوبر 2030", "الثلاثاء، 1 أكتوبر، 11:00–12:30"),
    ],
)
def test_ranges_of_days_and_hours_read_the_same_way_in_each_language(
    locale, same_month, two_months, session
):
    assert dates.date_range(date(2030, 10, 1), date(2030, 10, 3), locale=locale) == same_month
    assert dates.date_range(date(2030, 9, 30), date(2030, 10, 2), locale=locale) == two_months
    start = datetime(2030, 10, 1, 8, tzinfo=UTC)
    end = datetime(2030, 10, 1, 9, 30, tzinfo=UTC)
    assert dates.session_when(start, end, locale=locale, zone=ISTANBUL) == session


def test_a_pattern_where_a_style_belongs_is_refused():
    with pytest.raises(dates.UnknownStyle):
        dates.format_moment(MOMENT, "HH:mm", locale="en", zone=ISTANBUL)


#: The one formatter is `maruf_reg/dates.py`; nothing else formats dates for people.
FORMATTING = re.compile(
    r"format_(date|datetime|time|interval|skeleton)\(|strftime\(|\|dateformat|\|datetimeformat|"
    r"\|timeformat|:%H:%M|local_time\(\"[^\"]*[ :,][^\"]*\"\)"
)
#: Files that may: the formatter itself, machine formats (file names, ISO 8601, SQLite's strftime).
ALLOWED = {
    "maruf_reg/dates.py",
    "maruf_reg/reports/exports.py",  # a file name's time stamp
    "maruf_reg/reports/sql.py",  # SQLite's strftime('%s') in a query
    "maruf_reg/checkin/answers.py",  # ISO 8601 in the API's answers
}


def test_every_date_for_people_goes_through_the_one_formatter():
    offenders = []
    for path in [*ROOT.glob("maruf_reg/**/*.py"), *ROOT.glob("templates/**/*.html"),
                 *ROOT.glob("templates/**/*.txt")]:  # fmt: skip
        relative = str(path.relative_to(ROOT))
        if relative in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if FORMATTING.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []
