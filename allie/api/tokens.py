"""The personal API tokens page: list, create (the secret is shown once), revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from allie.accounts.models import ApiToken
from allie.api.authentication import issue_token, revoke_token


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, for example “reporting script”."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """List my tokens; on POST create one and show its secret on this response only."""
    form = TokenForm(request.POST or None)
    raw_token = None
    if request.method == "POST" and form.is_valid():
        _token, raw_token = issue_token(request.user, name=form.cleaned_data["name"])  # type: ignore[arg-type]
        form = TokenForm()
    my_tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at", "-id")
    response = render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": my_tokens, "raw_token": raw_token},
    )
    if raw_token:
        # The secret must never be kept by a browser or proxy cache.
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    """Revoke one of my tokens; someone else's answers 404."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    revoke_token(token)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("api:tokens")
