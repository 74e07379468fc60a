"""Model building blocks shared by the apps."""

from __future__ import annotations

from typing import Self

from django.db import models

from allie.core.snapshot import remembered


class SingletonSettings(models.Model):
    """Settings kept in one row (pk 1), created by a data migration and edited in the admin."""

    class Meta:
        abstract = True

    @classmethod
    def current(cls) -> Self:
        """Return the saved settings, or the defaults (unsaved: reading never writes)."""
        # Read once per batch of work inside `reference_snapshot()` (allie.core.snapshot).
        return remembered((cls, "current"), lambda: cls.objects.filter(pk=1).first() or cls(pk=1))
