"""Answers to the forum's own questions: read (one reading for the form, the desk and the import),
saved in the transaction of the change that brings them, and shown back in the reader's language.

`read_answer` takes the text as typed (or the options' ids as posted) and gives a typed
`AnswerValue`, or refuses with a message in the reader's language on the question's field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from maruf_reg.errors import N_
from maruf_reg.extensions import db
from maruf_reg.models import (
    CHOICE_KINDS,
    Answer,
    AnswerChoice,
    QuestionKind,
    utcnow,
)
from maruf_reg.registration.questions import QuestionError, QuestionSpec, field_name, specs
from maruf_reg.text import search_key

SHORT_MAX = 300
LONG_MAX = 5000
#: how a yes or a no may be typed in an imported file (folded: "Hayır" is "hayir")
YES = {"yes", "y", "evet", "e", "true", "1", "نعم"}
NO = {"no", "n", "hayir", "h", "false", "0", "لا"}
#: separates several options in one cell of an imported file
CHOICES_SEPARATOR = "|"


@dataclass(frozen=True)
class AnswerValue:
    """A typed answer; `empty` when the person gave none."""

    question_id: int
    text: str | None = None
    number: Decimal | None = None
    yes: bool | None = None
    option_ids: tuple[int, ...] = ()

    @property
    def empty(self) -> bool:
        return (
            self.text is None and self.number is None and self.yes is None and not self.option_ids
        )


def _refuse(question: QuestionSpec, message: Any) -> QuestionError:
    return QuestionError(message, field=field_name(question.id))


def _option_ids(question: QuestionSpec, raw: Iterable[str]) -> tuple[int, ...]:
    """Options as posted (ids) or typed (labels in either language, accents and case aside)."""
    offered = {o.id: o for o in question.offered}
    by_label = {
        search_key(label): o.id for o in offered.values() for label in (o.label_tr, o.label_en)
    }
    chosen: list[int] = []
    for value in raw:
        value = value.strip()
        if not value:
            continue
        option_id = (
            int(value)
            if value.isdigit() and int(value) in offered
            else by_label.get(search_key(value))
        )
        if option_id is None:
            raise _refuse(question, _l("Please choose from the options shown."))
        if option_id not in chosen:
            chosen.append(option_id)
    if question.kind == QuestionKind.CHOICE and len(chosen) > 1:
        raise _refuse(question, _l("Please choose one option."))
    return tuple(chosen)


def _number(question: QuestionSpec, text: str) -> Decimal:
    cleaned = text.replace(" ", "").replace(",", ".")
    if not re.fullmatch(r"[-+]?\d{1,10}(\.\d{1,4})?", cleaned):
        raise _refuse(question, _l("Please give a number."))
    try:
        number = Decimal(cleaned)
    except InvalidOperation as error:
        raise _refuse(question, _l("Please give a number.")) from error
    low, high = question.number_min, question.number_max
    if (low is not None and number < low) or (high is not None and number > high):
        raise _refuse(
            question,
            _l(
                "Please give a number from %(low)s to %(high)s.",
                low=_plain(low) if low is not None else "…",
                high=_plain(high) if high is not None else "…",
            ),
        )
    return number


def _plain(number: Decimal) -> str:
    """A number as people write it: 3, not 3.0000."""
    text = format(number.normalize(), "f")
    return text


def read_answer(question: QuestionSpec, raw: str | Sequence[str] | None) -> AnswerValue:
    """One answer as typed or posted (a list for several options); QuestionError if it is wrong."""
    values = [raw] if isinstance(raw, str) else list(raw or [])
    first = values[0].strip() if values and isinstance(values[0], str) else ""
    kind = question.kind
    if kind in CHOICE_KINDS:
        parts = [p for v in values for p in str(v).split(CHOICES_SEPARATOR)]
        value = AnswerValue(question.id, option_ids=_option_ids(question, parts))
    elif not first:
        value = AnswerValue(question.id)
    elif kind == QuestionKind.NUMBER:
        value = AnswerValue(question.id, number=_number(question, first))
    elif kind == QuestionKind.YES_NO:
        folded = search_key(first)
        if folded not in YES | NO:
            raise _refuse(question, _l("Please answer yes or no."))
        value = AnswerValue(question.id, yes=folded in YES)
    else:
        limit = SHORT_MAX if kind == QuestionKind.SHORT_TEXT else LONG_MAX
        if len(first) > limit:
            raise _refuse(question, _l("At most %(max)d characters, please.", max=limit))
        value = AnswerValue(question.id, text=first)
    if value.empty and question.required:
        raise _refuse(question, _l("Please answer this question."))
    return value


class AnswersRefused(QuestionError):
    """Some answers are wrong: `errors` has one message per question field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(N_("Some answers are not valid."))
        self.errors = errors


