"""What session kinds and roles are called on pages and in forms, in the reader's language."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from maruf_reg.models import RoleKind, SessionKind

KIND_LABELS: dict[SessionKind, Any] = {
    SessionKind.PANEL: _l("Panel"),
    SessionKind.WORKSHOP: _l("Workshop"),
    SessionKind.PLENARY: _l("Plenary"),
    SessionKind.SCREENING: _l("Film screening"),
    SessionKind.EXHIBITION: _l("Exhibition"),
    SessionKind.INTERVIEW: _l("Interview"),
}

ROLE_LABELS: dict[RoleKind, Any] = {
    RoleKind.SPEAKER: _l("Speaker"),
    RoleKind.MODERATOR: _l("Moderator"),
    RoleKind.CHAIR: _l("Chair"),
}

#: headings of the groups on a session page, in the order they are shown
ROLE_GROUPS: list[tuple[RoleKind, Any]] = [
    (RoleKind.CHAIR, _l("Chair")),
    (RoleKind.MODERATOR, _l("Moderation")),
    (RoleKind.SPEAKER, _l("Speakers")),
]


def kind_label(kind: SessionKind | str) -> str:
    return str(KIND_LABELS[SessionKind(kind)])


def role_label(role: RoleKind | str) -> str:
    return str(ROLE_LABELS[RoleKind(role)])
