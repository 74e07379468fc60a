"""On PostgreSQL, the words' GIN index merges its pending list at 256 kB instead of 4 MB.

New entries go to the index's pending list first (`fastupdate`, the default), and every search
reads that list through: after about 4,500 tickets opened the default 4 MB list made each
search 7 ms slower (10.8 → 18.3 ms), until the next vacuum, which on a large table can be
hours away. At 256 kB the ticket that fills the list merges it, a few hundred tickets at a
time, and searches stay within about a millisecond of a merged index (docs/search.md, "Cost").
"""

from __future__ import annotations

from django.db import migrations

INDEX = "search_entry_recent_document"


def forward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX {INDEX} SET (gin_pending_list_limit = 256)")


def backward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX {INDEX} RESET (gin_pending_list_limit)")


class Migration(migrations.Migration):
    dependencies = [("search", "0003_entry_scope")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
