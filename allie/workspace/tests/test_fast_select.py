"""Selects through the project's renderer: exactly the HTML Django's Select templates write."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from allie.accounts.models import Team
from allie.core.forms import FAST_RENDERER, FastFormRenderer
from allie.workspace.forms import EditFieldsForm, HandoffForm, QueueFilterForm

DJANGO = DjangoTemplates()

CHOICES = [
    ("", "Tous"),
    ("a", "Élise & <Co>"),
    ("Groupe « 1 »", [("b", 'B "deux"'), ("c", "C")]),
    (3, "Trois"),
]


@pytest.mark.parametrize("value", [None, "", "a", "b", 3, "3", "inconnu"])
@pytest.mark.parametrize(
    "attrs", [None, {"id": "id_x"}, {"id": "id_x", "required": True, "aria-invalid": "true"}]
)
def test_the_markup_is_django_s_for_any_value_and_attributes(value, attrs):
    fast = forms.Select(choices=CHOICES).render("x", value, attrs=attrs, renderer=FAST_RENDERER)
    django = forms.Select(choices=CHOICES).render("x", value, attrs=attrs, renderer=DJANGO)

    assert fast == django


def test_a_disabled_or_multiple_attribute_is_written_like_django():
    attrs = {"id": "id_x", "disabled": True, "multiple": False, "data-n": 0}

    assert forms.Select(choices=CHOICES).render(
        "x", "a", attrs, renderer=FAST_RENDERER
    ) == forms.Select(choices=CHOICES).render("x", "a", attrs, renderer=DJANGO)


def test_the_workspace_forms_render_as_with_django_s_select(desk, open_for, monkeypatch):
    ticket = open_for()
    lea = desk.person("lea")
    team = str(Team.objects.order_by("pk").first().pk)

    def rendered() -> list[str]:
        forms_ = [
            QueueFilterForm({"status": "new", "team": team, "priority": "x"}, user=lea),
            HandoffForm(ticket=ticket),
            EditFieldsForm(ticket=ticket),
        ]
        for form in forms_:
            if form.is_bound:
                form.is_valid()  # errors too: aria-invalid and aria-describedby
        return [
            bound.as_widget()
            for form in forms_
            for bound in form
            if isinstance(bound.field.widget, forms.Select)
        ]

    fast = rendered()
    monkeypatch.setattr(FastFormRenderer, "render", DjangoTemplates.render)
    assert fast == rendered()
    assert len(fast) == 12  # every select of the three forms
