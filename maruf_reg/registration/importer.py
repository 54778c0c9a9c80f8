"""Bulk import of people from a CSV file: all or nothing, idempotent by e-mail.

The file is read and checked by `people_csv.parse` (encodings, delimiters, headers); every row is
checked before anything is written; one bad row refuses the whole file, with line numbers and
reasons. Running the same file twice changes nothing the second time.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, exists, insert, select, update

from maruf_reg.database import Prepared, end_reading, prepare, reading, write_intent
from maruf_reg.extensions import db
from maruf_reg.models import (
    AuditLog,
    Category,
    Forum,
    Person,
    Registration,
    RegistrationStatus,
    utcnow,
)
from maruf_reg.models.people import person_search_key
from maruf_reg.personal_links import new_token
from maruf_reg.registration import questions
from maruf_reg.registration.import_answers import ImportAnswers
from maruf_reg.registration.mails import Notice, send_notice
from maruf_reg.registration.people_csv import COLUMNS, PersonRow, parse
from maruf_reg.registration.services import RegistrationError

__all__ = ["COLUMNS", "ImportRefused", "ImportResult", "import_people", "parse"]


class ImportRefused(RegistrationError):
    """The file has bad rows (or cannot be read); nothing was imported."""

    def __init__(self, errors: Sequence[tuple[int, str]]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the file")
        self.errors = list(errors)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    encoding: str = ""
    delimiter: str = ""
    #: registration ids made by this import (for the welcome mail)
    new_ids: list[int] = field(default_factory=list)


def import_people(
    forum_id: int,
    data: bytes,
    *,
    category: Category | None = None,
    staff_user_id: int | None = None,
    send_mail: bool = False,
) -> ImportResult:
    """Import people into the forum, confirmed; update those already there (by e-mail).

    `category` is for rows whose category cell is empty (or files without that column); when neither
    says, new registrations are participants and existing ones keep their category. Existing
    registrations keep their status. Raises ImportRefused, writing nothing, if any row is bad.

    Doors keep scanning meanwhile (on SQLite every write waits for the one write lock):
    - the file is read and checked, what is there already looked up, and every statement made
      ready with its parameters, before any lock is taken;
    - new people are written in transactions of `PEOPLE_PER_TRANSACTION` (the search index makes
      each costly), then registrations, changes and the audit log in one transaction of a few
      multi-row statements. A person is in the forum only with a registration: until that last
      transaction the new people are in no list, search or export, and if it fails they are
      removed again. (A crash just then leaves them unregistered; importing again completes it.)
    """
    end_reading()
    with reading():
        if db.session.get(Forum, forum_id) is None:
            raise ImportRefused([(0, f"forum {forum_id} does not exist")])
        asked = questions.specs(forum_id)
    rows, errors, encoding, delimiter = parse(data, asked)
    if errors:
        raise ImportRefused(errors)
    with reading():
        plan = _plan(forum_id, rows, category, staff_user_id)
    for statement in plan.new_people:
        with write_intent():
            statement.run()
            db.session.commit()
    try:
        with reading():
            person_ids = _person_ids(plan.registering + plan.audited)
        last = _last_transaction(plan, person_ids)
        with write_intent():
            for statement in last:
                statement.run()
            db.session.commit()
        with reading():
            registered = _registration_ids(forum_id, [person_ids[e] for e in plan.registering])
        new_ids = [registered[person_ids[e]] for e in plan.registering]
    except BaseException:
        db.session.rollback()
        _remove_unregistered(plan)
        raise
    result = ImportResult(
        created=plan.created,
        updated=plan.updated,
        unchanged=plan.unchanged,
        encoding=encoding,
        delimiter=delimiter,
        new_ids=new_ids,
    )
    if send_mail:
        for registration_id in result.new_ids:
            send_notice(Notice.WELCOME, registration_id)
    return result


#: new people per transaction: ~50 ms of SQLite's write lock each, the search index included
PEOPLE_PER_TRANSACTION = 1000
#: what an import may change on a person already there
UPDATABLE = (
    "given_name",
    "family_name",
    "organisation",
    "position",
    "country",
    "phone",
    "language",
)
_SEARCHED = {"given_name", "family_name", "organisation"}
_PEOPLE = cast(Table, Person.__table__)
_REGISTRATIONS = cast(Table, Registration.__table__)
_AUDIT_LOG = cast(Table, AuditLog.__table__)


@dataclass
class _Plan:
    """An import made ready: its statements and what it will report."""

    #: new people, a transaction each
    new_people: list[Prepared] = field(default_factory=list)
    #: changes to people and registrations already there (their ids are known)
    changes: list[Prepared] = field(default_factory=list)
    #: new registrations and audit entries: the ids of their people are filled in once the new
    #: people are written, for the e-mail addresses of `registering` and `audited`
    registrations: Prepared | None = None
    audit: Prepared | None = None
    registering: list[str] = field(default_factory=list)
    audited: list[str] = field(default_factory=list)
    #: answers to the forum's questions
    answers: ImportAnswers = field(default_factory=ImportAnswers)
    #: e-mail addresses of the people it creates
    new_emails: list[str] = field(default_factory=list)
    created_at: datetime = field(default_factory=utcnow)
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class _Rows:
    """The rows of each statement an import runs."""

    new_people: list[dict[str, Any]] = field(default_factory=list)
    person_changes: dict[tuple[str, ...], list[dict[str, Any]]] = field(default_factory=dict)
    registrations: list[dict[str, Any]] = field(default_factory=list)
    categories: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)


def _plan(
    forum_id: int, rows: list[PersonRow], category: Category | None, staff_user_id: int | None
) -> _Plan:
    """Compare the file with what is there and make every statement ready (no lock held)."""
    people = _existing_people([row.values["email"] for row in rows])
    registrations = _existing_registrations(forum_id, [p["id"] for p in people.values()])
    plan = _Plan()
    todo = _Rows()
    for row in rows:
        email = row.values["email"]
        existing = people.get(email)
        changed = _person_changes(plan, todo, row, existing)
        wanted = row.category or category
        found = registrations.get(existing["id"]) if existing else None
        if found is None:
            todo.registrations.append(_new_registration(forum_id, wanted, plan.created_at))
            plan.registering.append(email)
            changed["registration"] = "created"
        elif wanted is not None and wanted != found[1]:
            changed["category"] = [found[1].value, wanted.value]
            todo.categories.append({"id_": found[0], "category": wanted})
        answered = plan.answers.add(
            forum_id, email, found[0] if found else None, row.answers, plan.created_at
        )
        if answered:
            changed["answers"] = answered
        if not changed:
            plan.unchanged += 1
            continue
        if changed.get("created") or changed.get("registration") == "created":
            plan.created += 1
        else:
            plan.updated += 1
        details = {"line": row.line, **changed}
        todo.audit.append(_audit_entry(forum_id, staff_user_id, details, plan.created_at))
        plan.audited.append(email)
    _statements(plan, todo)
    return plan


def _person_changes(
    plan: _Plan, todo: _Rows, row: PersonRow, existing: dict[str, Any] | None
) -> dict[str, Any]:
    """A new person, or the fields that change on one already there (as the audit log says it)."""
    email = row.values["email"]
    values = {k: v for k, v in row.values.items() if v and k != "email"}
    now = plan.created_at
    if existing is None:
        todo.new_people.append({**_new_person(email, values), "created_at": now, "updated_at": now})
        plan.new_emails.append(email)
        return {"created": True}
    changed: dict[str, Any] = {k: [existing[k], v] for k, v in values.items() if existing[k] != v}
    if changed:
        change = {k: v for k, v in values.items() if k in changed}
        if _SEARCHED & set(change):
            change["search_key"] = _key({**existing, **change})
        todo.person_changes.setdefault(tuple(sorted(change)), []).append(
            {**change, "id_": existing["id"], "updated_at": now}
        )
    return changed


def _statements(plan: _Plan, todo: _Rows) -> None:
    people = _PEOPLE
    for start in range(0, len(todo.new_people), PEOPLE_PER_TRANSACTION):
        part = todo.new_people[start : start + PEOPLE_PER_TRANSACTION]
        # Somebody who signed up with the address meanwhile is kept as they are.
        plan.new_people.append(prepare(_insert_or_skip(people, part[0]), part))
    for columns, changes in todo.person_changes.items():
        statement = (
            update(people)
            .where(people.c.id == bindparam("id_"))
            .values({c: bindparam(c, type_=people.c[c].type) for c in (*columns, "updated_at")})
        )
        plan.changes.append(prepare(statement, changes))
    if todo.categories:
        table = _REGISTRATIONS
        statement = (
            update(table)
            .where(table.c.id == bindparam("id_"))
            .values(category=bindparam("category", type_=table.c.category.type))
        )
        plan.changes.append(prepare(statement, todo.categories))
    if todo.registrations:
        # A registration made meanwhile (a sign-up with the same address) is kept, not doubled.
        example = {**todo.registrations[0], "person_id": 0}
        plan.registrations = prepare(_insert_or_skip(_REGISTRATIONS, example), todo.registrations)
    if todo.audit:
        plan.audit = prepare(_audit_insert(todo.audit[0]), todo.audit)


def _audit_insert(example: dict[str, Any]) -> Any:
    """An audit entry about the forum's registration of the row's person (found by its index)."""
    table = _AUDIT_LOG
    values: dict[str, Any] = {k: bindparam(k, type_=table.c[k].type) for k in example}
    values["object_id"] = (
        select(Registration.id)
        .where(
            Registration.forum_id == bindparam("forum_id"),
            Registration.person_id == bindparam("person_id_"),
        )
        .scalar_subquery()
    )
    return insert(table).values(values)


def _insert_or_skip(table: Table, example: dict[str, Any]) -> Any:
    """INSERT … ON CONFLICT DO NOTHING, in the database's own dialect."""
    # The dialect's module is imported here: on SQLite, a worker never loads PostgreSQL's (2.4 MB).
    name = "postgresql" if db.engine.dialect.name == "postgresql" else "sqlite"
    dialect: Any = importlib.import_module(f"sqlalchemy.dialects.{name}")
    values = {k: bindparam(k, type_=table.c[k].type) for k in example}
    return dialect.insert(table).values(values).on_conflict_do_nothing()


