"""The escalation ladder: which steps an event raises. Plain Python, time passed in.

A ladder is an ordered list of steps. A step is hierarchical (the ticket team's lead, a
manager, the client organisation's executive sponsor, in that rank order) or functional (to
another team, through the handoff flow). Each step fires when a deadline of a clock ("any" or
one named clock) reaches a share of its SLA target: 90 means the 90 % warning, 100 the breach.

Rules, for every ticket:

- A level is raised automatically at most once per ticket, and hierarchical levels only go up:
  once a level has been raised (by a rule or by hand), the automatic ladder never raises it or
  a lower one again. Several steps reached by one event (a breach arriving before the warning
  was handled) are raised together, lowest first.
- VIP (the requester or their organisation is marked VIP), per the ladder's `vip_behaviour`:
  `at_opening` (default): the ticket starts one step higher: the team lead is alerted as soon
  as it opens; `first_warning`: the team lead is alerted at the first warning of any clock,
  whatever the step's own threshold; `none`: VIP changes nothing.
- Repeated reopening: when a ticket has been reopened `reopen_threshold` times (default 2), the
  team lead is alerted, unless that level (or a higher one) was already raised.
- A requester may ask for an escalation at most once per ticket every `requester_cooldown_hours`
  (default 24); each request goes one level above the highest level still active.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Level(StrEnum):
    TEAM_LEAD = "team_lead"
    MANAGER = "manager"
    EXECUTIVE_SPONSOR = "executive_sponsor"
    TEAM = "team"  # functional: another team, through the handoff flow


class Trigger(StrEnum):
    THRESHOLD = "threshold"
    BREACH = "breach"
    VIP = "vip"
    REOPENED = "reopened"
    MANUAL_AGENT = "manual_agent"
    REQUESTER = "requester"


class VipBehaviour(StrEnum):
    AT_OPENING = "at_opening"
    FIRST_WARNING = "first_warning"
    NONE = "none"


ANY_CLOCK = "any"
CLOCKS = ("first_response", "next_update", "resolution")
HIERARCHY: tuple[Level, ...] = (Level.TEAM_LEAD, Level.MANAGER, Level.EXECUTIVE_SPONSOR)
RANK = {level: rank for rank, level in enumerate(HIERARCHY, start=1)}
BREACH = 100


class LadderError(ValueError):
    """An invalid ladder; `code` names the rule, `field` the offending field."""

    def __init__(self, code: str, *, field: str) -> None:
        self.code = code
        self.field = field
        super().__init__(f"{field}: {code}")


@dataclass(frozen=True)
class Step:
    level: Level
    threshold: int
    clock: str = ANY_CLOCK
    target_team_id: int | None = None

    @property
    def is_hierarchical(self) -> bool:
        return self.level in RANK

    def matches(self, clock: str, threshold: int) -> bool:
        return self.clock in (ANY_CLOCK, clock) and threshold >= self.threshold

    def validate(self) -> None:
        if self.clock != ANY_CLOCK and self.clock not in CLOCKS:
            raise LadderError("unknown_clock", field="clock")
        if not 1 <= self.threshold <= BREACH:
            raise LadderError("threshold_range", field="threshold")
        if self.level is Level.TEAM and self.target_team_id is None:
            raise LadderError("team_required", field="target_team")
        if self.level is not Level.TEAM and self.target_team_id is not None:
            raise LadderError("team_only_functional", field="target_team")


@dataclass(frozen=True)
class Ladder:
    steps: tuple[Step, ...]
    reopen_threshold: int = 2
    requester_cooldown_hours: int = 24
    vip_behaviour: VipBehaviour = VipBehaviour.AT_OPENING

    def validate(self) -> None:
        for step in self.steps:
            step.validate()
        if self.reopen_threshold < 1:
            raise LadderError("reopen_threshold_range", field="reopen_threshold")


# The built-in ladder, also created as the default ladder by migration escalations 0002:
# the team lead at 90 % of any clock, a manager at any breach, the executive sponsor when the
# resolution target is breached.
DEFAULT_STEPS: tuple[Step, ...] = (
    Step(Level.TEAM_LEAD, 90),
    Step(Level.MANAGER, BREACH),
    Step(Level.EXECUTIVE_SPONSOR, BREACH, clock="resolution"),
)
DEFAULT_LADDER = Ladder(steps=DEFAULT_STEPS)


def trigger_for(threshold: int) -> Trigger:
    return Trigger.BREACH if threshold >= BREACH else Trigger.THRESHOLD


def highest_rank(levels: Iterable[str]) -> int:
    return max((RANK.get(level, 0) for level in levels if isinstance(level, str)), default=0)


def _may_raise(step: Step, raised: set[str], top: int) -> bool:
    if step.is_hierarchical:
        return RANK[step.level] > top
    return (step.level.value, step.target_team_id) not in raised


def raised_key(step: Step) -> str | tuple[str, int | None]:
    """How a raised step is remembered: its level name, or ("team", id) for a functional one."""
    return step.level.value if step.is_hierarchical else (step.level.value, step.target_team_id)


def may_fire(ladder: Ladder, *, clock: str, threshold: int) -> bool:
    """Whether a deadline could raise any step of `ladder`, whatever the ticket already raised.

    A cheap test before reading the ticket's escalations: most warnings raise nothing.
    """
    for step in ladder.steps:
        if step.matches(clock, threshold):
            return True
        if ladder.vip_behaviour is VipBehaviour.FIRST_WARNING and step.level is Level.TEAM_LEAD:
            return True
    return False


def steps_for_deadline(
    ladder: Ladder,
    *,
    clock: str,
    threshold: int,
    raised: Iterable[str | tuple[str, int | None]] = (),
    vip: bool = False,
) -> list[Step]:
    """Return the steps a deadline (a clock reaching `threshold` %) raises, in ladder order.

    `raised` holds what the ticket already raised: hierarchical level names and, for
    functional steps, (``"team"``, team id) pairs.
    """
    done: set = set(raised)
    top = highest_rank(item for item in done if isinstance(item, str))
    chosen: list[Step] = []
    for step in ladder.steps:
        fires = step.matches(clock, threshold)
        if (
            not fires
            and vip
            and ladder.vip_behaviour is VipBehaviour.FIRST_WARNING
            and step.level is Level.TEAM_LEAD
        ):
            fires = True  # a VIP's team lead hears of it at the first warning
        if fires and _may_raise(step, done, top):
            chosen.append(step)
            done.add(raised_key(step))
            if step.is_hierarchical:
                top = RANK[step.level]
    return chosen


def steps_at_opening(ladder: Ladder, *, vip: bool, raised: Iterable[str] = ()) -> list[Step]:
    """Return what opening a ticket raises: the team lead for a VIP (`at_opening`)."""
    if not vip or ladder.vip_behaviour is not VipBehaviour.AT_OPENING:
        return []
    if highest_rank(raised) >= RANK[Level.TEAM_LEAD]:
        return []
    return [Step(Level.TEAM_LEAD, 1)]


def steps_for_reopening(
    ladder: Ladder, *, reopen_count: int, raised: Iterable[str] = ()
) -> list[Step]:
    """Return what a reopening raises: the team lead once reopenings reach the threshold."""
    if reopen_count < ladder.reopen_threshold:
        return []
    if highest_rank(raised) >= RANK[Level.TEAM_LEAD]:
        return []
    return [Step(Level.TEAM_LEAD, 1)]


def next_level(active: Iterable[str]) -> Level | None:
    """Return the hierarchical level above the highest active one (None above the top)."""
    top = highest_rank(active)
    return HIERARCHY[top] if top < len(HIERARCHY) else None


def requester_may_escalate_at(
    last_request_at: datetime | None, *, cooldown_hours: int
) -> datetime | None:
    """Return the moment from which the requester may ask again (None: no earlier request)."""
    if last_request_at is None:
        return None
    return last_request_at + timedelta(hours=cooldown_hours)


def requester_may_escalate(
    last_request_at: datetime | None, *, now: datetime, cooldown_hours: int
) -> bool:
    allowed_from = requester_may_escalate_at(last_request_at, cooldown_hours=cooldown_hours)
    return allowed_from is None or now >= allowed_from
