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

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import repeat

from allie.voice.domain.commitments import Tally


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


#: The NPS bands: 9 and 10 promote, 0 to 6 detract, 7 and 8 are passive.
PROMOTER_AT_LEAST = 9
DETRACTOR_AT_MOST = 6


def nps(answers: Iterable[int]) -> float | None:
    """Net promoter score: % of promoters (9, 10) minus % of detractors (0 to 6), -100 to 100."""
    items = list(answers)
    if not items:
        return None
    promoters = sum(1 for value in items if value >= PROMOTER_AT_LEAST)
    detractors = sum(1 for value in items if value <= DETRACTOR_AT_MOST)
    return 100 * (promoters - detractors) / len(items)


# --- Figures over many tickets (issue 5, point 6) ----------------------------------------------

#: The FCR rule reads each count only as 0, 1 or "more than 1": counts are capped at this value
#: before tickets are grouped, so a group of tickets yields a handful of distinct histories.
HISTORY_COUNT_CAP = 2


def capped(history: TicketHistory) -> TicketHistory:
    """The same history with its counts capped; the FCR rule gives the same answer for both."""
    return TicketHistory(
        resolved=history.resolved,
        resolved_while_logged=history.resolved_while_logged,
        agent_public_replies=min(history.agent_public_replies, HISTORY_COUNT_CAP),
        requester_replies=min(history.requester_replies, HISTORY_COUNT_CAP),
        reopen_count=min(history.reopen_count, HISTORY_COUNT_CAP),
    )


def expand(histogram: Mapping[int, int]) -> Iterator[int]:
    """Each answer repeated as many times as it was given ({5: 2, 3: 1} gives 5, 5, 3)."""
    for value, times in sorted(histogram.items()):
        yield from repeat(value, times)


def _merge(left: Mapping[int, int], right: Mapping[int, int]) -> dict[int, int]:
    merged = dict(left)
    for value, times in right.items():
        merged[value] = merged.get(value, 0) + times
    return merged


@dataclass(frozen=True)
class OutcomeTally:
    """What one service, team or agent did over a period, counted; the figures are derived.

    Tickets are those resolved in the period; surveys are theirs; follow-ups are those closed
    in the period; commitments are those due in it (see docs/outcomes.md).
    """

    resolved: int = 0
    first_contact: int = 0
    reopened: int = 0
    handoffs: int = 0
    surveys_sent: int = 0
    surveys_answered: int = 0
    csat_answers: Mapping[int, int] = field(default_factory=dict)  # answer -> how many
    ces_answers: Mapping[int, int] = field(default_factory=dict)
    follow_ups_closed: int = 0
    follow_ups_on_time: int = 0
    commitments: Tally = field(default_factory=Tally)

    def __add__(self, other: OutcomeTally) -> OutcomeTally:
        return OutcomeTally(
            resolved=self.resolved + other.resolved,
            first_contact=self.first_contact + other.first_contact,
            reopened=self.reopened + other.reopened,
            handoffs=self.handoffs + other.handoffs,
            surveys_sent=self.surveys_sent + other.surveys_sent,
            surveys_answered=self.surveys_answered + other.surveys_answered,
            csat_answers=_merge(self.csat_answers, other.csat_answers),
            ces_answers=_merge(self.ces_answers, other.ces_answers),
            follow_ups_closed=self.follow_ups_closed + other.follow_ups_closed,
            follow_ups_on_time=self.follow_ups_on_time + other.follow_ups_on_time,
            commitments=Tally(
                kept=self.commitments.kept + other.commitments.kept,
                renegotiated=self.commitments.renegotiated + other.commitments.renegotiated,
                broken=self.commitments.broken + other.commitments.broken,
            ),
        )

    @property
    def fcr_rate(self) -> float | None:
        return rate(self.first_contact, self.resolved)

    @property
    def reopen_rate(self) -> float | None:
        return rate(self.reopened, self.resolved)

    @property
    def handoffs_per_ticket(self) -> float | None:
        return rate(self.handoffs, self.resolved)

    @property
    def csat(self) -> float | None:
        return csat_score(expand(self.csat_answers))

    @property
    def ces(self) -> float | None:
        return mean(expand(self.ces_answers))

    @property
    def response_rate(self) -> float | None:
        return rate(self.surveys_answered, self.surveys_sent)

    @property
    def follow_ups_on_time_rate(self) -> float | None:
        return rate(self.follow_ups_on_time, self.follow_ups_closed)

    @property
    def commitments_kept_rate(self) -> float | None:
        return self.commitments.kept_rate


def tally_tickets(weighted: Iterable[tuple[TicketHistory, int, int]]) -> OutcomeTally:
    """Count resolved tickets given as (history, how many tickets, their handoffs in all).

    Each history is judged once by the FCR rule and weighted; tickets not resolved are left out.
    """
    resolved = first_contact = reopened = handoffs = 0
    for history, times, handed in weighted:
        verdict = resolved_at_first_contact(history)
        if verdict is None:
            continue
        resolved += times
        handoffs += handed
        first_contact += times if verdict else 0
        reopened += times if history.reopen_count > 0 else 0
    return OutcomeTally(
        resolved=resolved, first_contact=first_contact, reopened=reopened, handoffs=handoffs
    )


@dataclass(frozen=True)
class RelationshipTally:
    """A client organisation's relationship answers (0 to 10) over a period, by score."""

    answers: Mapping[int, int] = field(default_factory=dict)  # score -> how many

    @property
    def answered(self) -> int:
        return sum(self.answers.values())

    @property
    def promoters(self) -> int:
        return sum(times for score, times in self.answers.items() if score >= PROMOTER_AT_LEAST)

    @property
    def detractors(self) -> int:
        return sum(times for score, times in self.answers.items() if score <= DETRACTOR_AT_MOST)

    @property
    def passives(self) -> int:
        return self.answered - self.promoters - self.detractors

    @property
    def nps(self) -> float | None:
        return nps(expand(self.answers))
