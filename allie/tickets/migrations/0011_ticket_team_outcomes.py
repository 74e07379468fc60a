"""The team page's figures from the index alone, on PostgreSQL.

`ticket_team_resolved` (0010) found a team's tickets resolved in a period, but each of them
was then read from the table for the columns the figures count (first contact, replies,
reopenings, handoffs, owner): 53,000 rows in 30,000 table pages for the six-month trend at a
million tickets, 297 ms. This index carries those columns (INCLUDE), so the trend and the
period's figures read the index only: 38 ms. It replaces 0010's index (same keys, same entries:
only resolved tickets; a ticket's update already writes every index, as `updated_at`, indexed
by `ticket_org_activity`, changes with it).

Built CONCURRENTLY (no write lock on a large ticket table), hence not atomic; PostgreSQL only.
"""

from __future__ import annotations

from django.db import migrations

from allie.core.migration_operations import drop_postgresql_index, postgresql_index

COVERED = (
    "status, owner_id, service_id, resolved_at_first_contact, agent_reply_count, "
    "requester_reply_count, reopen_count, handoff_count, id"
)
DEFINITION = (
    f"tickets_ticket (team_id, resolved_at) INCLUDE ({COVERED}) WHERE resolved_at IS NOT NULL"
)
REPLACED = "tickets_ticket (team_id, resolved_at) WHERE resolved_at IS NOT NULL"


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("tickets", "0010_ticket_team_resolved")]

    operations = [
        postgresql_index("ticket_team_outcomes", DEFINITION),
        drop_postgresql_index("ticket_team_resolved", REPLACED),
    ]
