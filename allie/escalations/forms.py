"""Forms of the escalation views: parse and validate, never trusted further."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from allie.accounts.models import Team
from allie.core.forms import FastModelChoiceField
from allie.escalations.models import Level


class EscalateForm(forms.Form):
    level = forms.ChoiceField(label=_("Escalate to"), choices=Level.choices)
    team = FastModelChoiceField(
        label=_("Team (for another team)"), queryset=Team.objects.none(), required=False
    )
    reason = forms.CharField(label=_("Why"), widget=forms.Textarea, max_length=4000)

    def __init__(self, *args: Any, ticket: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(serves=ticket.organisation_id).order_by(
            "name"
        )
        self.fields["level"].widget.attrs["id"] = "id_escalation_level"
        self.fields["team"].widget.attrs["id"] = "id_escalation_team"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("level") == Level.TEAM and not data.get("team"):
            self.add_error("team", _("Choose the team to escalate to."))
        return data


class RequesterEscalationForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need this escalated?"), widget=forms.Textarea, max_length=4000
    )


class CloseEscalationForm(forms.Form):
    outcome = forms.CharField(label=_("How it ended"), widget=forms.Textarea, max_length=4000)