def _last_transaction(plan: _Plan, person_ids: dict[str, int]) -> list[Prepared]:
    """Changes, new registrations, answers and the audit log, with the people's ids filled in: all that
    is left to do under the lock is the database's own work."""
    last = list(plan.changes)
    if plan.registrations is not None:
        last.append(
            plan.registrations.filled("person_id", [person_ids[e] for e in plan.registering])
        )
    last += plan.answers.statements(person_ids)
    if plan.audit is not None:
        last.append(plan.audit.filled("person_id_", [person_ids[e] for e in plan.audited]))
    return last


def _new_person(email: str, values: dict[str, str]) -> dict[str, Any]:
    language = "tr" if values.get("country", "TR") == "TR" else "en"
    blank = dict.fromkeys(("family_name", "organisation", "position", "country", "phone"), "")
    person: dict[str, Any] = {**blank, "language": language, **values, "email": email}
    person.update(bio_tr="", bio_en="", search_key=_key(person))
    return person


def _new_registration(forum_id: int, category: Category | None, now: datetime) -> dict[str, Any]:
    return {
        "forum_id": forum_id,
        "category": category or Category.PARTICIPANT,
        "status": RegistrationStatus.CONFIRMED,
        "manage_token": new_token(),
        "source": "import",
        "badge_serial": 1,
        "confirmed_at": now,
        "created_at": now,
        "updated_at": now,
    }


