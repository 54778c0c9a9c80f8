"""The forum's own sign-up questions, as the organisers ask, change and retire them.

A question or an option that has answers is never deleted: it is retired, and its answers stay
(the organiser's detail page, the exports and the report still show them). The answers are in
`maruf_reg/registration/answers.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from maruf_reg import audit
from maruf_reg.caching import AppCache
from maruf_reg.extensions import db
from maruf_reg.models import (
    CHOICE_KINDS,
    Answer,
    Category,
    Forum,
    Question,
    QuestionKind,
    QuestionOption,
)
from maruf_reg.registration.services import RegistrationError
from maruf_reg.text import localized, search_key

LABEL_MAX = 300
OPTION_MAX = 200


class QuestionError(RegistrationError):
    """A question's settings, or an answer, are refused; `field` names the form field."""


def field_name(question_id: int) -> str:
    """The form field of a question (`q_<id>`): on the sign-up form, the personal page, the desk."""
    return f"q_{question_id}"


# --- the organisers' side ----------------------------------------------------------------------


@dataclass(frozen=True)
class OptionFields:
    label_tr: str
    label_en: str


@dataclass(frozen=True)
class QuestionFields:
    kind: QuestionKind
    label_tr: str
    label_en: str
    help_tr: str = ""
    help_en: str = ""
    required: bool = False
    categories: Sequence[str] = ()
    position: int = 0
    options: Sequence[OptionFields] = ()
    number_min: Decimal | None = None
    number_max: Decimal | None = None


def parse_options(text: str) -> list[OptionFields]:
    """Options as an organiser types them, one a line: `Vejetaryen | Vegetarian` (one label: both)."""
    found = []
    for line in text.splitlines():
        if not line.strip():
            continue
        tr, _bar, en = line.partition("|")
        found.append(OptionFields(tr.strip(), (en or tr).strip()))
    return found


@dataclass(frozen=True)
class OptionSpec:
    id: int
    label_tr: str
    label_en: str
    active: bool

    def label(self, locale: str) -> str:
        return localized(self, "label", locale)


@dataclass(frozen=True)
class QuestionSpec:
    """A question as forms and answers need it: plain values, kept a second by the sign-up."""

    id: int
    kind: QuestionKind
    label_tr: str
    label_en: str
    help_tr: str
    help_en: str
    required: bool
    categories: tuple[str, ...]
    active: bool
    options: tuple[OptionSpec, ...]
    number_min: Decimal | None
    number_max: Decimal | None

    def label(self, locale: str) -> str:
        return localized(self, "label", locale)

    def help(self, locale: str) -> str:
        return localized(self, "help", locale)

    def asks(self, category: str) -> bool:
        """Whether this question is asked of a registration of that category."""
        return self.active and (not self.categories or category in self.categories)

    @property
    def offered(self) -> tuple[OptionSpec, ...]:
        return tuple(option for option in self.options if option.active)

    @classmethod
    def of(cls, question: Question) -> QuestionSpec:
        return cls(
            id=question.id,
            kind=QuestionKind(question.kind),
            label_tr=question.label_tr,
            label_en=question.label_en,
            help_tr=question.help_tr,
            help_en=question.help_en,
            required=question.required,
            categories=tuple(question.categories or ()),
            active=question.active,
            options=tuple(
                OptionSpec(o.id, o.label_tr, o.label_en, o.active) for o in question.options
            ),
            number_min=question.number_min,
            number_max=question.number_max,
        )


def questions(forum_id: int, *, include_retired: bool = False) -> list[Question]:
    """The forum's questions in form order, with their options (the organisers' pages)."""
    query = (
        select(Question)
        .where(Question.forum_id == forum_id)
        .options(selectinload(Question.options))
        .order_by(Question.position, Question.id)
    )
    if not include_retired:
        query = query.where(Question.active.is_(True))
    return list(db.session.scalars(query))


# Every sign-up needs the forum's questions; they are kept as long as the sign-up page
# (SIGNUP_PAGE_SECONDS). Saving a question forgets them in this process at once.
_asked: AppCache[int, tuple[QuestionSpec, ...]] = AppCache(
    "questions", maxsize=64, ttl="SIGNUP_PAGE_SECONDS"
)


def specs(forum_id: int, *, include_retired: bool = False) -> tuple[QuestionSpec, ...]:
    """The forum's questions as plain values; the active ones from this process's cache."""
    if include_retired:
        return tuple(QuestionSpec.of(q) for q in questions(forum_id, include_retired=True))
    kept = _asked.get(forum_id)
    if kept is None:
        kept = tuple(QuestionSpec.of(q) for q in questions(forum_id))
        _asked.set(forum_id, kept)
    return kept


def asked(forum_id: int, category: str | None) -> list[QuestionSpec]:
    """The questions asked of a registration of this category (None: of any category)."""
    return [q for q in specs(forum_id) if category is None or q.asks(category)]


