"""The "mine" queue from an index of each agent's open tickets, on PostgreSQL (issue 6).

An agent's own queue lists their open tickets, newest first. No index held them in that order:
the planner walked the date index from the newest ticket and filtered by owner and status, which
is quick for an agent with hundreds of open tickets (the demo's) and reads the whole table for a
real one with a dozen open among thousands closed (57 ms at 100,000 tickets, 99,991 rows
filtered; docs/indexes.md). `ticket_open_by_owner` holds only owned open tickets, in the list's
order, with the scoping columns included (the count is an index-only scan). A new ticket has no
owner, so opening one writes nothing to it.

Built CONCURRENTLY like 0003 (no write lock on a large ticket table), hence not atomic; plain
SQL on PostgreSQL only.
"""

from __future__ import annotations

import importlib

from django.db import migrations

OPEN = importlib.import_module("allie.tickets.migrations.0003_ticket_speed_indexes").OPEN

DEFINITION = (
    "tickets_ticket (owner_id, created_at DESC, id DESC)"
    " INCLUDE (organisation_id, requester_id, status)"
    f" WHERE status IN ({OPEN}) AND owner_id IS NOT NULL"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS ticket_open_by_owner ON {DEFINITION}"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS ticket_open_by_owner")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("tickets", "0005_unused_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
