"""The ladder's rules, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allie.escalations.domain.ladder import (
    CLOCKS,
    DEFAULT_LADDER,
    RANK,
    Ladder,
    LadderError,
    Level,
    Step,
    Trigger,
    VipBehaviour,
    may_fire,
    next_level,
    requester_may_escalate,
    steps_at_opening,
    steps_for_deadline,
    steps_for_reopening,
    trigger_for,
)

NOON = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def levels(steps):
    return [step.level for step in steps]


def test_a_warning_below_every_step_raises_nothing():
    assert steps_for_deadline(DEFAULT_LADDER, clock="first_response", threshold=75) == []


def test_the_ninety_percent_warning_raises_the_team_lead():
    steps = steps_for_deadline(DEFAULT_LADDER, clock="next_update", threshold=90)

    assert levels(steps) == [Level.TEAM_LEAD]
    assert trigger_for(90) is Trigger.THRESHOLD


def test_a_breach_raises_the_manager_once_the_team_lead_was_raised():
    steps = steps_for_deadline(
        DEFAULT_LADDER, clock="first_response", threshold=100, raised={"team_lead"}
    )

    assert levels(steps) == [Level.MANAGER]
    assert trigger_for(100) is Trigger.BREACH


def test_a_breach_reached_first_raises_the_skipped_levels_lowest_first():
    steps = steps_for_deadline(DEFAULT_LADDER, clock="resolution", threshold=100)

    assert levels(steps) == [Level.TEAM_LEAD, Level.MANAGER, Level.EXECUTIVE_SPONSOR]


def test_only_the_resolution_breach_reaches_the_executive_sponsor():
    steps = steps_for_deadline(
        DEFAULT_LADDER, clock="next_update", threshold=100, raised={"team_lead", "manager"}
    )

    assert steps == []


def test_a_level_raised_by_hand_is_never_raised_again_nor_a_lower_one():
    steps = steps_for_deadline(DEFAULT_LADDER, clock="first_response", threshold=100,
                               raised={"manager"})  # fmt: skip

    assert steps == []


def test_a_functional_step_is_raised_once_per_team():
    ladder = Ladder(steps=(Step(Level.TEAM, 75, clock="resolution", target_team_id=7),))

    first = steps_for_deadline(ladder, clock="resolution", threshold=75)
    again = steps_for_deadline(ladder, clock="resolution", threshold=90, raised={("team", 7)})

    assert [step.target_team_id for step in first] == [7]
    assert again == []


def test_a_vip_ticket_starts_one_step_higher_at_opening():
    assert levels(steps_at_opening(DEFAULT_LADDER, vip=True)) == [Level.TEAM_LEAD]
    assert steps_at_opening(DEFAULT_LADDER, vip=False) == []
    assert steps_at_opening(DEFAULT_LADDER, vip=True, raised={"team_lead"}) == []


def test_a_vip_ticket_may_alert_the_team_lead_at_the_first_warning_instead():
    ladder = Ladder(steps=DEFAULT_LADDER.steps, vip_behaviour=VipBehaviour.FIRST_WARNING)

    assert steps_at_opening(ladder, vip=True) == []
    vip = steps_for_deadline(ladder, clock="resolution", threshold=50, vip=True)
    ordinary = steps_for_deadline(ladder, clock="resolution", threshold=50, vip=False)

    assert levels(vip) == [Level.TEAM_LEAD]
    assert ordinary == []


def test_the_second_reopening_alerts_the_team_lead():
    assert steps_for_reopening(DEFAULT_LADDER, reopen_count=1) == []
    assert levels(steps_for_reopening(DEFAULT_LADDER, reopen_count=2)) == [Level.TEAM_LEAD]
    ladder = Ladder(steps=(), reopen_threshold=3)
    assert steps_for_reopening(ladder, reopen_count=2) == []


def test_a_requester_may_ask_once_per_cooldown():
    assert requester_may_escalate(None, now=NOON, cooldown_hours=24)
    assert not requester_may_escalate(NOON, now=NOON + timedelta(hours=23), cooldown_hours=24)
    assert requester_may_escalate(NOON, now=NOON + timedelta(hours=24), cooldown_hours=24)


def test_the_next_level_goes_one_above_the_highest_active():
    assert next_level([]) is Level.TEAM_LEAD
    assert next_level(["team_lead"]) is Level.MANAGER
    assert next_level(["manager", "team"]) is Level.EXECUTIVE_SPONSOR
    assert next_level(["executive_sponsor"]) is None


@pytest.mark.parametrize(
    ("step", "field"),
    [
        (Step(Level.MANAGER, 0), "threshold"),
        (Step(Level.MANAGER, 90, clock="lunch"), "clock"),
        (Step(Level.TEAM, 90), "target_team"),
        (Step(Level.MANAGER, 90, target_team_id=3), "target_team"),
    ],
)
def test_an_invalid_step_is_refused_naming_its_field(step, field):
    with pytest.raises(LadderError) as error:
        step.validate()

    assert error.value.field == field


step_strategy = st.builds(
    Step,
    level=st.sampled_from([Level.TEAM_LEAD, Level.MANAGER, Level.EXECUTIVE_SPONSOR]),
    threshold=st.sampled_from([50, 75, 90, 100]),
    clock=st.sampled_from(["any", *CLOCKS]),
)
event_strategy = st.tuples(st.sampled_from(CLOCKS), st.sampled_from([50, 75, 90, 100]))


@given(
    steps=st.lists(step_strategy, max_size=6),
    events=st.lists(event_strategy, max_size=20),
    vip=st.booleans(),
)
def test_the_ladder_never_raises_a_level_twice_and_levels_only_go_up(steps, events, vip):
    ladder = Ladder(steps=tuple(steps), vip_behaviour=VipBehaviour.FIRST_WARNING)
    raised: list[Level] = []

    for clock, threshold in events:
        for step in steps_for_deadline(
            ladder, clock=clock, threshold=threshold, raised=set(raised), vip=vip
        ):
            raised.append(step.level)

    assert len(raised) == len(set(raised))
    ranks = [RANK[level] for level in raised]
    assert ranks == sorted(ranks)


raised_strategy = st.sets(st.sampled_from([level.value for level in RANK]))


@given(
    steps=st.lists(step_strategy, max_size=6),
    event=event_strategy,
    raised=raised_strategy,
    vip=st.booleans(),
    behaviour=st.sampled_from(list(VipBehaviour)),
)
def test_a_deadline_the_quick_test_dismisses_never_raises_anything(
    steps, event, raised, vip, behaviour
):
    ladder = Ladder(steps=tuple(steps), vip_behaviour=behaviour)
    clock, threshold = event

    if not may_fire(ladder, clock=clock, threshold=threshold):
        assert (
            steps_for_deadline(ladder, clock=clock, threshold=threshold, raised=raised, vip=vip)
            == []
        )


def test_the_quick_test_dismisses_warnings_below_every_step():
    assert not may_fire(DEFAULT_LADDER, clock="first_response", threshold=50)
    assert may_fire(DEFAULT_LADDER, clock="first_response", threshold=90)