def _check(fields: QuestionFields) -> None:
    if not fields.label_tr.strip() or not fields.label_en.strip():
        raise QuestionError(
            _l("A question needs its text in Turkish and in English."), field="label_tr"
        )
    if len(fields.label_tr) > LABEL_MAX or len(fields.label_en) > LABEL_MAX:
        raise QuestionError(
            _l("At most %(max)d characters, please.", max=LABEL_MAX), field="label_tr"
        )
    unknown = set(fields.categories) - {c.value for c in Category}
    if unknown:
        raise QuestionError(_l("Unknown category."), field="categories")
    if fields.kind in CHOICE_KINDS and not fields.options:
        raise QuestionError(_l("A choice question needs its options, one a line."), field="options")
    if any(
        not o.label_tr or len(o.label_tr) > OPTION_MAX or len(o.label_en) > OPTION_MAX
        for o in fields.options
    ):
        raise QuestionError(
            _l("Each option needs a text of at most %(max)d characters.", max=OPTION_MAX),
            field="options",
        )
    low, high = fields.number_min, fields.number_max
    if low is not None and high is not None and low > high:
        raise QuestionError(
            _l("The smallest number cannot be above the largest."), field="number_min"
        )


def _has_answers(question_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(Answer.question_id == question_id))))


def save_question(
    forum_id: int, question_id: int | None, fields: QuestionFields, *, staff_user_id: int | None
) -> Question:
    """Ask a new question or change one; a question with answers keeps its kind and its answers."""
    _check(fields)
    if question_id is None:
        question = Question(forum_id=forum_id, kind=fields.kind)
        db.session.add(question)
    else:
        found = db.session.get(Question, question_id)
        if found is None or found.forum_id != forum_id:
            raise QuestionError(_l("Unknown question."))
        question = found
        if fields.kind != question.kind and _has_answers(question.id):
            raise QuestionError(
                _l("People have answered this question: its kind cannot change."), field="kind"
            )
    details = audit.changes(
        question,
        {
            "kind": fields.kind,
            "label_tr": fields.label_tr.strip(),
            "label_en": fields.label_en.strip(),
            "help_tr": fields.help_tr.strip(),
            "help_en": fields.help_en.strip(),
            "required": bool(fields.required),
            "categories": [c.value for c in Category if c.value in set(fields.categories)],
            "position": int(fields.position),
            "number_min": fields.number_min if fields.kind == QuestionKind.NUMBER else None,
            "number_max": fields.number_max if fields.kind == QuestionKind.NUMBER else None,
        },
    )
    _save_options(question, fields.options if fields.kind in CHOICE_KINDS else [])
    db.session.flush()
    _asked.clear()
    action = "question.create" if question_id is None else "question.update"
    audit.record(
        action, obj=question, forum_id=forum_id, staff_user_id=staff_user_id, details=details
    )
    db.session.commit()
    return question


def _save_options(question: Question, wanted: Sequence[OptionFields]) -> None:
    """Keep an option whose label is typed again (either language); retire the ones left out."""
    existing = list(question.options)
    by_label: dict[str, QuestionOption] = {}
    for option in existing:
        by_label.setdefault(search_key(option.label_tr), option)
        by_label.setdefault(search_key(option.label_en), option)
    kept: set[int] = set()
    for position, fields in enumerate(wanted):
        match = by_label.get(search_key(fields.label_tr)) or by_label.get(
            search_key(fields.label_en)
        )
        if match is None or id(match) in kept:
            match = QuestionOption()
            question.options.append(match)
        option = match
        option.label_tr, option.label_en = fields.label_tr, fields.label_en
        option.position, option.active = position, True
        kept.add(id(option))
    for old in existing:
        if id(old) not in kept:
            old.active = False


def retire_question(
    forum_id: int, question_id: int, *, retired: bool, staff_user_id: int | None
) -> None:
    """Stop asking a question (its answers stay), or ask it again."""
    question = db.session.get(Question, question_id)
    if question is None or question.forum_id != forum_id:
        raise QuestionError(_l("Unknown question."))
    question.active = not retired
    _asked.clear()
    audit.record(
        "question.retire" if retired else "question.restore",
        obj=question,
        forum_id=forum_id,
        staff_user_id=staff_user_id,
    )
    db.session.commit()


# --- answers -------------------------------------------------------------------------------------


# --- reading answers back --------------------------------------------------------------------------


def copy_questions(source: Forum, forum: Forum) -> None:
    """The next edition asks the earlier one's questions (active ones, their offered options);
    in the caller's transaction (`maruf_reg/program/editions.py`)."""
    for question in questions(source.id):
        copy = Question(
            forum_id=forum.id,
            kind=question.kind,
            label_tr=question.label_tr,
            label_en=question.label_en,
            help_tr=question.help_tr,
            help_en=question.help_en,
            required=question.required,
            categories=list(question.categories or []),
            position=question.position,
            number_min=question.number_min,
            number_max=question.number_max,
        )
        copy.options = [
            QuestionOption(label_tr=o.label_tr, label_en=o.label_en, position=o.position)
            for o in question.options
            if o.active
        ]
        db.session.add(copy)
