"""Relationship survey (NPS) rules: when a round is due, and which keywords make a theme.

Rounds follow calendar windows of `every_months` months (1, 2, 3, 4, 6 or 12: a divisor of 12)
starting each January: every 6 months gives January–June and July–December, every 3 months
the quarters, every 12 months the calendar year. An organisation gets one round per window,
at the first sweep of the window (or as soon as it has a contact); the window's first day
names the round, so a round is never sent twice, whatever the number of sweeps or workers.
"""

from __future__ import annotations

from datetime import date

from allie.voice.domain.themes import Theme

#: The schedules a desk may choose (months between rounds; 0: never).
SCHEDULES = (0, 1, 2, 3, 4, 6, 12)


def round_start(day: date, every_months: int) -> date | None:
    """The first day of the window of `every_months` months containing `day` (None: never)."""
    if every_months <= 0:
        return None
    if 12 % every_months:
        raise ValueError(f"A schedule must divide the year: {every_months}")
    month = (day.month - 1) // every_months * every_months + 1
    return date(day.year, month, 1)


def keyword_list(text: str) -> tuple[str, ...]:
    """Keywords written one per line or separated by commas, stripped, without blanks."""
    items = (part.strip() for line in text.splitlines() for part in line.split(","))
    return tuple(item for item in items if item)


def theme_of(code: str, *keyword_texts: str) -> Theme:
    """A matchable theme from its code and its keyword texts (French, English, ...)."""
    keywords: list[str] = []
    for text in keyword_texts:
        keywords.extend(keyword_list(text))
    return Theme(code, tuple(dict.fromkeys(keywords)))


def months_between(first: date, last: date) -> list[date]:
    """The first days of the months from `first`'s month to `last`'s month, inclusive."""
    months: list[date] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
