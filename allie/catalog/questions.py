"""A service's questions (its `FormField`s): what an answer may be, and how it is stored.

One rule for every interface: the portal renders these form fields and the API cleans the
JSON answers through the same fields, so an answer the portal refuses (a date that is not one,
a number that is NaN or a thousand digits long, a text beyond 500 characters) is refused by the
API too, on the same field and in the same words, and both store the same JSON values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from allie.catalog.models import FormField
from allie.core.dates import validate_year
from allie.tickets.services.attachments import safe_display_name

TEXT_MAX = 500
# A quantity, an amount, a floor: far within these; 1E+999 or 5,000 digits are not answers.
NUMBER_MAX_DIGITS = 20
NUMBER_DECIMAL_PLACES = 6

Kind = FormField.FieldType


def question_field(question: FormField) -> forms.Field:
    """The Django form field for one of a service's questions, in the active language."""
    common: dict[str, Any] = {
        "label": question.label,
        "help_text": question.help,
        "required": question.required,
    }
    kind = question.field_type
    if kind == Kind.LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), **common)
    if kind == Kind.CHOICE:
        choices = [("", "—"), *question.choice_pairs()]
        return forms.ChoiceField(choices=choices, **common)
    if kind == Kind.DATE:
        widget = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
        return forms.DateField(widget=widget, validators=[validate_year], **common)
    if kind == Kind.NUMBER:
        return forms.DecimalField(
            max_digits=NUMBER_MAX_DIGITS, decimal_places=NUMBER_DECIMAL_PLACES, **common
        )
    if kind == Kind.FILE:
        return forms.FileField(**common)
    return forms.CharField(max_length=TEXT_MAX, **common)


def stored_answer(question: FormField, value: Any) -> Any:
    """The JSON value kept in `Ticket.form_answers` for a cleaned answer."""
    if isinstance(value, UploadedFile):
        return safe_display_name(value.name or "")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def clean_answers(
    questions: Iterable[FormField], answers: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Clean JSON answers (the API's) by the questions' form fields: (stored answers, errors).

    A file question takes the file's name as text here: files come with the request's files.
    """
    known = {question.key: question for question in questions}
    errors: dict[str, list[str]] = {
        key: [_("This service's form has no such field.")] for key in answers if key not in known
    }
    stored: dict[str, Any] = {}
    for key, question in known.items():
        value = answers.get(key)
        if isinstance(value, dict | list):
            errors[key] = [_("Give a single value.")]
            continue
        if isinstance(value, bool):  # JSON true/false: no question's answer, not "True"
            errors[key] = [_("Give a single value.")]
            continue
        field = question_field(question)
        if question.field_type == Kind.FILE:
            field = forms.CharField(max_length=TEXT_MAX, required=question.required)
        try:
            cleaned = field.clean(value)
        except forms.ValidationError as error:
            errors[key] = [str(message) for message in error.messages]
            continue
        if cleaned not in (None, ""):
            stored[key] = stored_answer(question, cleaned)
    return stored, errors
