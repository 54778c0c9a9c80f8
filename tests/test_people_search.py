"""The people search at scale: a common name whose matches sit together, and matches spread over
several editions (the search reads candidates a batch at a time until the forum has enough)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, insert, select, text

from maruf_reg.extensions import db
from maruf_reg.models import Category, Person, Registration, RegistrationStatus
from maruf_reg.models.people import person_search_key
from maruf_reg.people_search import SEARCH_LIMIT, candidates, like_pattern, search_people


def _people(rows: list[tuple[str, str]]) -> list[int]:
    """Many people at once (bulk insert, as imports and the demo do); their ids."""
    values = [
        {
            "given_name": given,
            "family_name": family,
            "email": None,
            "organisation": "",
            "country": "TR",
            "language": "tr",
            "search_key": person_search_key(given, family, None, ""),
        }
        for given, family in rows
    ]
    return list(db.session.scalars(insert(Person).returning(Person.id), values))


def _register(forum_id: int, people: list[int]) -> None:
    db.session.execute(
        insert(Registration),
        [
            {
                "forum_id": forum_id,
                "person_id": person,
                "status": RegistrationStatus.CONFIRMED,
                "category": Category.PARTICIPANT,
                "manage_token": f"t{forum_id}-{person}",
            }
            for person in people
        ],
    )


@contextmanager
def _statements_sent() -> Iterator[list[tuple[str, Any]]]:
    """The statements (and their parameters) sent to the database inside the block."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_matches_in_another_edition_are_passed_over_a_batch_at_a_time(app, forum, make_forum):
    earlier = make_forum(slug="earlier")
    with app.app_context():
        # The earlier edition's 120 Benalis come first in the index: two and more batches of
        # candidates hold none of this forum's.
        _register(earlier.id, _people([("Karim", "Benali")] * 120))
        ours = _people([("Samira", "Benali")] * 30)
        _register(forum.id, ours)
        db.session.commit()
        hits = search_people(forum.id, "benali")
        assert len(hits) == SEARCH_LIMIT
        assert {hit.person_id for hit in hits} <= set(ours)
        assert search_people(forum.id, "samira benali")[0].name == "Samira Benali"
        assert search_people(earlier.id, "samira") == []


