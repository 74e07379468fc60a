"""Forms of the requester portal: a new request (with the service's own questions), a reply."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile as DjangoUploadedFile
from django.utils.translation import gettext_lazy as _

from allie.catalog.models import FormField, ImpactChoices, Service, UrgencyChoices
from allie.catalog.questions import question_field, stored_answer
from allie.tickets.domain.priority import Impact, Urgency
from allie.tickets.services import ServiceError
from allie.tickets.services.attachments import check_files, from_django_files

ANSWER_PREFIX = "answer_"

# Where a service error about one field shows up on these forms.
ERROR_FIELDS = {
    "title": "title",
    "description": "description",
    "body": "body",
    "files": "attachments",
    "impact": "impact",
    "urgency": "urgency",
}


class MultipleFileInput(forms.FileInput):
    """A file input that lets the person pick several files (`<input type=file multiple>`)."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A field holding a list of uploaded files, each checked like a single file."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[DjangoUploadedFile]:
        single_clean = super().clean
        if isinstance(data, list | tuple):
            return [single_clean(item, initial) for item in data if item]
        return [single_clean(data, initial)] if data else []


def check_uploads(files: list[DjangoUploadedFile]) -> None:
    """Raise a form error when a file is too large, empty or of a forbidden type."""
    try:
        check_files(from_django_files(files))
    except ServiceError as error:
        raise forms.ValidationError(error.message, code=error.code) from error


def attach_service_error(form: forms.Form, error: ServiceError) -> None:
    """Show a refused use case on the form: on its field when the form has one."""
    name = ERROR_FIELDS.get(error.field or "")
    form.add_error(name if name in form.fields else None, error.message)


class TicketForm(forms.Form):
    """A new request, with the chosen service's own questions (if any) built from its form."""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("In a few words: what do you need, or what is wrong?"),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happened, since when, what you already tried."),
    )
    urgency = forms.ChoiceField(
        label=_("How is your work affected?"),
        choices=UrgencyChoices.choices,
        widget=forms.RadioSelect,
    )
    impact = forms.ChoiceField(
        label=_("Who is affected?"), choices=ImpactChoices.choices, widget=forms.RadioSelect
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        help_text=_("Screenshots or documents that help us understand (optional)."),
    )

    def __init__(self, *args: Any, service: Service | None = None, **kwargs: Any) -> None:
        self.service = service
        self.service_fields: list[FormField] = list(service.form_fields.all()) if service else []
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("urgency", service.default_urgency if service else Urgency.MEDIUM.value)
        initial.setdefault("impact", service.default_impact if service else Impact.LOW.value)
        super().__init__(*args, **kwargs)
        for form_field in self.service_fields:
            self.fields[ANSWER_PREFIX + form_field.key] = question_field(form_field)

    @property
    def question_names(self) -> list[str]:
        """Return the names of the service's own fields, in the form's order."""
        return [ANSWER_PREFIX + form_field.key for form_field in self.service_fields]

    def questions(self) -> list[forms.BoundField]:
        """Return the bound fields of the service's own questions, for the template."""
        return [self[name] for name in self.question_names]

    def clean_attachments(self) -> list[DjangoUploadedFile]:
        files = self.cleaned_data.get("attachments") or []
        check_uploads(files)
        return files

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for form_field in self.service_fields:
            name = ANSWER_PREFIX + form_field.key
            upload = cleaned.get(name)
            if form_field.field_type == FormField.FieldType.FILE and upload:
                try:
                    check_uploads([upload])
                except forms.ValidationError as error:
                    self.add_error(name, error)
        return cleaned

    def answers(self) -> dict[str, Any]:
        """Return the answers to the service's questions as JSON-ready values keyed by `key`."""
        answers: dict[str, Any] = {}
        for form_field in self.service_fields:
            value = self.cleaned_data.get(ANSWER_PREFIX + form_field.key)
            if value not in (None, ""):
                answers[form_field.key] = stored_answer(form_field, value)
        return answers

    def uploads(self) -> list[DjangoUploadedFile]:
        """Return every uploaded file: the attachments and the service's file questions."""
        files = list(self.cleaned_data.get("attachments") or [])
        for form_field in self.service_fields:
            if form_field.field_type == FormField.FieldType.FILE:
                upload = self.cleaned_data.get(ANSWER_PREFIX + form_field.key)
                if upload:
                    files.append(upload)
        return files


class ReplyForm(forms.Form):
    """A requester's reply on their ticket, with optional files."""

    body = forms.CharField(
        label=_("Your message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    attachments = MultipleFileField(label=_("Attachments"))

    def clean_attachments(self) -> list[DjangoUploadedFile]:
        files = self.cleaned_data.get("attachments") or []
        check_uploads(files)
        return files

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        blank = not (cleaned.get("body") or "").strip() and not cleaned.get("attachments")
        if blank and "attachments" not in self.errors:
            self.add_error("body", _("Please write a message."))
        return cleaned


class ReopenForm(forms.Form):
    """Why the requester reopens a resolved ticket; the owner reads it first."""

    reason = forms.CharField(
        label=_("What is still wrong?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
