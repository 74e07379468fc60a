"""The API's JSON parser: it refuses, with a 400, what no field of Allié may hold.

JSON can carry text that Python parses but nothing downstream accepts: a lone surrogate
("\\ud800") cannot be encoded to UTF-8 (the database, the response), a NUL is refused by
PostgreSQL, and a deep nesting exhausts Python's recursion while parsing or rendering. Each
used to fail as a 500, after the ticket was committed in one case. A body is checked whole,
keys and values, before any view sees it.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Far beyond any body the API takes (a ticket's form answers are two levels deep).
MAX_DEPTH = 32

_UNFIT_CHARACTER = re.compile("[\x00\ud800-\udfff]")


class StrictJSONParser(JSONParser):
    """DRF's JSON parser, refusing NUL characters, lone surrogates and deep nesting."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: dict[str, Any] | None = None,
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON body is nested too deeply.")) from None
        check_json(data)
        return data


def check_json(data: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """Raise ParseError if parsed JSON holds an unfit character or nests beyond `max_depth`.

    Walked with a stack, not recursion: the check must not fail the way it guards against.
    """
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if _UNFIT_CHARACTER.search(value):
                raise ParseError(_("The JSON body holds a NUL character or a lone surrogate."))
            continue
        if isinstance(value, dict):
            children = [*value.keys(), *value.values()]
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > max_depth:
            raise ParseError(_("The JSON body is nested too deeply."))
        pending.extend((child, depth + 1) for child in children)