def _audit_entry(
    forum_id: int, staff_user_id: int | None, details: dict[str, Any], now: datetime
) -> dict[str, Any]:
    return {
        "forum_id": forum_id,
        "staff_user_id": staff_user_id,
        "actor": "staff" if staff_user_id else "system",
        "action": "registration.import",
        "object_type": "registration",
        "details": details,
        "created_at": now,
    }


def _key(person: dict[str, Any]) -> str:
    return person_search_key(
        person["given_name"], person["family_name"], person["email"], person["organisation"]
    )


def _remove_unregistered(plan: _Plan) -> None:
    """Remove the people this import created if their registrations were not written."""
    for start in range(0, len(plan.new_emails), 500):
        chunk = plan.new_emails[start : start + 500]
        with write_intent():
            db.session.execute(
                delete(Person).where(
                    Person.email.in_(chunk),
                    Person.created_at == plan.created_at,
                    ~exists().where(Registration.person_id == Person.id),
                )
            )
            db.session.commit()


def _person_ids(emails: list[str]) -> dict[str, int]:
    """The ids of the people with these e-mail addresses."""
    found: dict[str, int] = {}
    unique = list(dict.fromkeys(emails))
    for start in range(0, len(unique), 500):
        query = select(Person.email, Person.id).where(Person.email.in_(unique[start : start + 500]))
        for email, person_id in db.session.execute(query):
            found[email or ""] = person_id
    return found


def _registration_ids(forum_id: int, person_ids: list[int]) -> dict[int, int]:
    """The forum's registrations of these people: their ids by person."""
    found: dict[int, int] = {}
    for start in range(0, len(person_ids), 500):
        query = select(Registration.person_id, Registration.id).where(
            Registration.forum_id == forum_id,
            Registration.person_id.in_(person_ids[start : start + 500]),
        )
        for person_id, registration_id in db.session.execute(query):
            found[person_id] = registration_id
    return found


_PERSON_FIELDS = (Person.id, Person.email, *(getattr(Person, name) for name in UPDATABLE))


def _existing_people(emails: list[str]) -> dict[str, dict[str, Any]]:
    """The people already there, by e-mail: their id and the fields an import may change."""
    people: dict[str, dict[str, Any]] = {}
    for start in range(0, len(emails), 500):
        chunk = emails[start : start + 500]
        for row in db.session.execute(select(*_PERSON_FIELDS).where(Person.email.in_(chunk))):
            people[row.email] = dict(row._mapping)
    return people


def _existing_registrations(
    forum_id: int, person_ids: list[int]
) -> dict[int, tuple[int, Category]]:
    """The forum's registrations of these people: (id, category) by person."""
    found: dict[int, tuple[int, Category]] = {}
    for start in range(0, len(person_ids), 500):
        query = select(Registration.person_id, Registration.id, Registration.category).where(
            Registration.forum_id == forum_id,
            Registration.person_id.in_(person_ids[start : start + 500]),
        )
        for person_id, registration_id, category in db.session.execute(query):
            found[person_id] = (registration_id, category)
    return found
