"""Answers to the forum's questions in an import, made ready like the rest of it (importer.py):
compared with what is stored before any lock, written under it by prepared statements that find
the registration (and the answer, for its chosen options) by their indexes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select

from maruf_reg.database import Prepared, prepare
from maruf_reg.models import Answer, AnswerChoice, Registration
from maruf_reg.registration import answers
from maruf_reg.registration.answers import AnswerValue

_ANSWERS = cast(Table, Answer.__table__)
_CHOICES = cast(Table, AnswerChoice.__table__)


@dataclass
class ImportAnswers:
    """The answers an import writes: rows of three statements, and whose they are."""

    #: stored answers that change (deleted, then written again unless now empty)
    removed: list[dict[str, Any]] = field(default_factory=list)
    written: list[dict[str, Any]] = field(default_factory=list)
    chosen: list[dict[str, Any]] = field(default_factory=list)
    #: the e-mail addresses of the people of `written` and `chosen`, row by row
    writing: list[str] = field(default_factory=list)
    choosing: list[str] = field(default_factory=list)

    def add(
        self,
        forum_id: int,
        email: str,
        registration_id: int | None,
        values: list[AnswerValue],
        now: datetime,
    ) -> list[int]:
        """The row's answers; the ids of the questions whose answer changes."""
        given = answers.answers_of(registration_id) if registration_id is not None else {}
        changed = [v for v in values if not answers.same_answer(given.get(v.question_id), v)]
        for value in changed:
            if value.question_id in given:
                self.removed.append(
                    {"registration_id_": registration_id, "question_id_": value.question_id}
                )
            if value.empty:
                continue
            self.written.append(
                {
                    "forum_id_": forum_id,
                    "question_id": value.question_id,
                    "text": value.text,
                    "number": value.number,
                    "yes": value.yes,
                    "answered_at": now,
                }
            )
            self.writing.append(email)
            for option_id in value.option_ids:
                self.chosen.append(
                    {
                        "forum_id_": forum_id,
                        "question_id_": value.question_id,
                        "option_id": option_id,
                    }
                )
                self.choosing.append(email)
        return [value.question_id for value in changed]

    def statements(self, person_ids: dict[str, int]) -> list[Prepared]:
        """The statements, in their order, with the people's ids filled in."""
        ready = []
        if self.removed:
            ready.append(prepare(_remove(), self.removed))
        if self.written:
            rows = [
                {**row, "person_id_": person_ids[e]}
                for row, e in zip(self.written, self.writing, strict=True)
            ]
            ready.append(prepare(_write(), rows))
        if self.chosen:
            rows = [
                {**row, "person_id_": person_ids[e]}
                for row, e in zip(self.chosen, self.choosing, strict=True)
            ]
            ready.append(prepare(_choose(), rows))
        return ready


def _registration_id() -> Any:
    return (
        select(Registration.id)
        .where(
            Registration.forum_id == bindparam("forum_id_"),
            Registration.person_id == bindparam("person_id_"),
        )
        .scalar_subquery()
    )


def _remove() -> Any:
    return delete(_ANSWERS).where(
        _ANSWERS.c.registration_id == bindparam("registration_id_"),
        _ANSWERS.c.question_id == bindparam("question_id_"),
    )


def _write() -> Any:
    columns = ("question_id", "text", "number", "yes", "answered_at")
    values: dict[str, Any] = {c: bindparam(c, type_=_ANSWERS.c[c].type) for c in columns}
    return insert(_ANSWERS).values(registration_id=_registration_id(), **values)


def _choose() -> Any:
    answer = (
        select(Answer.id)
        .where(
            Answer.registration_id == _registration_id(),
            Answer.question_id == bindparam("question_id_"),
        )
        .scalar_subquery()
    )
    option = bindparam("option_id", type_=_CHOICES.c.option_id.type)
    return insert(_CHOICES).values(answer_id=answer, option_id=option)
