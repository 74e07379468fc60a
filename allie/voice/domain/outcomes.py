"""Outcome figures: first-contact resolution and the rates a team is judged by.

First-contact resolution (FCR). A ticket was resolved at first contact when it was resolved in
the first interaction:

- a phone call or counter visit logged as resolved while it was logged; or
- a ticket resolved after exactly one public reply from the desk, with no reply from the
  requester after it was opened and never reopened.

A ticket that is not resolved (open, declined, cancelled) is not counted either way. Each rate
is None when there is nothing to count, so "no data" never reads as 0 %.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class TicketHistory:
    """What the FCR rule reads of one ticket."""

    resolved: bool
    resolved_while_logged: bool = False  # a phone or counter contact closed as it was logged
    agent_public_replies: int = 0
    requester_replies: int = 0  # after opening (the opening text is not a reply)
    reopen_count: int = 0


def resolved_at_first_contact(history: TicketHistory) -> bool | None:
    """True or False for a resolved ticket; None for one not resolved (not counted)."""
    if not history.resolved:
        return None
    if history.resolved_while_logged:
        return True
    return (
        history.agent_public_replies == 1
        and history.requester_replies == 0
        and history.reopen_count == 0
    )


def rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def mean(values: Iterable[int]) -> float | None:
    items = list(values)
    return sum(items) / len(items) if items else None


def csat_score(answers: Iterable[int]) -> float | None:
    """Share of satisfied answers (4 or 5 out of 5), the usual CSAT figure."""
    items = list(answers)
    return rate(sum(1 for value in items if value >= 4), len(items))


def nps(answers: Iterable[int]) -> float | None:
    """Net promoter score: % of promoters (9, 10) minus % of detractors (0 to 6), -100 to 100."""
    items = list(answers)
    if not items:
        return None
    promoters = sum(1 for value in items if value >= 9)
    detractors = sum(1 for value in items if value <= 6)
    return 100 * (promoters - detractors) / len(items)
