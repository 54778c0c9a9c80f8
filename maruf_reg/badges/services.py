"""Badges: who gets one, the token in its QR, rendering, print tracking and reprints.

Only confirmed registrations have a badge. A badge's serial changes only on a deliberate reprint (the
desk's reprint of a lost badge, or a batch with `reprint`): the new serial revokes the older ones.
Every badge printed by the desk or in a batch is a `BadgePrint` row; "unprinted" means no print of
the registration's current serial. A participant's own download is not a print.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from maruf_reg import audit, badge_tokens, people_search, personal_links
from maruf_reg.badges.content import (
    COLOUR_RE,
    badge_texts,
    band_colours,
    forum_face,
    token_for,
)
from maruf_reg.badges.errors import (
    N_,
    BadgeError,
    BadLogo,
    NotConfirmed,
    RegistrationNotFound,
    RevokedBadge,
    SelectionError,
    SerialsChanged,
)
from maruf_reg.badges.layouts import DEFAULT_LAYOUT, LAYOUTS, SHEET_MARGIN_MM, Layout, layout_for
from maruf_reg.badges.logo import MAX_BYTES, prepare_logo
from maruf_reg.badges.render import render_pdf, write_pdf
from maruf_reg.database import write_intent
from maruf_reg.extensions import db
from maruf_reg.models import (
    BadgePrint,
    Category,
    Forum,
    Person,
    Registration,
    RegistrationStatus,
    utcnow,
)

__all__ = [
    "BadLogo",
    "BadgeError",
    "NotConfirmed",
    "RegistrationNotFound",
    "RevokedBadge",
    "SelectionError",
    "SerialsChanged",
    "band_colours",
    "personal_badge",
    "print_one",
    "render_badges",
    "reprint",
    "token_for",
    "update_settings",
    "verify_badge",
    "write_badges",
]

#: logos are drawn on every badge: small files only
LOGO_MAX_BYTES = MAX_BYTES


def verify_badge(token: str, *, forum_id: int) -> Registration:
    """The registration a badge names, if the badge is valid now.

    badge_tokens.BadTokenError: not a token signed with this forum's key. RegistrationNotFound: signed,
    but for no registration of the forum. RevokedBadge: an older serial (a reprint revoked it) or a
    registration that is not confirmed (any more).
    """
    forum = db.session.get(Forum, forum_id)
    if forum is None or not forum.public_key:
        raise badge_tokens.BadTokenError("the forum has no signing key")
    claims = badge_tokens.verify(token, public_key=forum.public_key)
    registration = db.session.get(Registration, claims.registration_id)
    if registration is None or registration.forum_id != forum_id:
        raise RegistrationNotFound(
            N_("There is no registration %(id)s."), id=claims.registration_id
        )
    if claims.serial != registration.badge_serial:
        raise RevokedBadge(
            N_("Badge serial %(serial)s was replaced by serial %(current)s."),
            serial=claims.serial,
            current=registration.badge_serial,
        )
    if registration.status != RegistrationStatus.CONFIRMED:
        raise RevokedBadge(
            N_("Registration %(id)s is %(status)s."),
            id=registration.id,
            status=registration.status.value,
        )
    return registration


def check_layout(layout: str) -> None:
    """SelectionError unless `layout` is one of ours."""
    if layout not in LAYOUTS:
        raise SelectionError(
            N_("Unknown layout %(layout)s: choose one of %(choices)s."),
            layout=layout,
            choices=", ".join(LAYOUTS),
        )


# --- one badge --------------------------------------------------------------------------------


def render_badges(registrations: Sequence[Registration], *, layout: str = DEFAULT_LAYOUT) -> bytes:
    """The PDF of these confirmed registrations' badges (current serials), in this order.

    Rendered in this process (for a few badges; batches go through `write_badges`); records nothing.
    """
    check_layout(layout)
    if not registrations:
        raise SelectionError(N_("No registration to print."))
    texts = badge_texts(registrations)
    return render_pdf(texts, layout=badge_layout(layout), face=forum_face(registrations[0].forum))


def write_badges(
    registrations: Sequence[Registration],
    *,
    layout: str = DEFAULT_LAYOUT,
    out: Path,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write these registrations' badges into `out` (whole or not at all); records nothing."""
    check_layout(layout)
    if not registrations:
        raise SelectionError(N_("No registration to print."))
    texts = badge_texts(registrations)
    write_pdf(
        texts,
        layout=badge_layout(layout),
        face=forum_face(registrations[0].forum),
        out=out,
        progress=progress,
        **render_options(),
    )


