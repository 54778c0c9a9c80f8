"""Names of the codes the reports show (categories, statuses, session kinds), in the page's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from maruf_reg.categories import CATEGORY_LABELS
from maruf_reg.models import Category, RegistrationStatus, SessionKind

#: The one label of each category (`maruf_reg/categories.py`).
CATEGORIES = CATEGORY_LABELS

#: The category's colour in every chart.
CATEGORY_COLOURS = {
    Category.PARTICIPANT: "#0b5394",
    Category.SPEAKER: "#c0392b",
    Category.MODERATOR: "#8e44ad",
    Category.PRESS: "#16a085",
    Category.VIP: "#d4a017",
    Category.STAFF: "#7f8c8d",
}

STATUSES = {
    RegistrationStatus.CONFIRMED: _l("Confirmed"),
    RegistrationStatus.PENDING: _l("Awaiting approval"),
    RegistrationStatus.WAITLISTED: _l("Waitlisted"),
    RegistrationStatus.CANCELLED: _l("Cancelled"),
}

KINDS = {
    SessionKind.PANEL: _l("Panel"),
    SessionKind.WORKSHOP: _l("Workshop"),
    SessionKind.PLENARY: _l("Plenary"),
    SessionKind.SCREENING: _l("Screening"),
    SessionKind.EXHIBITION: _l("Exhibition"),
    SessionKind.INTERVIEW: _l("Interview"),
}
