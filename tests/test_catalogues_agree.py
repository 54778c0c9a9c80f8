"""Flask-Babel merges every capability's catalogue into one: a message written the same in two
capabilities must be translated the same in both, or one silently wins over the other."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from babel.messages.pofile import read_po

PACKAGE = Path(__file__).resolve().parent.parent / "maruf_reg"


def test_a_message_has_one_translation_in_every_catalogue_of_a_language():
    catalogues = sorted(PACKAGE.rglob("translations/*/LC_MESSAGES/messages.po"))
    assert catalogues, "no catalogues found"
    found: dict[tuple[str, object], dict[object, list[str]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for po in catalogues:
        language = po.parts[-3]
        with po.open("rb") as handle:
            for message in read_po(handle):
                if message.id and message.string and not message.fuzzy:
                    key = message.id if isinstance(message.id, str) else tuple(message.id)
                    value = (
                        message.string if isinstance(message.string, str) else tuple(message.string)
                    )
                    found[(language, key)][value].append(str(po.relative_to(PACKAGE)))
    disagreements = {key: dict(values) for key, values in found.items() if len(values) > 1}
    assert disagreements == {}
