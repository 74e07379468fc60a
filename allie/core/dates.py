"""The one rule for a date typed in a form, a filter or an API query: years 1900 to 9998.

Python's dates end at years 1 and 9999, and the pages compute past what is typed: the day after
a period's end, the 30 days before it, a local time's shift to UTC. A date at either end made
that arithmetic overflow (a 500); a date inside these years leaves a margin for all of it.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FIRST_YEAR = 1900
LAST_YEAR = 9998


def validate_year(value: date) -> None:
    """Refuse a date or datetime outside the years FIRST_YEAR to LAST_YEAR (a field validator)."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(
            _("Enter a date between the years %(first)s and %(last)s."),
            code="year_out_of_range",
            params={"first": FIRST_YEAR, "last": LAST_YEAR},
        )
