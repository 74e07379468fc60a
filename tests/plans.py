"""Which index PostgreSQL can use for a query, on a test database too small to tell by itself."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection


def plan_with_only(queryset: Any, index: str, *, ordered: bool = False) -> str:
    """The plan of `queryset` when `index` competes only with reading the whole table.

    A test database is tiny and never vacuumed, so the planner's choice among similar indexes
    is a coin toss there. Inside the test's transaction (rolled back after it), the other
    non-unique indexes of the index's table are dropped and the sequential scan is forbidden:
    the plan then shows whether this index can serve the query (its columns, expression and
    condition match), which is what the large table's plans in docs/performance.md and
    docs/indexes.md rely on.

    `ordered`: the index serves the query by its order (ORDER BY … LIMIT). On a few hundred rows
    the planner may prefer a bitmap scan of it and a sort, which says nothing of its order and
    varies with the test database's statistics; bitmap scans and full sorts are then forbidden
    too (an incremental sort on the index's order stays allowed).
    """
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT other.indexrelid::regclass::text FROM pg_index other"
            " JOIN pg_index target ON target.indrelid = other.indrelid"
            " WHERE target.indexrelid = %s::regclass"
            " AND NOT other.indisunique AND NOT other.indisprimary"
            " AND other.indexrelid <> target.indexrelid",
            [index],
        )
        for (other,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{other}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        if ordered:
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            # A full sort of what another table's index gives would do as well on a tiny table,
            # and the planner's choice then follows whatever row counts an earlier test's
            # ANALYZE left in pg_class (updated in place, not rolled back): a flaky plan.
            cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def uses(plan: str, index: str) -> bool:
    """Whether `plan` reads `index`: an index (only) scan "using" it or a bitmap scan "on" it."""
    return re.search(rf"\b(using|on) {re.escape(index)}\b", plan) is not None


def served_by(plan: str, index: str) -> bool:
    """Whether `plan` reads `index` for the query's sake, not only because the sequential scan
    is forbidden (then any index of the table may be walked from end to end): the index is
    searched (its scan has an Index Cond) or gives the query its order (an incremental sort
    above it, whose leading key is presorted)."""
    lines = plan.splitlines()
    for number, line in enumerate(lines):
        if not uses(line, index):
            continue
        depth = len(line) - len(line.lstrip(" ->"))  # where the node's name starts
        for detail in lines[number + 1 :]:
            if "->" in detail or len(detail) - len(detail.lstrip()) <= depth:
                break
            if detail.strip().startswith("Index Cond:"):
                return True
    return uses(plan, index) and "Presorted Key:" in plan
