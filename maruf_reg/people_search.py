"""Finding people by name, e-mail or organisation: accent- and case-insensitive ("ozturk",
"Ozt" and "öztürk" all find "Öztürk"), every word of the query somewhere in the person's folded
`search_key`.

Each word is a substring match. With 50,000 people a plain `LIKE '%…%'` reads every row, so
words of three letters or more go through a trigram index: PostgreSQL's pg_trgm (a GIN index on
`people.search_key`, declared on the model) and, on SQLite, an FTS5 table with the trigram
tokenizer kept in step with `people` by triggers (made here, by the migrations and by
`create_all`). Shorter words ("王", "ko") fall back to the plain scan.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ARRAY,
    DDL,
    Column,
    ColumnElement,
    Integer,
    MetaData,
    Table,
    Text,
    any_,
    bindparam,
    event,
    func,
    select,
    true,
)
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import BindParameter

from maruf_reg.extensions import db
from maruf_reg.models import Category, Person, Registration, RegistrationStatus
from maruf_reg.names import display_name, sort_key
from maruf_reg.text import search_key

#: at most this many words of a query are used
MAX_WORDS = 8
#: at most this many people in a search's answer
SEARCH_LIMIT = 25
#: a trigram index finds words of this many letters or more
TRIGRAM = 3
#: the FTS5 table on SQLite (not one of the models: `create_all` must not make it as a table)
people_search = Table(
    "people_search", MetaData(), Column("rowid", Integer), Column("search_key", Text)
)

SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS people_search USING fts5("
    "search_key, content='people', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS people_search_insert AFTER INSERT ON people BEGIN "
    "INSERT INTO people_search(rowid, search_key) VALUES (new.id, new.search_key); END",
    "CREATE TRIGGER IF NOT EXISTS people_search_delete AFTER DELETE ON people BEGIN "
    "INSERT INTO people_search(people_search, rowid, search_key) "
    "VALUES ('delete', old.id, old.search_key); END",
    "CREATE TRIGGER IF NOT EXISTS people_search_update AFTER UPDATE OF search_key ON people BEGIN "
    "INSERT INTO people_search(people_search, rowid, search_key) "
    "VALUES ('delete', old.id, old.search_key); "
    "INSERT INTO people_search(rowid, search_key) VALUES (new.id, new.search_key); END",
    # Index the rows that exist already (a no-op on an empty table).
    "INSERT INTO people_search(people_search) VALUES ('rebuild')",
]

for _statement in SQLITE_DDL:
    event.listen(
        Person.__table__,
        "after_create",
        DDL(_statement).execute_if(dialect="sqlite"),  # type: ignore[no-untyped-call]
    )


def is_search_table(name: str) -> bool:
    """The FTS5 table and its shadow tables (left out of migration comparisons)."""
    return name == "people_search" or name.startswith("people_search_")


def query_words(query: str) -> list[str]:
    """The folded words of a search query."""
    return search_key(query).split()[:MAX_WORDS]


def _indexed_word(words: list[str]) -> str | None:
    """The word SQLite looks up in its FTS5 table: the longest of three letters or more (FTS5 uses
    its trigram index only for a LIKE without ESCAPE: hence no % or _ in it)."""
    if db.engine.dialect.name != "sqlite":
        return None
    indexed = [w for w in words if len(w) >= TRIGRAM and not set(w) & {"%", "_"}]
    return max(indexed, key=len) if indexed else None


def _split(words: list[str], driver: str | None) -> tuple[list[str], list[str]]:
    """The words other than SQLite's FTS5 word: those the trigram index can find, and (PostgreSQL)
    those too short for it.

    PostgreSQL prepares a statement run five times on a connection (psycopg) and may then plan it
    once for any values (a generic plan, with the settings of the transaction it is made in): a
    LIKE in a generic plan may be looked up in the trigram index, which, for a word that yields no
    trigram, reads the whole index (30 ms at 50,000 people for "ko", against 0.2–8 ms reading the
    table). A short word's LIKE is therefore written `(… LIKE …) IS true`, which no index answers:
    a statement whose words are all short reads the table, and a short word beside a long one is
    checked on the rows the long one finds."""
    others = [w for w in words if w != driver]
    if db.engine.dialect.name != "postgresql":
        return others, []
    return [w for w in others if len(w) >= TRIGRAM], [w for w in others if len(w) < TRIGRAM]


def _has_word(
    text: ColumnElement[str] | QueryableAttribute[str], pattern: Any, *, short: bool
) -> ColumnElement[bool]:
    """`text` matches the LIKE pattern (`like_pattern`); never through an index when `short`
    (`_split`)."""
    like = text.like(pattern, escape="/")
    return like.is_(true()) if short else like


def condition(
    words: list[str], person_id: ColumnElement[int] | QueryableAttribute[int]
) -> list[ColumnElement[bool]]:
    """Conditions (to AND) that the person has every word somewhere; the query must join
    `Person`. For lists and counts: every match is considered."""
    driver = _indexed_word(words)
    conditions: list[ColumnElement[bool]] = []
    if driver is not None:
        found = select(people_search.c.rowid).where(people_search.c.search_key.like(f"%{driver}%"))
        conditions.append(person_id.in_(found))
    # PostgreSQL answers the long words from its trigram index.
    long, short = _split(words, driver)
    conditions += [_has_word(Person.search_key, like_pattern(w), short=False) for w in long]
    conditions += [_has_word(Person.search_key, like_pattern(w), short=True) for w in short]
    return conditions


def like_pattern(word: str) -> str:
    """The LIKE pattern (escape character "/") of a word anywhere in the text: the value
    `contains(word, autoescape=True)` binds, so that a statement can be built once and the word
    bound at each search."""
    return "%" + word.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def _prefer_the_index(words: list[str]) -> bool:
    """On PostgreSQL, have the next statements of this transaction read the trigram index rather
    than the table (`SET LOCAL enable_seqscan = off`), when a word is long enough to use it.

    With a LIMIT, the planner reads the table in order until it has enough matches whenever the
    statistics say a word is common ("benali": 1 % of the rows), assuming the matches are spread
    evenly; when they sit together at the table's end (people imported or registered together) it
    reads most of it: 4–11 ms at 50,000 people, against 0.3–0.9 ms from the index, whatever the word.
    (Planned for all its rows instead, a MATERIALIZED common table expression, the planner still
    reads the table when it is small or its rows short: 2.6 ms at 20,000 people for 300 matches.)
    Returns whether the setting was changed (`_prefer_the_table` puts it back).
    """
    if db.engine.dialect.name != "postgresql" or not any(len(w) >= TRIGRAM for w in words):
        return False
    # The driver's own call: a statement without parameters or results needs no more.
    db.session.connection().exec_driver_sql("SET LOCAL enable_seqscan = off")
    return True


def _prefer_the_table() -> None:
    db.session.connection().exec_driver_sql("SET LOCAL enable_seqscan TO DEFAULT")


@functools.cache
def _candidates_statement(long: int, short: int, driven: bool) -> Any:
    """The candidates' statement for a number of words (`_split`), built once per shape: the words
    bound as `word0`, `word1` … and `short0` … (`like_pattern`), SQLite's FTS5 word as `driver`,
    `limit` and `offset`: built at each search, they and their cache keys were a fifth of its CPU."""
    limit: BindParameter[int] = bindparam("limit")
    offset: BindParameter[int] = bindparam("offset")
    words: list[BindParameter[str]] = [bindparam(f"word{n}") for n in range(long)]
    shorts: list[BindParameter[str]] = [bindparam(f"short{n}") for n in range(short)]
    if driven:
        # SQLite's FTS5 table answers a LIKE without ESCAPE from its trigram index; the other
        # words are checked on the person's row.
        key = select(Person.search_key).where(Person.id == people_search.c.rowid).scalar_subquery()
        query = select(people_search.c.rowid).where(
            people_search.c.search_key.like(bindparam("driver")),
            *(_has_word(key, word, short=False) for word in words),
        )
        return query.limit(limit).offset(offset)
    has = [_has_word(Person.search_key, word, short=False) for word in words]
    has += [_has_word(Person.search_key, word, short=True) for word in shorts]
    return select(Person.id).where(*has).limit(limit).offset(offset)


def candidates(words: list[str], *, limit: int, offset: int = 0) -> list[int]:
    """Up to `limit` ids of people who have every word, in index order, from `offset` on: for
    searches that need only the first few matches (they stop reading the index early)."""
    driver = _indexed_word(words)
    long, short = _split(words, driver)
    query = _candidates_statement(len(long), len(short), driver is not None)
    params: dict[str, Any] = {f"word{n}": like_pattern(w) for n, w in enumerate(long)}
    params.update({f"short{n}": like_pattern(w) for n, w in enumerate(short)})
    if driver is not None:
        params["driver"] = f"%{driver}%"
    params.update(limit=limit, offset=offset)
    # all(): the driver's fetchall, not a fetchone a row
    return list(db.session.connection().execute(query, params).scalars().all())


# --- registrations of a forum (the desk, the scanner's search) ------------------------------

_registrations = Registration.__table__
_people = Person.__table__


@dataclass(frozen=True)
class PersonHit:
    registration_id: int
    person_id: int
    given_name: str
    family_name: str
    email: str
    organisation: str
    country: str
    category: Category
    status: RegistrationStatus
    badge_serial: int

    @functools.cached_property
    def name(self) -> str:
        # Read twice a hit (the order, the answer): worked out once.
        return display_name(self.given_name, self.family_name)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.registration_id,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "name": self.name,
            "category": self.category.value,
            "organisation": self.organisation,
            "country": self.country,
            "email": self.email,
            "status": self.status.value,
        }


_HITS = select(
    _registrations.c.id,
    _people.c.id.label("person_id"),
    _people.c.given_name,
    _people.c.family_name,
    _people.c.email,
    _people.c.organisation,
    _people.c.country,
    _registrations.c.category,
    _registrations.c.status,
    _registrations.c.badge_serial,
).select_from(_registrations.join(_people, _people.c.id == _registrations.c.person_id))


@functools.cache
def _of_forum(dialect: str) -> Any:
    """Registrations of the forum `forum` among the people `people`, at most `limit`: one
    statement whatever their number (an array on PostgreSQL, a JSON list on SQLite: `_among`), so
    that it is built, compiled and prepared once."""
    registration_person = _registrations.c.person_id
    if dialect == "postgresql":
        among = registration_person == any_(bindparam("people", type_=ARRAY(Integer)))
    else:
        listed = func.json_each(bindparam("people")).table_valued("value")
        among = registration_person.in_(select(listed.c.value))
    return _HITS.where(_registrations.c.forum_id == bindparam("forum"), among).limit(
        bindparam("limit")
    )


def _among(dialect: str, people: list[int]) -> Any:
    """The value of `_of_forum`'s `people`."""
    return people if dialect == "postgresql" else json.dumps(people)


