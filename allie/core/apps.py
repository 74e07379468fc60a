from __future__ import annotations

from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CoreConfig(AppConfig):
    verbose_name = "Allié"
    name = "allie.core"
    label = "core"

    def ready(self) -> None:
        from allie.core.folding import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="allie_sqlite_upper")
