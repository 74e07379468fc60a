"""Filters of the ticket list; a value that does not parse is a 400, never ignored."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from allie.catalog.models import ImpactChoices, TicketKind, UrgencyChoices
from allie.core.database import MAX_ID
from allie.core.dates import validate_year
from allie.tickets.models import Channel, Priority, Status, Ticket


class IdFilter(django_filters.NumberFilter):
    """A row's id: a whole number a database key can hold (a larger one overflowed: a 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)  # type: ignore[arg-type]


class TicketFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices)
    kind = django_filters.ChoiceFilter(choices=TicketKind.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    impact = django_filters.ChoiceFilter(choices=ImpactChoices.choices)
    urgency = django_filters.ChoiceFilter(choices=UrgencyChoices.choices)
    service = django_filters.CharFilter(
        field_name="service__code", help_text=_("The service's code.")
    )
    organisation = IdFilter(field_name="organisation_id")
    owner = IdFilter(field_name="owner_id")
    requester = IdFilter(field_name="requester_id")
    team = IdFilter(field_name="team_id")
    created_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", validators=[validate_year]
    )
    created_before = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", validators=[validate_year]
    )

    class Meta:
        model = Ticket
        fields = [
            "status",
            "priority",
            "kind",
            "channel",
            "impact",
            "urgency",
            "service",
            "organisation",
            "owner",
            "requester",
            "team",
            "created_after",
            "created_before",
        ]
