"""A snapshot of reference data for one batch of work (a poll of a mailbox, say).

Inside `reference_snapshot()` a value `remembered` under a key (the desk's addresses, say) is
read once and reused until the block ends; outside it, `remembered` simply loads (nothing is
kept between requests or batches, so a change is seen by the next batch). Settings rows, the
priority matrix and the SLA policies, read by every ticket opened, are kept in-process for a
minute instead, whether in a snapshot or not (`allie.core.reference_cache`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_memo: ContextVar[dict[Hashable, Any] | None] = ContextVar("allie_reference_snapshot", default=None)


@contextmanager
def reference_snapshot() -> Iterator[None]:
    """Within this block, reference data is read once (a nested block shares the outer one)."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def remembered(key: Hashable, load: Callable[[], T]) -> T:
    """Return `load()`, read once per snapshot under `key` (every time outside a snapshot)."""
    memo = _memo.get()
    if memo is None:
        return load()
    if key not in memo:
        memo[key] = load()
    return memo[key]
