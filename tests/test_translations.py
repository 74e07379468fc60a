"""The French and English catalogues hold every string the code asks to translate."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command

ROOT = Path(settings.BASE_DIR)
ALIAS = re.compile(r"from django\.utils\.translation import .*\bas (?!_\b)(\w+)")


def msgids(po_path: Path) -> set[str]:
    with po_path.open("rb") as po_file:
        catalogue = read_po(po_file)
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id}


def test_translation_functions_keep_names_that_makemessages_finds():
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in (ROOT / "allie").rglob("*.py")
        for match in ALIAS.finditer(path.read_text())
    ]

    assert offenders == []


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs gettext's xgettext")
def test_the_catalogues_are_up_to_date_with_the_code(tmp_path, settings, monkeypatch):
    # makemessages writes next to the sources it reads, so it runs on a copy of them.
    for folder in ("allie", "config", "templates", "locale"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("*.pyc"))
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)

    call_command(
        "makemessages",
        locale=["fr"],
        ignore_patterns=["*/tests/*"],
        no_obsolete=True,
        verbosity=0,
    )

    extracted = msgids(tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po")
    committed = msgids(ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po")
    assert extracted - committed == set(), "run `make messages` and translate the new strings"
