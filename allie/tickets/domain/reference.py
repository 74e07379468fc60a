"""Human ticket references such as ``D-000123`` ("D" for "demande"), and finding them in text.

Parsing is used to thread email replies: it must find ``[D-000123]`` in a subject, yet never
mistake part of another token (``AD-12``, ``D-12a``) for a reference.
"""

from __future__ import annotations

import functools
import re

DEFAULT_PREFIX = "D"
_MIN_DIGITS = 6
# Caps the digits read so a hostile subject cannot make int() parse thousands of digits.
_MAX_DIGITS = 18


def format_reference(number: int, prefix: str = DEFAULT_PREFIX) -> str:
    """``D-000123``: at least six digits, more once numbers pass 999999."""
    _check_prefix(prefix)
    if number < 1:
        raise ValueError("ticket numbers start at 1")
    return f"{prefix}-{number:0{_MIN_DIGITS}d}"


def parse_reference(text: str, prefix: str = DEFAULT_PREFIX) -> int | None:
    """The number of the first reference in ``text`` (case-insensitive), or ``None``."""
    for match in _pattern(prefix).finditer(text):
        number = int(match.group(1))
        if number >= 1:
            return number
    return None


def _check_prefix(prefix: str) -> None:
    if not (prefix.isascii() and prefix.isalpha()):
        raise ValueError("a reference prefix is made of ASCII letters")


@functools.lru_cache(maxsize=8)
def _pattern(prefix: str) -> re.Pattern[str]:
    _check_prefix(prefix)
    # \b is Unicode-aware on str patterns, so "éD-1" and "_D-1" are rejected too; [0-9] rather
    # than \d so other scripts' digits are not read as a number.
    return re.compile(rf"\b{re.escape(prefix)}-([0-9]{{1,{_MAX_DIGITS}}})\b", re.IGNORECASE)
