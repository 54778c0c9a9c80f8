"""Speaker invitations: an organiser invites, the speaker completes a profile, an organiser approves.

The invited person is found by e-mail: somebody who registered as a participant first keeps their
person and registration, which becomes a speaker's (or moderator's) registration, pending approval.
The public session page shows a speaker only once that registration is confirmed.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from maruf_reg import audit
from maruf_reg.extensions import db
from maruf_reg.models import (
    Category,
    Person,
    Registration,
    RegistrationStatus,
    RoleKind,
    Session,
    SessionRole,
    SpeakerInvitation,
    utcnow,
)
from maruf_reg.personal_links import TOKEN_RE, new_token
from maruf_reg.registration.mails import Notice, send_invitation, send_notice
from maruf_reg.registration.services import PersonDetails, RegistrationError, normalise_email

PHOTO_MAX_BYTES = 5 * 1024 * 1024
#: photos are scaled down to this many pixels on the longer side and saved as JPEG
PHOTO_MAX_SIDE = 1200
#: refuse images that would take more memory than this to decode (decompression bombs)
PHOTO_MAX_PIXELS = 40_000_000


class PhotoInvalid(RegistrationError):
    """The upload is not a JPEG or PNG image, or is too large."""


class InvitationUsed(RegistrationError):
    """The invitation link was used already."""


def category_for(role: RoleKind) -> Category:
    return Category.SPEAKER if role == RoleKind.SPEAKER else Category.MODERATOR


def prepare_photo(data: bytes) -> bytes:
    """Check that the upload is a real JPEG or PNG image; return it as a modest JPEG.

    Re-encoding drops whatever else the file carried (EXIF with the camera's GPS position, …).
    """
    if len(data) > PHOTO_MAX_BYTES:
        raise PhotoInvalid("the photo is larger than 5 MB")
    from PIL import Image, UnidentifiedImageError  # only when a photo comes (memory of web workers)

    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
            probe.verify()
        if kind not in ("JPEG", "PNG"):
            raise PhotoInvalid("only JPEG and PNG photos are accepted")
        if width * height > PHOTO_MAX_PIXELS:
            raise PhotoInvalid("the photo has too many pixels")
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            opened.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            image: Image.Image = opened
            if image.mode != "RGB":
                # Transparent PNGs go on white, as they would on a printed page.
                image = Image.new("RGB", opened.size, "white")
                rgba = opened.convert("RGBA")
                image.paste(rgba, mask=rgba.getchannel("A"))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=85)
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as error:
        raise PhotoInvalid("the file is not a readable image") from error
    return out.getvalue()


def invite(
    session_id: int,
    *,
    role: RoleKind,
    email: str,
    given_name: str = "",
    family_name: str = "",
    language: str = "tr",
    staff_user_id: int | None,
) -> SpeakerInvitation:
    """Create an invitation to a session and mail its link."""
    session = db.session.get(Session, session_id)
    if session is None:
        raise RegistrationError(f"session {session_id} does not exist")
    invitation = SpeakerInvitation(
        forum_id=session.forum_id,
        session_id=session.id,
        role=role,
        email=normalise_email(email),
        given_name=given_name,
        family_name=family_name,
        token=new_token(),
        created_by_id=staff_user_id,
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(
        "invitation.create",
        obj=invitation,
        staff_user_id=staff_user_id,
        details={"session": session.id, "role": role.value, "email": invitation.email},
    )
    db.session.commit()
    send_invitation(invitation, language=language)
    return invitation


def invitation_by_token(token: str) -> SpeakerInvitation | None:
    if not TOKEN_RE.match(token):
        return None
    return db.session.scalar(
        select(SpeakerInvitation)
        .where(SpeakerInvitation.token == token)
        .options(joinedload(SpeakerInvitation.session))
    )


def invitations(forum_id: int) -> list[tuple[SpeakerInvitation, Registration | None]]:
    """The forum's invitations, newest first, with the registration they led to."""
    rows = db.session.execute(
        select(SpeakerInvitation, Registration)
        .outerjoin(Registration, Registration.id == SpeakerInvitation.registration_id)
        .where(SpeakerInvitation.forum_id == forum_id)
        .options(joinedload(SpeakerInvitation.session))
        .order_by(SpeakerInvitation.created_at.desc(), SpeakerInvitation.id.desc())
    ).all()
    return [(row[0], row[1]) for row in rows]


@dataclass(frozen=True)
class SpeakerProfile:
    details: PersonDetails
    bio_tr: str = ""
    bio_en: str = ""
    #: photo bytes as uploaded; None keeps the current one
    photo: bytes | None = None
    consent_data: bool = True
    consent_photo: bool = False


def accept(token: str, profile: SpeakerProfile) -> Registration:
    """The speaker completes the profile: person (found by e-mail) updated, role in the session,
    registration as speaker or moderator, pending until an organiser approves."""
    photo = prepare_photo(profile.photo) if profile.photo else None
    invitation = db.session.scalar(
        select(SpeakerInvitation).where(SpeakerInvitation.token == token).with_for_update()
    )
    if invitation is None:
        raise RegistrationError("unknown invitation")
    if invitation.accepted_at is not None:
        db.session.rollback()
        raise InvitationUsed("this invitation was used already")
    now = utcnow()
    try:
        person = db.session.scalar(select(Person).where(Person.email == invitation.email))
        if person is None:
            person = Person(email=invitation.email, given_name=profile.details.given_name)
            db.session.add(person)
        # The invitation went to this address: whoever holds it may set the profile.
        changed = audit.changes(
            person,
            {**asdict(profile.details), "bio_tr": profile.bio_tr, "bio_en": profile.bio_en},
        )
        if photo is not None:
            person.photo, person.photo_type = photo, "image/jpeg"
            changed["photo"] = [None, "new"]
        person.refresh_search_key()
        db.session.flush()
        category = category_for(invitation.role)
        registration = db.session.scalar(
            select(Registration).where(
                Registration.forum_id == invitation.forum_id, Registration.person_id == person.id
            )
        )
        if registration is None:
            registration = Registration(
                forum_id=invitation.forum_id,
                person_id=person.id,
                category=category,
                status=RegistrationStatus.PENDING,
                manage_token=new_token(),
                source="invitation",
            )
            db.session.add(registration)
        else:
            already_speaks = registration.category in (Category.SPEAKER, Category.MODERATOR)
            # An organiser's cancellation or rejection stays: an older invitation taken up
            # afterwards records the part, and only an organiser puts the person back in the queue.
            ended_by_staff = (
                registration.status == RegistrationStatus.CANCELLED
                and registration.cancelled_by != "self"
            )
            if ended_by_staff:
                pass
            elif not (already_speaks and registration.status == RegistrationStatus.CONFIRMED):
                changed.update(
                    audit.changes(
                        registration,
                        {"category": category, "status": RegistrationStatus.PENDING},
                    )
                )
                registration.cancelled_at = None
        registration.consent_data_at = registration.consent_data_at or now
        if profile.consent_photo:
            registration.consent_photo_at = registration.consent_photo_at or now
        role = db.session.scalar(
            select(SessionRole).where(
                SessionRole.session_id == invitation.session_id,
                SessionRole.person_id == person.id,
            )
        )
        if role is None:
            db.session.add(
                SessionRole(
                    session_id=invitation.session_id,
                    person_id=person.id,
                    role=invitation.role,
                    position=_next_position(invitation.session_id),
                )
            )
        else:
            role.role = invitation.role
        db.session.flush()
        invitation.accepted_at = now
        invitation.registration_id = registration.id
        audit.record(
            "invitation.accept",
            obj=registration,
            actor="self",
            details={"invitation": invitation.id, "session": invitation.session_id, **changed},
        )
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise InvitationUsed("the invitation was completed at the same moment elsewhere") from error
    send_notice(Notice.WELCOME, registration.id)
    return registration


def _next_position(session_id: int) -> int:
    positions = db.session.scalars(
        select(SessionRole.position).where(SessionRole.session_id == session_id)
    ).all()
    return max(positions, default=-1) + 1


def confirmed_speakers(session_id: int) -> list[tuple[SessionRole, Person]]:
    """Who the public session page may show: roles whose registration in the forum is confirmed."""
    rows = db.session.execute(
        select(SessionRole, Person)
        .join(Person, Person.id == SessionRole.person_id)
        .join(Session, Session.id == SessionRole.session_id)
        .join(
            Registration,
            (Registration.person_id == Person.id) & (Registration.forum_id == Session.forum_id),
        )
        .where(
            SessionRole.session_id == session_id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .order_by(SessionRole.position)
    ).all()
    return [(row[0], row[1]) for row in rows]
