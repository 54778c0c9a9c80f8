"""The answers to the forum's own questions, counted: how many answered, per option, yes and no,
and the spread of numbers — over registrations that are not cancelled (as every report counts).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

from maruf_reg.extensions import db
from maruf_reg.models import Answer, AnswerChoice, Forum, Registration
from maruf_reg.registration import questions
from maruf_reg.registration.questions import OptionSpec, QuestionSpec
from maruf_reg.reports.services import not_cancelled


@dataclass(frozen=True)
class QuestionFigures:
    question: QuestionSpec
    #: registrations (not cancelled) with an answer
    answered: int = 0
    #: (option, people who chose it), in the form's order; retired options chosen by someone too
    choices: list[tuple[OptionSpec, int]] = field(default_factory=list)
    yes: int = 0
    no: int = 0
    smallest: Decimal | None = None
    largest: Decimal | None = None
    average: Decimal | None = None

    def share(self, count: int) -> float:
        return count / self.answered if self.answered else 0.0


def question_figures(forum: Forum) -> list[QuestionFigures]:
    """Every question of the forum (retired ones too) with its answers counted."""
    asked = questions.specs(forum.id, include_retired=True)
    if not asked:
        return []
    live = (
        select(Answer.id, Answer.question_id, Answer.yes, Answer.number)
        .join(Registration, Registration.id == Answer.registration_id)
        .where(Registration.forum_id == forum.id, not_cancelled())
        .subquery()
    )
    totals = {
        qid: (int(n), yes, no, low, high, mean)
        for qid, n, yes, no, low, high, mean in db.session.execute(
            select(
                live.c.question_id,
                func.count(),
                func.count().filter(live.c.yes.is_(True)),
                func.count().filter(live.c.yes.is_(False)),
                func.min(live.c.number),
                func.max(live.c.number),
                func.avg(live.c.number),
            ).group_by(live.c.question_id)
        )
    }
    chosen: dict[int, int] = defaultdict(int)
    for option_id, count in db.session.execute(
        select(AnswerChoice.option_id, func.count())
        .join(live, live.c.id == AnswerChoice.answer_id)
        .group_by(AnswerChoice.option_id)
    ):
        chosen[int(option_id)] = int(count)
    figures = []
    for question in asked:
        n, yes, no, low, high, mean = totals.get(question.id, (0, 0, 0, None, None, None))
        figures.append(
            QuestionFigures(
                question,
                answered=n,
                choices=[
                    (option, chosen[option.id])
                    for option in question.options
                    if option.active or chosen[option.id]
                ],
                yes=int(yes or 0),
                no=int(no or 0),
                smallest=_decimal(low),
                largest=_decimal(high),
                average=_decimal(mean),
            )
        )
    return figures


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01")).normalize()
