"""The team page's ticket figures read the index `ticket_team_outcomes` alone (PostgreSQL):
every column they count is in it, so no table page is read (docs/indexes.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.db.models.functions import TruncMonth
from django.utils import timezone

from allie.voice import figures
from tests.plans import plan_with_only

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the index checked is PostgreSQL's"
)


@pytest.mark.parametrize("by", ["month", "agent", "service"])
@pytest.mark.parametrize("rows_of", [figures.ticket_rows, figures.survey_rows])
def test_the_team_figures_are_an_index_only_scan(desk, by, rows_of):
    # The surveys too: each ticket carries its survey's state (tickets migration 0012).
    now = timezone.now()
    key = {
        "month": TruncMonth("resolved_at", tzinfo=timezone.get_current_timezone()),
        "agent": F("owner_id"),
        "service": F("service_id"),
    }[by]
    rows = rows_of(figures.resolved(now - timedelta(days=180), now, [desk.support.pk]), key)

    # `ordered` forbids the bitmap scans, which never read an index alone.
    plan = plan_with_only(rows, "ticket_team_outcomes", ordered=True)

    assert "Index Only Scan using ticket_team_outcomes" in plan, plan
    assert "voice_survey" not in plan
