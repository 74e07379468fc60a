"""Compile the gettext catalogues (.po → .mo) with Babel, so no system gettext is needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand


def catalogue_paths() -> list[Path]:
    """Return every django.po file of the project (never of the virtual environment)."""
    roots = [Path(p) for p in settings.LOCALE_PATHS]
    roots += sorted((Path(settings.BASE_DIR) / "allie").glob("*/locale"))
    return sorted(po for root in roots for po in root.glob("*/LC_MESSAGES/django.po"))


class Command(BaseCommand):
    help = "Compile the project's translation catalogues."

    def handle(self, *args: Any, **options: Any) -> None:
        for po_path in catalogue_paths():
            with po_path.open("rb") as po_file:
                catalogue = read_po(po_file)
            mo_path = po_path.with_suffix(".mo")
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalogue, use_fuzzy=False)
        self.stdout.write(f"Compiled {len(catalogue_paths())} catalogue(s).")
