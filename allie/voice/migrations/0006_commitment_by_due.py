"""The commitments due in a period, from an index on their due time, on PostgreSQL (issue 6).

The commitments figures count the commitments due in a period (`allie.voice.selectors.
commitment_figures`, the team page's outcome figures). No index had `due_at` first for all of
them (`commitment_open_by_due` holds only the open ones), so the planner read the whole table
(a sequential scan, 29 ms at 200,012 commitments) or walked another index from end to end for a
month's 3,000 (docs/indexes.md). `commitment_by_due` finds them by their due time.

Built CONCURRENTLY like tickets 0006 (no write lock on a large table), hence not atomic; plain
SQL on PostgreSQL only.
"""

from __future__ import annotations

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS commitment_by_due ON voice_commitment (due_at)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS commitment_by_due")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("voice", "0005_unused_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
