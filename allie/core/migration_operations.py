"""Operations the apps' migrations share. Old migrations run them: change them only compatibly."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def drop_like_indexes(indexes: dict[str, tuple[str, str]]) -> migrations.RunPython:
    """Drop (reversibly) `*_like` indexes, given as {name: (table, column)}.

    On PostgreSQL Django's schema editor adds a `varchar_pattern_ops` twin beside every unique or
    indexed CharField, for LIKE and startswith. It is not in the model state, so it goes by name;
    SQLite has none. A later AlterField that changes such a column's type would make it again.
    """

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for name in indexes:
                schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for name, (table, column) in indexes.items():
                definition = f'"{table}" ("{column}" varchar_pattern_ops)'
                schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON {definition}')

    return migrations.RunPython(drop, create, elidable=False)


def postgresql_index(name: str, definition: str, *, extension: str = "") -> migrations.RunPython:
    """Build (reversibly) the index `name` ON `definition` on PostgreSQL only, CONCURRENTLY.

    No write lock on a large table, so the migration must say `atomic = False`. Such indexes
    live in the database only (not in a model's Meta): SQLite reads its small tables whole.
    `extension` is created first when the index's operator class needs one (`pg_trgm`).
    """
    create, drop = _concurrent_index(name, definition, extension)
    return migrations.RunPython(create, drop, elidable=False)


def drop_postgresql_index(name: str, definition: str) -> migrations.RunPython:
    """Drop (reversibly: built again ON `definition`) an index made by `postgresql_index`."""
    create, drop = _concurrent_index(name, definition, "")
    return migrations.RunPython(drop, create, elidable=False)


def _concurrent_index(name: str, definition: str, extension: str) -> tuple[Any, Any]:
    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            if extension:
                schema_editor.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")
            schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition}")

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")

    return create, drop