def search_people(
    forum_id: int, query: str, *, limit: int = SEARCH_LIMIT, locale: str = "tr"
) -> list[PersonHit]:
    """Registrations of the forum whose names, e-mail or organisation hold every word of the query,
    accent- and case-insensitively ("ozturk" finds "Öztürk"); at most `limit`, by name."""
    words = query_words(query)
    if not words or all(len(w) < 2 for w in words):
        return []
    # Candidates a few at a time, straight from the index (a common name has thousands of
    # matches: sorting or counting them all would read them all), until enough are in this forum.
    rows: list[Any] = []
    batch = limit * 2
    offset = 0
    dialect = db.engine.dialect.name
    of_forum = _of_forum(dialect)
    indexed = _prefer_the_index(words)
    while len(rows) < limit:
        people = candidates(words, limit=batch, offset=offset)
        if people:
            among = {
                "forum": forum_id,
                "people": _among(dialect, people),
                "limit": limit - len(rows),
            }
            rows += db.session.connection().execute(of_forum, among).all()
        if len(people) < batch:
            break
        offset += batch
    if indexed:
        _prefer_the_table()
    # The rows unpacked by position (the columns of _HITS, in PersonHit's order).
    hits = [
        PersonHit(
            registration_id,
            person_id,
            given_name,
            family_name,
            email or "",
            organisation,
            country,
            Category(category),
            RegistrationStatus(status),
            badge_serial,
        )
        for (
            registration_id,
            person_id,
            given_name,
            family_name,
            email,
            organisation,
            country,
            category,
            status,
            badge_serial,
        ) in rows
    ]
    # By name, in the reader's alphabet (Turkish: Ç after C, İ and I apart …).
    return sorted(hits, key=lambda h: (sort_key(h.name, locale), h.registration_id))
