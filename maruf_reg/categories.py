"""What each registration category is called, the one label everywhere: forms, lists, the personal
page, the door, reports and badges (in the reader's language).

Ground floor: the label is an idea several capabilities share, so none of them owns it.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from maruf_reg.models import Category

CATEGORY_LABELS: dict[Category, Any] = {
    Category.PARTICIPANT: _l("Participant"),
    Category.SPEAKER: _l("Speaker"),
    Category.MODERATOR: _l("Moderator"),
    Category.PRESS: _l("Press"),
    Category.VIP: _l("VIP"),
    Category.STAFF: _l("Staff"),
}


def category_label(category: Category | str) -> str:
    """The category's label in the current language ("Speaker", "Konuşmacı", "متحدث")."""
    return str(CATEGORY_LABELS[Category(category)])


def category_choices() -> list[tuple[str, str]]:
    """(code, label) of every category, in the order of the model's enum (for forms)."""
    return [(category.value, category_label(category)) for category in Category]