def test_a_common_name_that_sits_at_the_end_is_read_from_the_index(app, forum, database_url):
    """PostgreSQL, told by its statistics that a word is common, would read the table in order
    until it has a batch; the search has it read the trigram index instead, and puts the setting
    back for what the transaction does next."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's planner: SQLite's FTS5 table is always read through its index")
    with app.app_context():
        _people([(f"Ayşe{n}", f"Yıldız{n}") for n in range(3000)])
        _register(forum.id, _people([("Nadia", "Benali")] * 300))
        db.session.commit()
        db.session.execute(text("ANALYZE people"))
        db.session.commit()
        with _statements_sent() as sent:
            hits = search_people(forum.id, "benali")
        assert len(hits) == SEARCH_LIMIT
        assert sent[0][0] == "SET LOCAL enable_seqscan = off" and "LIKE" in sent[1][0]
        assert sent[-1][0] == "SET LOCAL enable_seqscan TO DEFAULT"
        assert db.session.scalar(text("SHOW enable_seqscan")) == "on"
        # The plan the search gets:
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        query = select(Person.id).where(Person.search_key.contains("benali", autoescape=True))
        plan = "\n".join(
            db.session.scalars(
                text(
                    "EXPLAIN "
                    + str(
                        query.limit(50).compile(db.engine, compile_kwargs={"literal_binds": True})
                    )
                )
            )
        )
        assert "Bitmap Index Scan on ix_people_search_key" in plan, plan
        # a GIN trigram index, made from the models by create_all (models.people.for_postgresql)
        definition = db.session.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_people_search_key'")
        )
        assert "USING gin (search_key gin_trgm_ops)" in definition, definition
        db.session.rollback()
        assert len(candidates(["benali"], limit=50)) == 50


def test_like_pattern_binds_what_sqlalchemy_s_autoescape_binds():
    """`like_pattern` (statements built once, the word bound) and SQLAlchemy's
    `contains(autoescape=True)` (built at each call) escape alike."""
    for word in ["benali", "50%", "a_b", "x/y", "//%%__", "öz"]:
        escaped = Person.search_key.contains(word, autoescape=True).compile(
            compile_kwargs={"literal_binds": True}
        )
        assert str(escaped).endswith(" ESCAPE '/'")
        inner = str(escaped).split("'%' || '", 1)[1].rsplit("' || '%'", 1)[0]
        assert like_pattern(word) == f"%{inner}%", word


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("50%_off", {"Percent"}),  # a wildcard of LIKE is a letter in a query
        ("a_b", {"Underscore"}),
        ("x/y", {"Slash"}),  # and the escape character too
        ("ayse 50%", {"Percent"}),
        ("ayse 50", {"Percent", "Fifty"}),
        ("ayse", {"Percent", "Fifty", "Underscore", "Slash", "Plain"}),
        ("0%%", set()),
        ("_b", {"Underscore"}),
    ],
)
def test_wildcards_and_the_escape_character_are_letters(app, forum, query, found):
    with app.app_context():
        people = _people(
            [
                ("Ayşe", "Percent 50%_off"),
                ("Ayşe", "Fifty 50xoff"),
                ("Ayşe", "Underscore a_b"),
                ("Ayşe", "Slash x/y"),
                ("Ayşe", "Plain axb xzy"),
            ]
        )
        _register(forum.id, people)
        db.session.commit()
        hits = search_people(forum.id, query)
        assert {hit.family_name.split()[0] for hit in hits} == found


def _literal(value: Any) -> str:
    if isinstance(value, int):
        return str(value)
    # % doubled: the driver reads the statement's placeholders
    return "'" + str(value).replace("'", "''").replace("%", "%%") + "'"


def _generic_plan(statement: str, parameters: dict[str, Any]) -> str:
    """The plan PostgreSQL keeps for a statement once psycopg has prepared it (after five runs on a
    connection) and PostgreSQL plans it for any values: prepared here, shown by EXPLAIN EXECUTE
    with plan_cache_mode = force_generic_plan."""
    names = re.findall(r"%\((\w+)\)s", statement)
    numbered = re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m.group(1)) + 1}", statement)
    connection = db.session.connection()
    connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    connection.exec_driver_sql(f"PREPARE probe AS {numbered}")
    # EXECUTE's arguments written out (the test's own values): bound, they would have no type.
    arguments = ", ".join(_literal(parameters[name]) for name in dict.fromkeys(names))
    try:
        return "\n".join(
            connection.exec_driver_sql(f"EXPLAIN EXECUTE probe({arguments})").scalars()
        )
    finally:
        connection.exec_driver_sql("DEALLOCATE probe")


def test_a_short_word_is_never_looked_up_in_the_trigram_index(app, forum, database_url):
    """A LIKE on a word of one or two letters yields no trigram: read from the trigram index, it
    reads the whole index (30 ms at 50,000 people). PostgreSQL plans a prepared statement once
    for any values after five runs, with whatever settings the transaction has then (the search
    turns the table scan off when a word is long): a short word's statement must be one the
    index cannot answer, under any settings."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's plans of prepared statements")
    with app.app_context():
        _register(forum.id, _people([(f"Ayşe{n}", "Kocabaş") for n in range(300)]))
        db.session.commit()
        db.session.execute(text("ANALYZE people"))
        db.session.commit()
        with _statements_sent() as sent:
            assert len(search_people(forum.id, "ko")) == SEARCH_LIMIT
            short = sent[0]  # the candidates, then their registrations
            sent.clear()
            assert len(search_people(forum.id, "kocabas")) == SEARCH_LIMIT
            long = sent[1]  # after SET LOCAL enable_seqscan = off
            assert len(search_people(forum.id, "kocabas ko")) == SEARCH_LIMIT
        assert short[0] != long[0]
        db.session.connection().exec_driver_sql("SET LOCAL enable_seqscan = off")
        assert "ix_people_search_key" not in _generic_plan(*short)
        assert "Bitmap Index Scan on ix_people_search_key" in _generic_plan(*long)
        db.session.rollback()
