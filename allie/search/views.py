"""Search pages: agents search in the workspace, requesters in the portal; one service for both.

The ticket links lead to the workspace or the portal page; what is found is what the person may
see (`search_tickets` scopes with `Ticket.objects.visible_to`). htmx swaps the results only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from allie.search.forms import SearchForm
from allie.search.services import SearchResults, search_tickets
from allie.workspace.forms import served_organisations
from allie.workspace.views import agent_required

PAGE_SIZE = 20
MAX_PAGE = 50


@dataclass(frozen=True)
class Pager:
    number: int
    num_pages: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def _page_number(request: HttpRequest) -> int:
    try:
        return min(max(int(request.GET.get("page", "1")), 1), MAX_PAGE)
    except ValueError:
        return 1


def _render(
    request: HttpRequest, form: SearchForm, *, heading: Any, ticket_url: str
) -> HttpResponse:
    number = _page_number(request)
    results: SearchResults = search_tickets(
        request.user,
        form.query(),
        filters=form.filters(),
        limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE,
    )
    pages = min(max((results.total + PAGE_SIZE - 1) // PAGE_SIZE, 1), MAX_PAGE)
    context = {
        "form": form,
        "heading": heading,
        "results": results,
        "pager": Pager(number=number, num_pages=pages),
        "ticket_url": ticket_url,
        "search_url": request.path,
    }
    template = "search/search.html#results" if request.htmx else "search/search.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@require_GET
@agent_required
def desk_search(request: HttpRequest) -> HttpResponse:
    """Search every ticket the agent may see, with status, service and organisation filters."""
    organisations = served_organisations(request.user)  # type: ignore[arg-type]
    form = SearchForm(request.GET or None, organisations=organisations)
    return _render(request, form, heading=_("Search requests"), ticket_url="workspace:ticket")


@require_GET
@login_required
def portal_search(request: HttpRequest) -> HttpResponse:
    """Search the person's own requests (their organisation's, for its contact)."""
    form = SearchForm(request.GET or None)
    return _render(request, form, heading=_("Search my requests"), ticket_url="portal:ticket")
