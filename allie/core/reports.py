"""What every report shares: a period to pick, its bounds in the viewer's zone, safe CSV cells."""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from allie.core.dates import validate_year

#: The longest period a report covers at once.
MAX_PERIOD_DAYS = 366
DEFAULT_PERIOD_DAYS = 30
#: A CSV cell starting with one of these is read as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
#: The signs that open a formula once a spreadsheet has skipped leading blanks and quotes (some
#: trim them on import), with their full-width forms (folded to ASCII by some) and the pipe of
#: DDE payloads.
FORMULA_SIGNS = frozenset("=+-@|\uff1d\uff0b\uff0d\uff20")
#: What a spreadsheet may skip before reading the first sign.
_SKIPPED = re.compile(r'^[\s"]+')
#: A piece of a cell after a semicolon or a line break. Excel in French splits a comma-separated
#: file on semicolons, and a reader out of step with the quoting ends a row at a line break:
#: either way the piece becomes a cell of its own.
_PIECE = re.compile(r"(?<=[;\r\n])[^;\r\n]*")
#: Excel reads a CSV without a byte order mark in the machine's code page (é becomes Ã©).
UTF8_BOM = "\ufeff"


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput({"type": "date"}),
        validators=[validate_year],
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput({"type": "date"}),
        validators=[validate_year],
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        end = cleaned.get("end") or self.today
        start = cleaned.get("start") or end - timedelta(days=DEFAULT_PERIOD_DAYS)
        if start > end:
            raise forms.ValidationError(_("The start of the period must come before its end."))
        if (end - start).days > MAX_PERIOD_DAYS:
            raise forms.ValidationError(
                _("Choose a period of at most %(days)d days.") % {"days": MAX_PERIOD_DAYS}
            )
        cleaned["start"], cleaned["end"] = start, end
        return cleaned


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period as aware datetimes in the viewer's zone: [start 00:00, the day after end)."""
    zone = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), zone),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), zone),
    )


def _opens_formula(text: str) -> bool:
    rest = _SKIPPED.sub("", text, count=1)
    return bool(rest) and rest[0] in FORMULA_SIGNS


def neutralise(value: Any) -> str:
    """Return the cell as text, with a ' before any part a spreadsheet would read as a formula.

    Numbers computed by the report stay numbers (-3 is a figure, not a formula); text, even a
    typed "-3", is neutralised.
    """
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value) if math.isfinite(value) else ""
    text = "" if value is None else str(value)
    text = _PIECE.sub(lambda piece: f"'{piece[0]}" if _opens_formula(piece[0]) else piece[0], text)
    return f"'{text}" if text.startswith(FORMULA_STARTS) or _opens_formula(text) else text


class CsvDownload:
    """A CSV file to download: UTF-8 with a byte order mark, every cell neutralised."""

    def __init__(self, filename: str) -> None:
        self.response = HttpResponse(content_type="text/csv; charset=utf-8")
        self.response["Content-Disposition"] = f'attachment; filename="{filename}"'
        self.response["X-Content-Type-Options"] = "nosniff"
        self.response.write(UTF8_BOM)
        self._writer = csv.writer(self.response)

    def row(self, cells: Iterable[Any]) -> None:
        """Write one row, each cell through `neutralise`."""
        self._writer.writerow([neutralise(cell) for cell in cells])
