"""The SLA compliance report for team leads, managers, executives and administrators."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from allie.core.reports import CsvDownload, PeriodForm, period_bounds
from allie.sla import selectors


def _figure(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


@require_GET
@login_required
def compliance(request: HttpRequest) -> HttpResponse:
    """SLA compliance per service and priority for tickets opened in a period (or as CSV)."""
    if not selectors.may_see_compliance(request.user):
        raise Http404
    form = PeriodForm(request.GET, today=timezone.localdate())
    if not form.is_valid():
        return render(request, "sla/compliance.html", {"form": form, "rows": None}, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    rows = selectors.compliance(request.user, *period_bounds(start, end))
    if request.GET.get("format") == "csv":
        return _csv(rows, start, end)
    context = {"form": form, "rows": rows, "start": start, "end": end}
    return render(request, "sla/compliance.html", context)


def _csv(rows: list[selectors.ComplianceRow], start: date, end: date) -> HttpResponse:
    download = CsvDownload(f"sla-compliance-{start}-{end}.csv")
    download.row(
        (
            _("Service"),
            _("Priority"),
            _("Requests"),
            _("First response met (%)"),
            _("Resolution met (%)"),
            _("Late updates"),
            _("Median first response (business minutes)"),
        )
    )
    for row in rows:
        download.row(
            (
                row.service,
                row.priority_label,
                row.count,
                _figure(row.first_response_met_percent),
                _figure(row.resolution_met_percent),
                row.next_update_breaches,
                _figure(row.median_first_response_minutes),
            )
        )
    return download.response
