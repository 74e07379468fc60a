"""The page where a person chooses which optional notices they receive by email."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from allie.mail import notices
from allie.mail.services.notifications import Choice, preferences_of, save_preferences


class PreferencesForm(forms.Form):
    """Checkboxes for the optional notices that concern this person."""

    notice = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )

    def __init__(self, *args: Any, choices: list[Choice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        optional = [choice for choice in choices if not choice.notice.essential]
        field = self.fields["notice"]
        field.choices = [(c.notice.code, c.notice.label) for c in optional]  # type: ignore[attr-defined]
        field.initial = [c.notice.code for c in optional if c.enabled]


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """Show and save the person's email preferences (post, then redirect)."""
    user: Any = request.user
    choices = preferences_of(user)
    form = PreferencesForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        save_preferences(user, enabled=form.cleaned_data["notice"])
        messages.success(request, _("Your email preferences are saved."))
        return redirect("mail:preferences")
    groups = [
        {
            "audience": audience,
            "fields": [w for w in form["notice"] if _audience_of(w.data["value"]) == audience],
            "essential": [
                c.notice for c in choices if c.notice.essential and c.notice.audience == audience
            ],
        }
        for audience in (notices.REQUESTER, notices.AGENT)
        if any(c.notice.audience == audience for c in choices)
    ]
    return render(request, "mail/preferences.html", {"form": form, "groups": groups})


def _audience_of(code: str) -> str:
    return notices.BY_CODE[code].audience