def badge_layout(key: str) -> Layout:
    """The layout `key`, the A4 sheet with the configured white margin (`BADGE_SHEET_MARGIN_MM`)."""
    check_layout(key)
    value = current_app.config.get("BADGE_SHEET_MARGIN_MM", SHEET_MARGIN_MM)
    try:
        margin = float(value)
    except (TypeError, ValueError):
        margin = SHEET_MARGIN_MM
    return layout_for(key, margin)


def render_options() -> dict[str, Any]:
    """Worker processes and chunk size for batches (`BADGE_WORKERS`, `BADGE_CHUNK_SIZE`)."""
    config = current_app.config
    options: dict[str, Any] = {}
    if config.get("BADGE_WORKERS"):
        options["workers"] = int(config["BADGE_WORKERS"])
    if config.get("BADGE_CHUNK_SIZE"):
        options["chunk_size"] = int(config["BADGE_CHUNK_SIZE"])
    return options


def _registration(registration_id: int) -> Registration:
    registration = db.session.scalar(
        select(Registration)
        .options(joinedload(Registration.person), joinedload(Registration.forum))
        .where(Registration.id == registration_id)
    )
    if registration is None:
        raise RegistrationNotFound(N_("There is no registration %(id)s."), id=registration_id)
    return registration


def personal_badge(
    manage_token: str, *, layout: str = DEFAULT_LAYOUT
) -> tuple[Registration, bytes]:
    """A participant's own badge from the personal link: confirmed only, serial unchanged, no print
    recorded (printing is tracked for the desk and batches)."""
    registration = personal_links.registration_by_token(
        manage_token, joinedload(Registration.person), joinedload(Registration.forum)
    )
    if registration is None:
        raise RegistrationNotFound(N_("This personal link is not valid."))
    if registration.status != RegistrationStatus.CONFIRMED:
        raise NotConfirmed.of(registration)
    return registration, render_badges([registration], layout=layout)


def find_registrations(forum_id: int, query: str, *, limit: int = 20) -> list[Registration]:
    """Registrations of the forum whose name, e-mail or organisation hold every word of `query`."""
    words = people_search.query_words(query)
    if not words or all(len(word) < 2 for word in words):
        return []
    return list(
        db.session.scalars(
            select(Registration)
            .join(Person, Registration.person_id == Person.id)
            .where(Registration.forum_id == forum_id, *people_search.condition(words, Person.id))
            .order_by(Person.family_name, Person.given_name, Registration.id)
            .limit(limit)
        )
    )


def print_one(
    registration_id: int, *, layout: str = DEFAULT_LAYOUT, staff_user_id: int | None
) -> bytes:
    """The desk prints a registration's badge: its current serial, recorded as a print."""
    registration = _registration(registration_id)
    pdf = render_badges([registration], layout=layout)
    serial = registration.badge_serial
    with write_intent():
        db.session.add(
            BadgePrint(
                registration_id=registration_id,
                serial=serial,
                printed_by_id=staff_user_id,
                reprint=False,
            )
        )
        db.session.commit()
    return pdf


def reprint(registration_id: int, *, staff_user_id: int | None) -> int:
    """A lost badge: bump the serial (revoking every older badge), record the reprint; the new serial."""
    with write_intent():
        registration = _registration(registration_id)
        if registration.status != RegistrationStatus.CONFIRMED:
            raise NotConfirmed.of(registration)
        old = registration.badge_serial
        # One UPDATE that adds 1: two desks reprinting at once get two serials, never the same one.
        serial = db.session.execute(
            update(Registration)
            .where(Registration.id == registration_id)
            .values(badge_serial=Registration.badge_serial + 1, updated_at=utcnow())
            .returning(Registration.badge_serial)
        ).scalar_one()
        db.session.add(
            BadgePrint(
                registration_id=registration_id,
                serial=serial,
                printed_by_id=staff_user_id,
                reprint=True,
            )
        )
        audit.record(
            "badge.reprint",
            obj=registration,
            staff_user_id=staff_user_id,
            actor="staff" if staff_user_id else "system",
            details={"badge_serial": [old, serial]},
        )
        db.session.commit()
    db.session.refresh(registration)
    return int(serial)


