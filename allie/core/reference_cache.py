"""Reference data kept in-process for a short time: settings rows, the priority matrix, SLA
policies, business calendars.

Every ticket opened reads them, and they change a few times a year. A value is trusted for
`REFERENCE_TTL` seconds. Saving or deleting a row of a watched model clears this process's
copies at once (and again when the transaction commits, so nothing read in between survives);
other processes (the other web workers, the task worker) see the change within the TTL. A
queryset `update()` sends no signal: it is seen within the TTL too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

#: How long a loaded value is trusted before it is read again (seconds).
REFERENCE_TTL = 60.0

_lock = threading.Lock()
_values: dict[Hashable, tuple[float, Any]] = {}
_watched: set[type[models.Model]] = set()


def cached_reference(key: Hashable, load: Callable[[], T]) -> T:
    """Return `load()`, read at most once per `REFERENCE_TTL` in this process under `key`."""
    now = time.monotonic()
    found = _values.get(key)
    if found is not None and now - found[0] <= REFERENCE_TTL:
        return found[1]  # type: ignore[no-any-return]
    value = load()
    with _lock:
        _values[key] = (now, value)
    return value


def clear_reference_cache() -> None:
    """Forget every cached value (a watched row changed; tests start cold)."""
    with _lock:
        _values.clear()


def forget_reference(key: Hashable) -> None:
    """Forget the value cached under `key` only (a test wanting that one read cold)."""
    with _lock:
        _values.pop(key, None)


def _forget(**_kwargs: Any) -> None:
    clear_reference_cache()
    # A read between the save and the commit would cache the old row again: forget it once
    # more when the change is visible to everyone.
    transaction.on_commit(clear_reference_cache)


def watch(model: type[models.Model]) -> None:
    """Clear the cache whenever a row of `model` is saved or deleted."""
    if model in _watched:
        return
    _watched.add(model)
    uid = f"{model.__module__}.{model.__qualname__}-reference-cache"
    post_save.connect(_forget, sender=model, dispatch_uid=f"{uid}-save", weak=False)
    post_delete.connect(_forget, sender=model, dispatch_uid=f"{uid}-delete", weak=False)
