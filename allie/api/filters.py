"""Filters of the ticket list; a value that does not parse is a 400, never ignored."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from allie.catalog.models import ImpactChoices, TicketKind, UrgencyChoices
from allie.tickets.models import Channel, Priority, Status, Ticket


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
    organisation = django_filters.NumberFilter(field_name="organisation_id")
    owner = django_filters.NumberFilter(field_name="owner_id")
    requester = django_filters.NumberFilter(field_name="requester_id")
    team = django_filters.NumberFilter(field_name="team_id")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

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