# --- samples and settings ---------------------------------------------------------------------------


#: sample people for the preview: Turkish letters, Arabic, Chinese, a long name and no organisation
SAMPLES: tuple[tuple[str, str, str, str, Category, str], ...] = (
    ("İlkay Işıl", "Şahinoğlu", "Marmara Belediyeler Birliği", "TR", Category.SPEAKER, "tr"),
    ("محمد", "الحلبي", "جامعة حلب", "SY", Category.PARTICIPANT, "en"),
    ("伟", "王", "同济大学 Tongji University", "CN", Category.PRESS, "en"),
    (
        "Maximilian Alexander Friedrich",
        "von Hohenzollern-Sigmaringen Wittelsbach",
        "International Union of Local Authorities and Metropolitan Regions",
        "DE",
        Category.VIP,
        "en",
    ),
)


def sample_badges(forum_id: int, *, layout: str = DEFAULT_LAYOUT) -> bytes:
    """Badges of sample people, in the forum's colours, to see a layout (nothing is stored)."""
    check_layout(layout)
    forum = db.session.get(Forum, forum_id)
    if forum is None:
        raise BadgeError(N_("There is no forum %(id)s."), id=forum_id)
    samples = []
    for number, (given, family, organisation, country, category, language) in enumerate(SAMPLES):
        person = Person(
            given_name=given,
            family_name=family,
            organisation=organisation,
            country=country,
            language=language,
            email="",
        )
        # Transient rows (never added to the session) with ids no registration has.
        samples.append(
            Registration(
                id=0,
                forum=forum,
                forum_id=forum.id,
                person=person,
                category=category,
                status=RegistrationStatus.CONFIRMED,
                badge_serial=number + 1,
            )
        )
    return render_badges(samples, layout=layout)


def logo_data_url(forum: Forum) -> str | None:
    """The forum's logo as a data: URL, to show it on a page."""
    if not forum.logo or not forum.logo_type:
        return None
    return f"data:{forum.logo_type};base64,{base64.b64encode(forum.logo).decode('ascii')}"


def update_settings(
    forum_id: int,
    *,
    colour: str,
    colours: dict[str, str],
    logo: bytes | None = None,
    remove_logo: bool = False,
    staff_user_id: int | None,
) -> Forum:
    """An organiser sets the forum's badge colours and logo."""
    for value in (colour, *colours.values()):
        if not COLOUR_RE.match(value):
            raise BadgeError(N_("%(colour)s is not a colour like #1a2b3c."), colour=value)
    unknown = set(colours) - {c.value for c in Category}
    if unknown:
        raise BadgeError(N_("Unknown category %(category)s."), category=", ".join(sorted(unknown)))
    logo_type = None
    if logo is not None:
        logo, logo_type = prepare_logo(logo)
    with write_intent():
        forum = db.session.get(Forum, forum_id)
        if forum is None:
            raise BadgeError(N_("There is no forum %(id)s."), id=forum_id)
        values: dict[str, Any] = {
            "colour": colour.lower(),
            "badge_colours": {k: v.lower() for k, v in sorted(colours.items())},
        }
        changed = audit.changes(forum, values)
        if logo is not None:
            forum.logo, forum.logo_type = logo, logo_type
            changed["logo"] = ["", f"{logo_type}, {len(logo)} bytes"]
        elif remove_logo and forum.logo:
            forum.logo, forum.logo_type = None, None
            changed["logo"] = ["", "removed"]
        if changed:
            audit.record(
                "forum.badge_settings", obj=forum, staff_user_id=staff_user_id, details=changed
            )
        db.session.commit()
    return forum
