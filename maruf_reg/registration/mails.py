"""Mail to participants and speakers, in their own language, handed to the worker after the commit.

Messages are built from templates in `templates/registration/mail/` (text and HTML). Links come from
`BASE_URL`: mail is often built outside a request (worker, CLI).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from maruf_reg import dates, mail
from maruf_reg.extensions import db
from maruf_reg.jobs import huey
from maruf_reg.models import (
    Forum,
    Registration,
    RegistrationStatus,
    Seat,
    SeatStatus,
    Session,
    SessionRole,
    SpeakerInvitation,
)
from maruf_reg.registration.loading import registration_with_details
from maruf_reg.signals import DeletedSession
from maruf_reg.text import localized
from maruf_reg.web import has_endpoint

log = logging.getLogger(__name__)


class Notice(enum.StrEnum):
    #: a new registration (confirmed, or pending approval)
    WELCOME = "welcome"
    #: the personal link again: signed up twice, lost it, or an organiser re-sent it
    LINK = "link"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    #: a seat became free and was given to the person, first on the waitlist
    PROMOTED = "promoted"
    #: organisers deleted a session the person had a seat or a waitlist place in
    SESSION_CANCELLED = "session_cancelled"


def base_url() -> str:
    return str(current_app.config["BASE_URL"]).rstrip("/")


def manage_url(token: str) -> str:
    return f"{base_url()}/r/{token}"


def badge_url(registration: Registration) -> str | None:
    """The personal badge link, once the registration is confirmed and badges are served."""
    if registration.status != RegistrationStatus.CONFIRMED:
        return None
    if not has_endpoint("badges.personal_badge"):
        return None
    return f"{manage_url(registration.manage_token)}/badge.pdf"


@dataclass(frozen=True)
class SessionLine:
    """A session as a mail lists it."""

    title: str
    when: str
    room: str
    booked: bool


def session_when(session: Session, forum: Forum, locale: str) -> str:
    """ "Tuesday 1 October, 11:00–12:30" in the forum's time zone and the reader's language."""
    return time_span(session.starts_at, session.ends_at, forum, locale)


def time_span(starts_at: datetime, ends_at: datetime, forum: Forum, locale: str) -> str:
    return dates.session_when(starts_at, ends_at, locale=locale, zone=forum.zone)


def _gone_line(gone: DeletedSession, forum: Forum, locale: str, *, booked: bool) -> SessionLine:
    """A deleted session as its notice tells of it (the row is gone when the worker builds it)."""
    when = time_span(gone.starts_at, gone.ends_at, forum, locale)
    return SessionLine(localized(gone, "title", locale), when, gone.room, booked)


def _session_lines(seats: Sequence[Seat], forum: Forum, locale: str) -> list[SessionLine]:
    ordered = sorted(seats, key=lambda seat: (seat.session.starts_at, seat.session_id))
    return [
        SessionLine(
            title=seat.session.title(locale),
            when=session_when(seat.session, forum, locale),
            room=seat.session.room.name if seat.session.room else "",
            booked=seat.status == SeatStatus.BOOKED,
        )
        for seat in ordered
    ]


def _subject(kind: Notice, registration: Registration, forum_name: str, extra: str) -> str:
    if kind == Notice.WELCOME and registration.status == RegistrationStatus.PENDING:
        return str(_("We have received your registration for %(forum)s", forum=forum_name))
    subjects = {
        Notice.WELCOME: _("Your registration for %(forum)s", forum=forum_name),
        Notice.LINK: _("Your personal link for %(forum)s", forum=forum_name),
        Notice.APPROVED: _("Your registration for %(forum)s is confirmed", forum=forum_name),
        Notice.REJECTED: _("Your registration for %(forum)s", forum=forum_name),
        Notice.CANCELLED: _("Your registration for %(forum)s is cancelled", forum=forum_name),
        Notice.PROMOTED: _("A seat is free for you: %(session)s", session=extra),
        Notice.SESSION_CANCELLED: _("A session is cancelled: %(session)s", session=extra),
    }
    return str(subjects[kind])


def build_notice(
    kind: Notice,
    registration: Registration,
    *,
    session_ids: Sequence[int] = (),
    gone: tuple[DeletedSession, bool] | None = None,
) -> EmailMessage:
    """The message for one notice, in the person's language. `gone`: the deleted session of a
    SESSION_CANCELLED notice, and whether the person had a seat in it (else a waitlist place)."""
    person = registration.person
    forum = registration.forum
    locale = person.language if person.language in current_app.config["LANGUAGES"] else "tr"
    with force_locale(locale):
        forum_name = forum.name(locale)
        promoted = [s for s in registration.seats if s.session_id in session_ids]
        roles = db.session.scalars(
            select(SessionRole)
            .join(Session)
            .where(SessionRole.person_id == person.id, Session.forum_id == forum.id)
            .options(joinedload(SessionRole.session).joinedload(Session.room))
        ).all()
        context: dict[str, Any] = {
            "kind": kind.value,
            "person": person,
            "registration": registration,
            "forum_name": forum_name,
            "forum": forum,
            "locale": locale,
            "manage_url": manage_url(registration.manage_token),
            "badge_url": badge_url(registration),
            "ics_url": f"{manage_url(registration.manage_token)}/programme.ics",
            "sessions": _session_lines(registration.seats, forum, locale),
            "promoted": _session_lines(promoted, forum, locale),
            "roles": [
                (role, role.session.title(locale), session_when(role.session, forum, locale))
                for role in roles
            ],
        }
        context["gone"] = _gone_line(gone[0], forum, locale, booked=gone[1]) if gone else None
        extra = context["promoted"][0].title if context["promoted"] else ""
        if context["gone"]:
            extra = context["gone"].title
        subject = _subject(kind, registration, forum_name, extra)
        text = render_template("registration/mail/notice.txt", subject=subject, **context)
        html = render_template("registration/mail/notice.html", subject=subject, **context)
    return mail.build_message(to=person.email or "", subject=subject, text=text, html=html)


def _load(registration_id: int) -> Registration | None:
    return db.session.scalar(registration_with_details().where(Registration.id == registration_id))


def queue(message: EmailMessage) -> None:
    """Hand a message to the worker; a queue that is down must not undo what was committed."""
    try:
        mail.queue(message)
    except Exception:
        # The change is saved; the person can ask for the link again. Keep a trace for organisers.
        log.exception("could not queue a mail (%s)", message["Message-ID"])


@huey.app_task(retries=8, retry_delay=30)
def deliver_notice(
    kind: str,
    registration_id: int,
    session_ids: list[int],
    gone: tuple[DeletedSession, bool] | None = None,
) -> None:
    """The worker's task: build the notice from the registration as it is now, and send it.

    Building here, not in the request, keeps template rendering and MIME encoding off the sign-up
    path; a failed send is retried by Huey like any mail.
    """
    registration = _load(registration_id)
    # A walk-in registered without an address, or a person whose data was erased: nobody to tell.
    if registration is not None and registration.person.email:
        message = build_notice(Notice(kind), registration, session_ids=session_ids, gone=gone)
        mail.deliver_now(message)


def send_notice(
    kind: Notice,
    registration_id: int,
    *,
    session_ids: Sequence[int] = (),
    gone: tuple[DeletedSession, bool] | None = None,
) -> None:
    """Queue one notice. Call after the commit of the change it tells about."""
    try:
        deliver_notice(kind.value, registration_id, list(session_ids), gone)
    except Exception:
        # As in `queue`: the change is saved whatever happens to its mail.
        log.exception("could not queue the %s notice of registration %s", kind, registration_id)


def send_session_cancelled(gone: DeletedSession) -> None:
    """Tell everyone who had a seat or a waitlist place in a deleted session."""
    for registration_id, booked in gone.holders:
        send_notice(Notice.SESSION_CANCELLED, registration_id, gone=(gone, booked))


def send_promotions(promoted: Sequence[tuple[int, int]]) -> None:
    """Tell everyone who moved up from a waitlist; one mail per person."""
    by_registration: dict[int, list[int]] = {}
    for registration_id, session_id in promoted:
        by_registration.setdefault(registration_id, []).append(session_id)
    for registration_id, session_ids in by_registration.items():
        send_notice(Notice.PROMOTED, registration_id, session_ids=session_ids)


def invitation_url(token: str) -> str:
    return f"{base_url()}/speakers/register?token={token}"


def send_invitation(invitation: SpeakerInvitation, *, language: str) -> None:
    """Mail a speaker invitation link (in the language the organiser chose)."""
    forum = db.session.get(Forum, invitation.forum_id)
    assert forum is not None
    session = invitation.session
    with force_locale(language):
        forum_name = forum.name(language)
        subject = str(_("Invitation to %(forum)s", forum=forum_name))
        context: dict[str, Any] = {
            "invitation": invitation,
            "forum_name": forum_name,
            "session_title": session.title(language),
            "session_when": session_when(session, forum, language),
            "role": invitation.role.value,
            "url": invitation_url(invitation.token),
            "subject": subject,
        }
        text = render_template("registration/mail/invitation.txt", **context)
        html = render_template("registration/mail/invitation.html", **context)
    queue(mail.build_message(to=invitation.email, subject=subject, text=text, html=html))
