"""Matching text whatever the case of its letters, accented ones included, on both databases.

PostgreSQL's UPPER folds every letter; SQLite's UPPER and LIKE fold ASCII letters only, so on
the embedded default "écran" did not find "Écran noir". `Folded` is UPPER on PostgreSQL (which
the expression indexes use) and, on SQLite, a function registered on each connection that
folds like Python's `str.upper`.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import CharField, Func

SQLITE_UPPER = "ALLIE_UPPER"


class Folded(Func):
    """UPPER(expression), folding accented letters on SQLite too."""

    function = "UPPER"
    arity = 1
    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function=SQLITE_UPPER, **extra)


def folded(text: str) -> str:
    """`text` as `Folded` gives it, to compare with a folded column."""
    return text.upper()


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def register_sqlite_functions(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """`connection_created` receiver: give SQLite connections the folding function."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_UPPER, 1, _upper, deterministic=True)
