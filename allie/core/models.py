"""Model building blocks shared by the apps."""

from __future__ import annotations

from typing import Any, Self

from django.db import models

from allie.core.reference_cache import cached_reference, watch


class SingletonSettings(models.Model):
    """Settings kept in one row (pk 1), created by a data migration and edited in the admin."""

    class Meta:
        abstract = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        watch(cls)  # saving the row clears the cached copy (allie.core.reference_cache)

    @classmethod
    def current(cls) -> Self:
        """Return the saved settings, or the defaults (unsaved: reading never writes).

        Kept in-process for a minute (`allie.core.reference_cache`): every ticket opened reads
        them. Do not change the returned row without saving it: it is shared.
        """
        return cached_reference(
            (cls, "current"), lambda: cls.objects.filter(pk=1).first() or cls(pk=1)
        )
