"""The forum's own sign-up questions (dietary needs, interpretation, accessibility …) and answers.

A question is never deleted once answered: it is retired (no longer asked, its answers kept).
Options of a choice question likewise: an option the organiser removes is retired, and the
answers that chose it keep it. Answers are typed: text, a number, yes/no, or chosen options.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from maruf_reg.extensions import Model
from maruf_reg.models.base import UTCDateTime, utcnow
from maruf_reg.models.program import enum_column
from maruf_reg.text import localized


class QuestionKind(enum.StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    #: one of the options
    CHOICE = "choice"
    #: several of the options
    CHOICES = "choices"
    YES_NO = "yes_no"
    NUMBER = "number"


#: kinds whose answers are options
CHOICE_KINDS = (QuestionKind.CHOICE, QuestionKind.CHOICES)


class Question(Model):
    """A question the forum asks on its sign-up form."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind))
    label_tr: Mapped[str] = mapped_column(String(300))
    label_en: Mapped[str] = mapped_column(String(300))
    #: a line under the question
    help_tr: Mapped[str] = mapped_column(Text, default="")
    help_en: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(default=False)
    #: categories asked; empty asks everybody
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: order on the form
    position: Mapped[int] = mapped_column(default=0)
    #: bounds of a number answer (inclusive), when given
    number_min: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    number_max: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    #: False once retired: no longer asked; its answers stay
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    options: Mapped[list[QuestionOption]] = relationship(
        back_populates="question",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="QuestionOption.position, QuestionOption.id",
    )

    def label(self, locale: str) -> str:
        return localized(self, "label", locale)

    def help(self, locale: str) -> str:
        return localized(self, "help", locale)

    def asks(self, category: str) -> bool:
        """Whether this question is asked of a registration of that category."""
        return self.active and (not self.categories or category in self.categories)

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.kind}>"


class QuestionOption(Model):
    """One option of a choice question."""

    __tablename__ = "question_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    label_tr: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    #: False once retired: no longer offered; the answers that chose it keep it
    active: Mapped[bool] = mapped_column(default=True)

    question: Mapped[Question] = relationship(back_populates="options")

    __table_args__ = (Index("ix_question_options_question", "question_id", "position"),)

    def label(self, locale: str) -> str:
        return localized(self, "label", locale)


class Answer(Model):
    """A registration's answer to one question, in the column its kind uses."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    #: short and long text answers
    text: Mapped[str | None] = mapped_column(Text)
    #: number answers
    number: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    #: yes/no answers
    yes: Mapped[bool | None]
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[Question] = relationship()
    choices: Mapped[list[AnswerChoice]] = relationship(
        back_populates="answer", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        UniqueConstraint("registration_id", "question_id"),
        Index("ix_answers_question", "question_id"),
    )


class AnswerChoice(Model):
    """An option chosen in an answer to a choice question."""

    __tablename__ = "answer_choices"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"))
    option_id: Mapped[int] = mapped_column(
        ForeignKey("question_options.id", ondelete="CASCADE"), index=True
    )

    answer: Mapped[Answer] = relationship(back_populates="choices")
    option: Mapped[QuestionOption] = relationship()

    __table_args__ = (UniqueConstraint("answer_id", "option_id"),)
