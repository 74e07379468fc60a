"""The `allie` command: Django's management commands under the product's name.

`allie seed --tickets 1000` runs the `seed` management command, `allie migrate` migrates.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command with Allié's settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:] if argv is None else argv
    execute_from_command_line(["allie", *args])
