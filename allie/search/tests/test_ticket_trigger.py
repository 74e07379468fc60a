"""The ticket table keeps the trigger that carries scope changes to the search entries.

On SQLite, Django adds or removes most columns by rebuilding the table, which drops its
triggers: a migration that does so on `tickets_ticket` must make `search_entry_follow_ticket`
again (as tickets 0012 does), or searches would keep an old owner's or organisation's scope.
"""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def triggers_on_tickets() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'tickets_ticket'"
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger "
                "WHERE tgrelid = 'tickets_ticket'::regclass AND NOT tgisinternal"
            )
        return {name for (name,) in cursor.fetchall()}


def test_the_migrated_ticket_table_has_the_search_scope_trigger():
    assert "search_entry_follow_ticket" in triggers_on_tickets()
