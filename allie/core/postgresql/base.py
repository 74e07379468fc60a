"""Django's PostgreSQL backend whose server-binding cursor prepares only what may be prepared."""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base

from allie.core.database import may_prepare


class PreparingCursor(base.ServerBindingCursor):
    """Django's server-binding cursor; a statement `may_prepare` refuses is never prepared."""

    def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
        if options.get("prepare") is None and not may_prepare(query):
            options["prepare"] = False
        return super().execute(query, params, **options)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        if params.get("cursor_factory") is base.ServerBindingCursor:
            params["cursor_factory"] = PreparingCursor
        return params
