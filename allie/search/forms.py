"""The search form of the workspace and the portal; invalid filter values are dropped."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from allie.catalog.models import Service
from allie.core.forms import FastModelChoiceField
from allie.search.domain.query import MAX_QUERY_LENGTH
from allie.search.services import SearchFilters
from allie.tickets.models import Status


def status_choices() -> list[tuple[str, Any]]:
    return [
        ("", _("Any status")),
        ("open", pgettext_lazy("requests filter", "Open")),
        ("closed", pgettext_lazy("requests filter", "Closed")),
        *Status.choices,
    ]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search for"), required=False, max_length=MAX_QUERY_LENGTH)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=status_choices)
    service = FastModelChoiceField(
        label=_("Service"), required=False, queryset=Service.objects.none(), empty_label=None
    )
    organisation = FastModelChoiceField(
        label=_("Organisation"), required=False, queryset=Service.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        """`organisations` is the queryset an agent may filter on; None hides the field."""
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["service"].queryset = Service.objects.order_by("position", "name_fr")
        fields["service"].empty_label = _("Any service")
        if organisations is None:
            del fields["organisation"]
        else:
            fields["organisation"].queryset = organisations.order_by("name")
            fields["organisation"].empty_label = _("Any organisation")

    def value(self, name: str) -> Any:
        """Return the cleaned value of a field, or None when missing, invalid or absent."""
        if not self.is_bound or name not in self.fields:
            return None
        self.is_valid()
        return self.cleaned_data.get(name) if name not in self.errors else None

    def query(self) -> str:
        return self.value("q") or ""

    def filters(self) -> SearchFilters:
        service = self.value("service")
        organisation = self.value("organisation")
        return SearchFilters(
            status=self.value("status") or "",
            service_id=service.pk if service else None,
            organisation_id=organisation.pk if organisation else None,
        )
