"""Indexes for the agent pages on PostgreSQL, each justified by its plan in docs/performance.md.

- `ticket_reference_upper`: a ticket is looked up by reference case-insensitively
  (`reference__iexact`, i.e. `UPPER(reference) = UPPER(...)`), which the unique index on
  `reference` cannot serve: without it every ticket page read the whole table.
- `ticket_open_by_team`: the "My teams" queue counts and lists the open tickets of the agent's
  teams, newest first, filtered by the scoping rule (requester, organisation, owner). This partial
  index holds only open tickets, in the list's order, with the scoping columns included, so the
  count is an index-only scan and the page reads 25 entries in order.

Built CONCURRENTLY (no write lock on a large ticket table), hence not atomic. They live in the
database only (not in `Ticket.Meta.indexes`), so they are plain SQL and skipped on SQLite, where
`iexact` is a LIKE that such an index would not serve anyway.
"""

from __future__ import annotations

from django.db import migrations

OPEN = "'new', 'acknowledged', 'in_progress', 'waiting_on_requester', 'waiting_on_third_party'"

INDEXES = {
    "ticket_reference_upper": "tickets_ticket (UPPER(reference))",
    "ticket_open_by_team": (
        "tickets_ticket (team_id, created_at DESC, id DESC)"
        " INCLUDE (organisation_id, requester_id, owner_id, status)"
        f" WHERE status IN ({OPEN})"
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition}")
    # The planner needs the statistics of the UPPER(reference) expression to trust its index.
    schema_editor.execute("ANALYZE tickets_ticket")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("tickets", "0002_desk_settings_row")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
