"""Form rendering: Django's renderer, writing the plainest widgets in Python.

`FORM_RENDERER` (settings) is `FastFormRenderer`: pages render dozens of widgets on every view,
each through a template and its includes (a select: one per option), which cost milliseconds
a page. Inputs and selects are written here from the context Django builds for its templates,
with the same markup (`allie/workspace/tests/test_ticket_page_rendering.py` compares them);
every other template (textareas, radios, errors) is Django's own.

`FastModelChoiceField` reads a model choice field's rows with one plain query: Django's reads
them through a server-side cursor on PostgreSQL, three round trips for a dozen options.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.html import format_html


def attrs_html(attrs: dict[str, Any]) -> str:
    """Attributes as django/forms/widgets/attrs.html writes them (escaped)."""
    return "".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
        for name, value in attrs.items()
        if value is not False
    )


def select_html(widget: dict[str, Any]) -> str:
    """django/forms/widgets/select.html (with its options) written from the same context."""
    parts = [format_html('<select name="{}"', widget["name"]), attrs_html(widget["attrs"]), ">"]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('\n  <optgroup label="{}">', group_name))
        for option in options:
            parts.append(
                format_html(
                    '\n  <option value="{}"{}>{}</option>\n',
                    str(option["value"]),
                    attrs_html(option["attrs"]),
                    option["label"],
                )
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)  # every part above is escaped


def input_html(widget: dict[str, Any]) -> str:
    """django/forms/widgets/input.html, as the text, date, checkbox... templates include it."""
    value = widget["value"]
    shown = "" if value is None else format_html(' value="{}"', str(value))
    return (
        format_html('<input type="{}" name="{}"', widget["type"], widget["name"])
        + shown
        + attrs_html(widget["attrs"])
        + ">"
    )


#: Widget templates that only include django/forms/widgets/input.html.
_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "text",
        "number",
        "email",
        "url",
        "color",
        "search",
        "tel",
        "password",
        "hidden",
        "date",
        "datetime",
        "time",
        "checkbox",
    )
)


class FastFormRenderer(DjangoTemplates):
    """Django's form renderer, writing inputs and selects in Python (see the module's text)."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name in _INPUT_TEMPLATES:
            return input_html(context["widget"])
        if template_name == "django/forms/widgets/select.html":
            return select_html(context["widget"])
        return super().render(template_name, context, request)  # type: ignore[no-any-return]


FAST_RENDERER = FastFormRenderer()


class _ListedChoices(forms.models.ModelChoiceIterator):
    """Django's model choices, read with a plain query instead of a server-side cursor.

    `ModelChoiceIterator` reads the rows with `.iterator()`, which on PostgreSQL declares,
    fetches from and closes a cursor: three round trips for a dozen rows. Same rows, one trip.
    """

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class FastModelChoiceField(forms.ModelChoiceField):
    """A model choice field whose rows are read in one plain query."""

    iterator = _ListedChoices
