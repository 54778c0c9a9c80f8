"""The scanner's answer texts as the page gives them to its script, in tr, en and ar."""

from __future__ import annotations

import json
import re


def test_the_room_full_line_needs_no_plural(client, login, forum, make_point):
    """ "3 inside, 1 places." read wrong with one place (and Arabic has six plural forms): the
    line is a label and a figure."""
    door = make_point(forum, name="Salon 1")
    login("door")
    for lang, line in (
        ("en", "Inside: %(inside)s; places: %(capacity)s."),
        ("tr", "İçeride: %(inside)s; yer sayısı: %(capacity)s."),
        ("ar", "في الداخل: %(inside)s؛ عدد الأماكن: %(capacity)s."),
    ):
        html = client.get(f"/checkin/{door.id}?lang={lang}").get_data(as_text=True)
        found = re.search(
            r'<script type="application/json" id="checkin-strings">(.*?)</script>', html
        )
        assert found is not None
        assert json.loads(found.group(1))["room_count"] == line
