"""Statements PostgreSQL keeps prepared, so it stops planning the same ones again.

A ticket's creation cost the server more in planning its seven statements than in writing
them. psycopg prepares a statement on the server once a connection has run it a few times
(`prepare_threshold`), which needs server-side parameter binding (`server_side_binding`);
both are set in `config/settings.py`, with the engine `allie.core.postgresql` (Django's, whose
cursor asks `may_prepare`). What may be prepared is chosen by what a cached plan could get
wrong:

- an INSERT's plan does not depend on its values: always prepared;
- a read's best plan may depend on its values (a rare status, a large client): PostgreSQL
  could settle on one generic plan for all of them, so reads are planned afresh each time,
  except lookups by a unique key run inside `prepared_lookups()`;
- an UPDATE or DELETE is planned each time too: it filters like a read;
- a statement registered with `always_prepared` (an INSERT wrapped in a data-modifying WITH,
  say, whose first word is not INSERT) is prepared like an INSERT.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

#: The largest key a database row may have (a signed 64-bit integer): a typed id beyond it
#: overflows the database's integer instead of finding nothing.
MAX_ID = 2**63 - 1

_LOOKUPS_PREPARED: ContextVar[bool] = ContextVar("lookups_prepared", default=False)
_ALWAYS: set[str] = set()


def always_prepared(sql: str) -> str:
    """Register `sql`, a fixed statement text whose plan does not depend on its values (it only
    writes rows given as parameters), to be kept prepared; return it."""
    _ALWAYS.add(sql)
    return sql


@contextmanager
def prepared_lookups() -> Iterator[None]:
    """Let the reads run inside be prepared: only lookups by a unique key (one plan fits all)."""
    token = _LOOKUPS_PREPARED.set(True)
    try:
        yield
    finally:
        _LOOKUPS_PREPARED.reset(token)


def may_prepare(query: object) -> bool:
    """Whether a statement may be kept prepared (see the module's docstring)."""
    if not isinstance(query, str | bytes):
        return False  # a composed statement (psycopg.sql) is built for one run
    if query in _ALWAYS:
        return True
    verb = query.lstrip()[:6].upper()
    if isinstance(verb, bytes):
        verb = verb.decode("ascii", "replace")
    if verb == "INSERT":
        return True
    return verb == "SELECT" and _LOOKUPS_PREPARED.get()