def read_answers(
    asked_questions: Sequence[QuestionSpec], raw: Mapping[str, str | Sequence[str] | None]
) -> list[AnswerValue]:
    """Every asked question's answer from posted or typed values (keyed by `field_name`); raises
    AnswersRefused with every problem at once."""
    values, errors = [], {}
    for question in asked_questions:
        try:
            values.append(read_answer(question, raw.get(field_name(question.id))))
        except QuestionError as error:
            errors[field_name(question.id)] = error.translated()
    if errors:
        raise AnswersRefused(errors)
    return values


def same_answer(answer: Answer | None, value: AnswerValue) -> bool:
    """Whether the stored answer already says what `value` says (nothing to write)."""
    if answer is None:
        return value.empty
    return (
        (answer.text, answer.yes) == (value.text, value.yes)
        and (answer.number is None) == (value.number is None)
        and (answer.number is None or value.number is None or answer.number == value.number)
        and {c.option_id for c in answer.choices} == set(value.option_ids)
    )


def save_answers(registration_id: int, values: Iterable[AnswerValue]) -> list[int]:
    """Store answers in the caller's transaction (an empty one removes the answer); returns the
    ids of the questions whose answer changed."""
    values = list(values)
    if not values:
        return []
    given = answers_of(registration_id)
    changed = []
    for value in values:
        answer = given.get(value.question_id)
        if same_answer(answer, value):
            continue
        changed.append(value.question_id)
        if value.empty:
            db.session.delete(answer)
            continue
        if answer is None:
            answer = Answer(registration_id=registration_id, question_id=value.question_id)
            db.session.add(answer)
        answer.text, answer.number, answer.yes = value.text, value.number, value.yes
        answer.answered_at = utcnow()
        answer.choices = [AnswerChoice(option_id=option_id) for option_id in value.option_ids]
    return changed


def delete_answers(registration_id: int) -> int:
    """Remove every answer of a registration (erasure); returns how many."""
    result = db.session.execute(delete(Answer).where(Answer.registration_id == registration_id))
    return int(getattr(result, "rowcount", 0) or 0)


def answer_text(question: QuestionSpec, answer: Answer | None, locale: str) -> str:
    """An answer as a person reads it, in their language."""
    if answer is None:
        return ""
    if question.kind in CHOICE_KINDS:
        chosen = {choice.option_id for choice in answer.choices}
        return ", ".join(o.label(locale) for o in question.options if o.id in chosen)
    if question.kind == QuestionKind.YES_NO:
        return "" if answer.yes is None else str(_l("Yes") if answer.yes else _l("No"))
    if question.kind == QuestionKind.NUMBER:
        return "" if answer.number is None else _plain(answer.number)
    return answer.text or ""


def form_value(question: QuestionSpec, answer: Answer | None) -> str | list[str] | None:
    """An answer as a form field shows it again (option ids, "yes"/"no", text)."""
    if answer is None:
        return None
    if question.kind in CHOICE_KINDS:
        return [str(choice.option_id) for choice in answer.choices]
    if question.kind == QuestionKind.YES_NO:
        return None if answer.yes is None else ("yes" if answer.yes else "no")
    if question.kind == QuestionKind.NUMBER:
        return None if answer.number is None else _plain(answer.number)
    return answer.text


def answers_of(registration_id: int) -> dict[int, Answer]:
    """A registration's answers by question id, with their choices."""
    rows = db.session.scalars(
        select(Answer)
        .where(Answer.registration_id == registration_id)
        .options(selectinload(Answer.choices))
    )
    return {answer.question_id: answer for answer in rows}


def answered(forum_id: int, registration_id: int, locale: str) -> list[tuple[QuestionSpec, str]]:
    """Every question the person answered (retired ones too), with the answer in `locale`."""
    found = answers_of(registration_id)
    return [
        (question, answer_text(question, found[question.id], locale))
        for question in specs(forum_id, include_retired=True)
        if question.id in found
    ]


def answers_by(registration_ids: Sequence[int]) -> dict[int, dict[int, Answer]]:
    """The answers of several registrations (an export's batch): registration → question → answer."""
    found: dict[int, dict[int, Answer]] = {}
    for answer in db.session.scalars(
        select(Answer)
        .where(Answer.registration_id.in_(list(registration_ids)))
        .options(selectinload(Answer.choices))
    ):
        found.setdefault(answer.registration_id, {})[answer.question_id] = answer
    return found
