"""Certificates of attendance: the sessions a person was scanned into, and when a certificate
may be given (once the forum's last session has ended, so that it never changes afterwards)."""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from maruf_reg.extensions import db
from maruf_reg.forum import day_bounds
from maruf_reg.models import (
    Forum,
    Person,
    Registration,
    Session,
    Theme,
)
from maruf_reg.reports.attended import attended_session_ids, registrations_that_attended


def attended_sessions(registration_id: int) -> list[Session]:
    """The sessions a registration attended (`reports/attended.py`'s rule), in programme order."""
    ids = attended_session_ids(registration_id)
    return list(
        db.session.scalars(
            select(Session).where(Session.id.in_(ids)).order_by(Session.starts_at, Session.id)
        ).all()
    )


def forum_ends_at(forum: Forum) -> datetime:
    """When the forum is over: its last session's end, or midnight after its last day without one."""
    last = db.session.scalar(select(func.max(Session.ends_at)).where(Session.forum_id == forum.id))
    return last or day_bounds(forum, forum.ends_on)[1]


def registrations_with_attendance(forum_id: int) -> list[int]:
    """Ids of the forum's registrations that attended at least one session, in id order."""
    return registrations_that_attended(forum_id)


def themes(forum: Forum) -> list[Theme]:
    """The forum's themes in programme order (for filters)."""
    return list(
        db.session.scalars(
            select(Theme).where(Theme.forum_id == forum.id).order_by(Theme.position, Theme.id)
        ).all()
    )


class CertificateState(enum.StrEnum):
    #: the forum is not over yet
    NOT_YET = "not_yet"
    #: the person was admitted to no session
    NOTHING = "nothing"
    READY = "ready"


@dataclass(frozen=True)
class Certificate:
    """What a certificate of attendance says, and whether it may be given yet."""

    registration: Registration
    person: Person
    forum: Forum
    sessions: list[Session]
    #: when the forum is over: the end of its last session
    available_from: datetime
    state: CertificateState


def certificate(
    registration: Registration, *, now: datetime, any_time: bool = False
) -> Certificate:
    """A registration's certificate: its sessions attended, and whether it may be downloaded now.

    It may once the forum is over (its last session has ended: a certificate then never changes);
    `any_time` lets organisers print one earlier.
    """
    forum = registration.forum
    sessions = attended_sessions(registration.id)
    available_from = forum_ends_at(forum)
    if not any_time and now < available_from:
        state = CertificateState.NOT_YET
    elif not sessions:
        state = CertificateState.NOTHING
    else:
        state = CertificateState.READY
    return Certificate(registration, registration.person, forum, sessions, available_from, state)


def stored_key(found: Certificate) -> str:
    """The certificate's name in the file store: it changes when anything it shows changes (the
    sessions attended, as `attended_sessions` counts them; the name; the language), so a kept
    certificate is served until then and drawn again after."""
    person, forum = found.person, found.forum
    shown = {
        "person": [person.given_name, person.family_name, person.language],
        "forum": [
            forum.name_tr,
            forum.name_en,
            forum.venue,
            str(forum.starts_on),
            str(forum.ends_on),
        ],
        "sessions": [
            [s.id, s.title_tr, s.title_en, s.starts_at.isoformat()] for s in found.sessions
        ],
    }
    digest = hashlib.sha256(json.dumps(shown, ensure_ascii=False).encode()).hexdigest()[:20]
    return f"{stored_prefix(found.registration.id)}{digest}.pdf"


def stored_prefix(registration_id: int) -> str:
    """How the names of a registration's kept certificates begin."""
    return f"certificates/{registration_id}-"
