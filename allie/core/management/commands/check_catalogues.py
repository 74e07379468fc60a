"""Fail when a French translation is missing or fuzzy, or the English catalogue lacks a string."""

from __future__ import annotations

from typing import Any

from babel.messages.pofile import read_po
from django.core.management.base import BaseCommand, CommandError

from allie.core.management.commands.compilecatalogs import catalogue_paths


class Command(BaseCommand):
    help = "Check that the French and English catalogues are complete."

    def handle(self, *args: Any, **options: Any) -> None:
        problems: list[str] = []
        ids: dict[str, set[str]] = {"fr": set(), "en": set()}
        for po_path in catalogue_paths():
            language = po_path.parent.parent.name
            with po_path.open("rb") as po_file:
                catalogue = read_po(po_file)
            for message in catalogue:
                if not message.id:
                    continue
                key = message.id if isinstance(message.id, str) else message.id[0]
                ids.setdefault(language, set()).add(key)
                if language != "fr":
                    continue
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if message.fuzzy or not all(strings):
                    problems.append(f"{po_path}: untranslated or fuzzy: {key!r}")
        missing_en = ids["fr"] - ids["en"]
        problems += [f"English catalogue lacks {key!r}" for key in sorted(missing_en)]
        if problems:
            raise CommandError("\n".join(problems[:50]) + f"\n({len(problems)} problem(s))")
        self.stdout.write(f"Catalogues complete: {len(ids['fr'])} strings in French and English.")
