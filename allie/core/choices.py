"""A choice field's label, as `get_FOO_display` gives it, for lists that show many.

Django's `get_FOO_display` builds a dict of the field's choices at every call, hashing each
lazy label, which translates it: about a dozen catalogue lookups per badge. A queue of 25
tickets spent 2 ms of its 23 on two badges a row (docs/performance.md, session 12). Here each
field's labels are translated once per language and process, then read from a dict. Templates
use it as `{{ ticket|label:"status" }}` (`allie/core/templatetags/choices.py`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.db.models import Field, Model
from django.utils.translation import get_language


@lru_cache(maxsize=512)
def _labels(field: Field[Any, Any], language: str | None) -> dict[Any, str]:
    return {value: str(label) for value, label in field.flatchoices}


def choice_label(instance: Model, field_name: str) -> Any:
    """The label of `instance`'s value for the choice field `field_name` (else the value)."""
    field = instance._meta.get_field(field_name)
    value = getattr(instance, field.attname)
    return _labels(field, get_language()).get(value, value)
