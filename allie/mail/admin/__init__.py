"""Admin of the email channel, one module per part (Django imports this package)."""

from __future__ import annotations

from . import (
    inbound,  # noqa: F401
    outbound,  # noqa: F401
    settings,  # noqa: F401
)
