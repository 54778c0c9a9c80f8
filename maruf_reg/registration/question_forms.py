"""The forum's own questions on a form (sign-up, personal page, desk): what was typed, what was refused.

The fields are written out by `templates/registration/_questions.html` (names `q_<id>`); the
values are read by the one reading of answers (`maruf_reg/registration/answers.py`), so a form
and an imported file refuse the same answers with the same messages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from flask import request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, TextAreaField
from wtforms.validators import NumberRange, Optional

from maruf_reg.categories import CATEGORY_LABELS
from maruf_reg.forms import Form, has_control_characters
from maruf_reg.models import Answer, Question, QuestionKind
from maruf_reg.registration import answers
from maruf_reg.registration.answers import AnswerValue
from maruf_reg.registration.forms import CheckboxList, strip, text_field
from maruf_reg.registration.forms import options as choices_of
from maruf_reg.registration.questions import (
    LABEL_MAX,
    QuestionFields,
    QuestionSpec,
    field_name,
    parse_options,
)


@dataclass
class QuestionInput:
    """The questions a form shows, their values as typed, and one message per refused answer."""

    questions: Sequence[QuestionSpec]
    values: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def posted(cls, questions: Sequence[QuestionSpec]) -> QuestionInput:
        """The values of the request's form (none on a GET)."""
        values: dict[str, list[str]] = {}
        if request.method == "POST":
            values = {field_name(q.id): request.form.getlist(field_name(q.id)) for q in questions}
        return cls(questions, values)

    @classmethod
    def answered(
        cls, questions: Sequence[QuestionSpec], given: Mapping[int, Answer]
    ) -> QuestionInput:
        """A form showing a person's earlier answers again."""
        values: dict[str, list[str]] = {}
        for question in questions:
            value = answers.form_value(question, given.get(question.id))
            if value is not None:
                values[field_name(question.id)] = [value] if isinstance(value, str) else value
        return cls(questions, values)

    def value(self, question: QuestionSpec) -> list[str]:
        return self.values.get(field_name(question.id), [])

    def read(self, category: str) -> list[AnswerValue] | None:
        """The answers to the questions asked of `category`; None (and `errors`) if any is wrong."""
        asked = [q for q in self.questions if q.asks(category)]
        for question in asked:
            if any(has_control_characters(v, multiline=True) for v in self.value(question)):
                self.errors[field_name(question.id)] = gettext(
                    "This contains characters that are not allowed."
                )
        if self.errors:
            return None
        try:
            return answers.read_answers(asked, self.values)
        except answers.AnswersRefused as refused:
            self.errors.update(refused.errors)
            return None


# --- the organisers' form ------------------------------------------------------------------------

KIND_LABELS = {
    QuestionKind.SHORT_TEXT: _l("Short text"),
    QuestionKind.LONG_TEXT: _l("Long text"),
    QuestionKind.CHOICE: _l("One of the options"),
    QuestionKind.CHOICES: _l("Several of the options"),
    QuestionKind.YES_NO: _l("Yes or no"),
    QuestionKind.NUMBER: _l("Number"),
}


class QuestionForm(Form):
    kind = SelectField(_l("Kind of answer"), choices=choices_of(KIND_LABELS.items()))
    label_tr = text_field(_l("Question in Turkish"), LABEL_MAX, required=True)
    label_en = text_field(_l("Question in English"), LABEL_MAX, required=True)
    help_tr = TextAreaField(_l("Help line in Turkish (optional)"), filters=[strip])
    help_en = TextAreaField(_l("Help line in English (optional)"), filters=[strip])
    required = BooleanField(_l("An answer is required"))
    categories = CheckboxList(
        _l("Asked of (none ticked: everybody)"),
        choices=choices_of((c.value, label) for c, label in CATEGORY_LABELS.items()),
    )
    options = TextAreaField(
        _l("Options, one a line: Turkish | English"),
        filters=[strip],
        render_kw={"rows": 6, "placeholder": "Vejetaryen | Vegetarian"},
    )
    number_min = DecimalField(
        _l("Smallest number (optional)"), validators=[Optional()], places=None
    )
    number_max = DecimalField(_l("Largest number (optional)"), validators=[Optional()], places=None)
    position = IntegerField(
        _l("Order on the form"), default=0, validators=[Optional(), NumberRange(0, 10_000)]
    )

    def fields(self) -> QuestionFields:
        return QuestionFields(
            kind=QuestionKind(self.kind.data),
            label_tr=self.label_tr.data or "",
            label_en=self.label_en.data or "",
            help_tr=self.help_tr.data or "",
            help_en=self.help_en.data or "",
            required=bool(self.required.data),
            categories=tuple(self.categories.data or ()),
            position=self.position.data or 0,
            options=parse_options(self.options.data or ""),
            number_min=self.number_min.data,
            number_max=self.number_max.data,
        )

    def fill(self, question: Question) -> None:
        """The form showing a question as it is (to change it)."""
        self.kind.data = question.kind.value
        self.categories.data = list(question.categories or [])
        self.options.data = "\n".join(
            f"{o.label_tr} | {o.label_en}" for o in question.options if o.active
        )
