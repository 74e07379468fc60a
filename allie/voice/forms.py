"""Forms of the commitments views: parse and validate, never trusted further.

The rules (what is required, a due time in the future) live in the services, which give the
messages; the forms only parse.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from allie.accounts.models import User
from allie.core.dates import validate_year
from allie.core.forms import FastModelChoiceField
from allie.core.reports import PeriodForm

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CommitmentForm(forms.Form):
    what = forms.CharField(label=_("What you promise"), max_length=500, required=False)
    promised_to = FastModelChoiceField(
        label=_("To whom"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("The requester"),
    )
    to_name = forms.CharField(label=_("Or someone else (name)"), max_length=200, required=False)
    due_at = forms.DateTimeField(
        label=_("By when"), required=False, widget=DATETIME_WIDGET, validators=[validate_year]
    )
    is_public = forms.BooleanField(label=_("Show it to the requester"), required=False)

    def __init__(self, *args: Any, ticket: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The people who speak for the client: its contacts and its executive sponsor (the
        # requester is the empty choice; anyone else is named in `to_name`). Never every person
        # of the organisation: a large client has thousands.
        # The sponsor by id (the organisation comes with the ticket), not through a join: an OR
        # across a join made PostgreSQL scan every person.
        speaks_for_client = Q(organisation_id=ticket.organisation_id, is_organisation_contact=True)
        sponsor_id = ticket.organisation.executive_sponsor_id
        if sponsor_id is not None:
            speaks_for_client |= Q(pk=sponsor_id)
        self.fields["promised_to"].queryset = (
            User.objects.filter(speaks_for_client, is_active=True)
            .exclude(pk=ticket.requester_id)
            .order_by("full_name", "id")
        )


class SettleForm(forms.Form):
    ACTIONS = (("kept", _("Kept")), ("broken", _("Broken")), ("renegotiate", _("Renegotiate")))

    commitment = forms.IntegerField(min_value=1)
    action = forms.ChoiceField(choices=ACTIONS)
    note = forms.CharField(label=_("Note"), max_length=4000, required=False)
    new_due_at = forms.DateTimeField(
        label=_("New due time"), required=False, widget=DATETIME_WIDGET, validators=[validate_year]
    )
    client_told = forms.BooleanField(label=_("The client was told"), required=False)


class FiguresForm(PeriodForm):
    by = forms.ChoiceField(
        label=_("Per"),
        required=False,
        choices=(("agent", _("Agent")), ("team", _("Team")), ("organisation", _("Organisation"))),
    )

    def clean_by(self) -> str:
        return self.cleaned_data.get("by") or "agent"
