"""Walk-ins: a person registered at the desk on the day, by staff, outside the public form.

The desk types the name (in any script), organisation, country and category; an e-mail address is
optional (a walk-in often has none at hand). The registration is confirmed at once and marked
`source = "walk_in"`, so that reports and exports can tell it; the personal link is mailed when
there is an address. Printing the badge and admitting at a door are the desk page's next steps
(`maruf_reg/checkin/walk_ins.py`), through the badges and check-in capabilities.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import select

from maruf_reg import audit
from maruf_reg.errors import N_
from maruf_reg.extensions import db
from maruf_reg.models import Category, Person, Registration, RegistrationStatus, utcnow
from maruf_reg.personal_links import new_token
from maruf_reg.registration.mails import Notice, send_notice
from maruf_reg.registration.services import PersonDetails, RegistrationError, normalise_email

SOURCE = "walk_in"


class WalkInKnown(RegistrationError):
    """The address belongs to a registration of this forum already: find it at the desk instead."""

    def __init__(self, registration_id: int) -> None:
        super().__init__(
            N_("This address is registered already: find the person with the search."),
            field="email",
        )
        self.registration_id = registration_id


@dataclass(frozen=True)
class WalkIn:
    details: PersonDetails
    category: Category
    email: str = ""
    #: the person agreed to the data notice, read out or shown at the desk
    consent_data: bool = True
    consent_photo: bool = False


def register_walk_in(forum_id: int, walk_in: WalkIn, *, staff_user_id: int) -> int:
    """Register a walk-in, confirmed; returns the registration's id. Raises WalkInKnown and
    InvalidEmail."""
    email = normalise_email(walk_in.email) if walk_in.email.strip() else None
    person = db.session.scalar(select(Person).where(Person.email == email)) if email else None
    if person is not None:
        known = db.session.scalar(
            select(Registration.id).where(
                Registration.forum_id == forum_id, Registration.person_id == person.id
            )
        )
        if known is not None:
            db.session.rollback()
            raise WalkInKnown(known)
    else:
        person = Person(email=email, **asdict(walk_in.details))
        person.refresh_search_key()
        db.session.add(person)
    now = utcnow()
    registration = Registration(
        forum_id=forum_id,
        person=person,
        category=walk_in.category,
        status=RegistrationStatus.CONFIRMED,
        manage_token=new_token(),
        consent_data_at=now if walk_in.consent_data else None,
        consent_photo_at=now if walk_in.consent_photo else None,
        source=SOURCE,
        confirmed_at=now,
    )
    db.session.add(registration)
    db.session.flush()
    audit.record(
        "registration.walk_in",
        obj=registration,
        staff_user_id=staff_user_id,
        details={"category": walk_in.category.value, "email": bool(email)},
    )
    registration_id = registration.id
    db.session.commit()
    if email:
        send_notice(Notice.WELCOME, registration_id)
    return registration_id
