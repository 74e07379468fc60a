"""The portal's organisation tab from an index in its order, on PostgreSQL (issue 6).

A contact lists their organisation's requests, newest activity first (`-updated_at, -id`). No
index held them in that order: every page view read all of the organisation's tickets through
`ticket_org_queue` and sorted them (8,483 tickets, 17 ms at 100,000; ten times that for a
large client at a million). `ticket_org_activity` gives the order: the page reads its 26
entries from the top. Its price: `updated_at` now being indexed, a reply or a note no longer
updates its ticket in place (HOT); each such update writes an entry to every index of the
table (docs/indexes.md has the measure).

Built CONCURRENTLY like 0003 (no write lock on a large ticket table), hence not atomic; plain
SQL on PostgreSQL only: on SQLite the demo's organisations are small.
"""

from __future__ import annotations

from django.db import migrations

DEFINITION = "tickets_ticket (organisation_id, updated_at DESC, id DESC)"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS ticket_org_activity ON {DEFINITION}"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS ticket_org_activity")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("tickets", "0006_ticket_open_by_owner")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
