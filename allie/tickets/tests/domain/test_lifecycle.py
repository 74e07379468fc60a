"""Ticket lifecycle: examples for every guard, then properties over random states and sequences."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from allie.tickets.domain.errors import (
    DomainError,
    IllegalStateError,
    InvalidInputError,
    NotPermittedError,
)
from allie.tickets.domain.lifecycle import (
    FINAL_STATUSES,
    HANDOFF_STATUSES,
    OPEN_STATUSES,
    OWNED_STATUSES,
    STOPPED,
    TRANSITIONS,
    AcceptHandoff,
    Acknowledge,
    Actor,
    Cancel,
    Close,
    Command,
    Decline,
    DeclineHandoff,
    PendingHandoff,
    ProposeHandoff,
    Reopen,
    RequesterReplied,
    Resolve,
    Resume,
    Start,
    Status,
    TicketState,
    WaitOnRequester,
    WaitOnThirdParty,
    WithdrawHandoff,
    allowed_commands,
    apply,
    is_handoff_target,
)

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
WINDOW = timedelta(days=7)

OWNER = Actor(id=1, is_agent=True, team_ids=frozenset({10}))
TEAMMATE = Actor(id=2, is_agent=True, team_ids=frozenset({10}))
OTHER_TEAM_AGENT = Actor(id=3, is_agent=True, team_ids=frozenset({11}))
REQUESTER = Actor(id=4, is_requester=True)
STRANGER = Actor(id=5)
AGENT_REQUESTER = Actor(id=6, is_agent=True, is_requester=True, team_ids=frozenset({11}))
ACTORS = [OWNER, TEAMMATE, OTHER_TEAM_AGENT, REQUESTER, STRANGER, AGENT_REQUESTER]


def ticket(status: Status, owner_id: int | None = OWNER.id, **fields: Any) -> TicketState:
    if status is Status.RESOLVED:
        fields.setdefault("resolved_at", NOW - timedelta(days=1))
    return TicketState(status=status, owner_id=owner_id, **fields)


def run(
    state: TicketState,
    command_class: type[Command],
    actor: Actor = OWNER,
    now: datetime = NOW,
    **fields: Any,
) -> TicketState:
    command = command_class(actor_id=actor.id, **fields)
    return apply(state, command, actor=actor, now=now, reopen_window=WINDOW)


def refusal(
    state: TicketState, command_class: type[Command], actor: Actor = OWNER, **fields: Any
) -> DomainError:
    with pytest.raises(DomainError) as caught:
        run(state, command_class, actor, **fields)
    return caught.value


HANDOFF_TO_TEAM = PendingHandoff(proposer_id=OWNER.id, to_team_id=10, reason="night shift")
HANDOFF_TO_PERSON = PendingHandoff(proposer_id=OWNER.id, to_person_id=3, reason="expertise")


# --- Happy paths ------------------------------------------------------------------------------


def test_acknowledge_makes_the_acting_agent_the_owner():
    state = ticket(Status.NEW, owner_id=None)

    after = run(state, Acknowledge, TEAMMATE)

    assert after == TicketState(status=Status.ACKNOWLEDGED, owner_id=TEAMMATE.id)


def test_resolve_records_the_time_and_keeps_the_owner():
    state = ticket(Status.IN_PROGRESS)

    after = run(state, Resolve, TEAMMATE)

    assert after.status is Status.RESOLVED
    assert after.resolved_at == NOW
    assert after.owner_id == OWNER.id


def test_close_keeps_the_owner_and_resolution_time():
    state = ticket(Status.RESOLVED)

    after = run(state, Close)

    assert after == ticket(Status.CLOSED, resolved_at=state.resolved_at)


@pytest.mark.parametrize("actor", [OWNER, REQUESTER])
def test_reopen_within_the_window_returns_to_in_progress(actor: Actor):
    state = ticket(Status.RESOLVED, resolved_at=NOW - WINDOW)

    after = run(state, Reopen, actor)

    assert after == ticket(Status.IN_PROGRESS, resolved_at=None)


@pytest.mark.parametrize(
    ("command_class", "source", "target"),
    [
        (Start, Status.ACKNOWLEDGED, Status.IN_PROGRESS),
        (WaitOnRequester, Status.IN_PROGRESS, Status.WAITING_ON_REQUESTER),
        (WaitOnThirdParty, Status.WAITING_ON_REQUESTER, Status.WAITING_ON_THIRD_PARTY),
        (Resume, Status.WAITING_ON_THIRD_PARTY, Status.IN_PROGRESS),
        (Resume, Status.WAITING_ON_REQUESTER, Status.IN_PROGRESS),
    ],
)
def test_working_commands_move_between_statuses(command_class, source, target):
    state = ticket(source)

    after = run(state, command_class)

    assert after == ticket(target)


def test_decline_with_reason_and_alternative():
    state = ticket(Status.NEW, owner_id=None)

    after = run(state, Decline, reason="Out of scope", alternative="Ask facilities")

    assert after == ticket(Status.DECLINED, owner_id=None)


def test_requester_can_cancel_an_open_ticket():
    state = ticket(Status.WAITING_ON_THIRD_PARTY)

    after = run(state, Cancel, REQUESTER)

    assert after.status is Status.CANCELLED


def test_requester_reply_ends_the_wait_on_them():
    state = ticket(Status.WAITING_ON_REQUESTER)

    after = run(state, RequesterReplied, REQUESTER)

    assert after == ticket(Status.IN_PROGRESS)


@pytest.mark.parametrize("status", sorted(set(Status) - {Status.WAITING_ON_REQUESTER}))
def test_requester_reply_elsewhere_changes_nothing(status: Status):
    state = ticket(status)

    after = run(state, RequesterReplied, REQUESTER)

    assert after is state


def test_propose_handoff_keeps_the_owner_until_accepted():
    state = ticket(Status.IN_PROGRESS)

    after = run(state, ProposeHandoff, to_team_id=10, reason="night shift")

    assert after == ticket(Status.IN_PROGRESS, pending_handoff=HANDOFF_TO_TEAM)


def test_a_team_member_accepting_becomes_the_owner():
    state = ticket(Status.IN_PROGRESS, pending_handoff=HANDOFF_TO_TEAM)

    after = run(state, AcceptHandoff, TEAMMATE)

    assert after == ticket(Status.IN_PROGRESS, owner_id=TEAMMATE.id)


def test_the_target_person_accepting_becomes_the_owner():
    state = ticket(Status.WAITING_ON_REQUESTER, pending_handoff=HANDOFF_TO_PERSON)

    after = run(state, AcceptHandoff, OTHER_TEAM_AGENT)

    assert after == ticket(Status.WAITING_ON_REQUESTER, owner_id=OTHER_TEAM_AGENT.id)


def test_declining_a_handoff_keeps_the_owner():
    state = ticket(Status.IN_PROGRESS, pending_handoff=HANDOFF_TO_PERSON)

    after = run(state, DeclineHandoff, OTHER_TEAM_AGENT, reason="not my field")

    assert after == ticket(Status.IN_PROGRESS)


def test_the_proposer_can_withdraw_a_handoff():
    state = ticket(Status.ACKNOWLEDGED, pending_handoff=HANDOFF_TO_TEAM)

    after = run(state, WithdrawHandoff)

    assert after == ticket(Status.ACKNOWLEDGED)


@pytest.mark.parametrize(
    ("command_class", "actor", "fields"),
    [
        (Resolve, OWNER, {}),
        (Cancel, REQUESTER, {}),
        (Decline, OWNER, {"reason": "Out of scope", "alternative": "Ask facilities"}),
    ],
)
def test_stopping_a_ticket_withdraws_its_pending_handoff(command_class, actor, fields):
    state = ticket(Status.ACKNOWLEDGED, pending_handoff=HANDOFF_TO_TEAM)

    after = run(state, command_class, actor, **fields)

    assert after.status in STOPPED
    assert after.pending_handoff is None


# --- Guards and their error codes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "command_class", "actor", "code"),
    [
        (ticket(Status.NEW, None), Acknowledge, REQUESTER, "agent_required"),
        (ticket(Status.IN_PROGRESS), Resolve, STRANGER, "agent_required"),
        (ticket(Status.IN_PROGRESS), Cancel, OWNER, "requester_required"),
        (ticket(Status.WAITING_ON_REQUESTER), RequesterReplied, OWNER, "requester_required"),
        (ticket(Status.RESOLVED), Reopen, STRANGER, "agent_or_requester_required"),
        (ticket(Status.IN_PROGRESS), ProposeHandoff, REQUESTER, "agent_required"),
    ],
)
def test_role_guards(state, command_class, actor, code):
    fields = {"to_team_id": 11, "reason": "x"} if command_class is ProposeHandoff else {}

    error = refusal(state, command_class, actor, **fields)

    assert isinstance(error, NotPermittedError)
    assert error.code == code


def test_illegal_transition_names_both_statuses():
    state = ticket(Status.CLOSED)

    error = refusal(state, Reopen, REQUESTER)

    assert isinstance(error, IllegalStateError)
    assert error.code == "illegal_transition"
    assert error.params == {"from": "closed", "to": "in_progress"}
    assert error.message == "A request that is Closed cannot become In progress."


@pytest.mark.parametrize(
    ("status", "command_class", "actor"),
    [
        (Status.IN_PROGRESS, Decline, OWNER),
        (Status.RESOLVED, Cancel, REQUESTER),
        (Status.NEW, Start, OWNER),
        (Status.NEW, Resolve, OWNER),
        (Status.ACKNOWLEDGED, Acknowledge, OWNER),
        (Status.ACKNOWLEDGED, Close, OWNER),
        (Status.DECLINED, Acknowledge, OWNER),
    ],
)
def test_moves_missing_from_the_table_are_illegal(status, command_class, actor):
    fields = {"reason": "r", "alternative": "a"} if command_class is Decline else {}

    error = refusal(ticket(status), command_class, actor, **fields)

    assert error.code == "illegal_transition"


@pytest.mark.parametrize(
    ("status", "command_class"),
    [
        (Status.WAITING_ON_REQUESTER, Start),
        (Status.RESOLVED, Start),
        (Status.RESOLVED, Resume),
        (Status.ACKNOWLEDGED, Resume),
    ],
)
def test_a_legal_move_through_the_wrong_command_is_not_applicable(status, command_class):
    state = ticket(status)

    error = refusal(state, command_class)

    assert isinstance(error, IllegalStateError)
    assert error.code == "command_not_applicable"
    assert error.params == {"status": status.value}


def test_reopen_after_the_window_is_refused():
    resolved_at = NOW - WINDOW - timedelta(seconds=1)
    state = ticket(Status.RESOLVED, resolved_at=resolved_at)

    error = refusal(state, Reopen, REQUESTER)

    assert isinstance(error, IllegalStateError)
    assert error.code == "reopen_window_passed"
    assert error.params == {"resolved_at": resolved_at, "reopen_window": WINDOW}


@pytest.mark.parametrize(
    ("reason", "alternative", "code"),
    [
        ("", "Ask facilities", "decline_reason_required"),
        ("  \n", "Ask facilities", "decline_reason_required"),
        ("Out of scope", "", "decline_alternative_required"),
        ("Out of scope", "\t", "decline_alternative_required"),
    ],
)
def test_decline_needs_a_reason_and_an_alternative(reason, alternative, code):
    state = ticket(Status.ACKNOWLEDGED)

    error = refusal(state, Decline, reason=reason, alternative=alternative)

    assert isinstance(error, InvalidInputError)
    assert error.code == code


@pytest.mark.parametrize(
    ("state", "actor", "fields", "code"),
    [
        (ticket(Status.NEW, None), OWNER, {"to_team_id": 11}, "handoff_unavailable"),
        (ticket(Status.RESOLVED), OWNER, {"to_team_id": 11}, "handoff_unavailable"),
        (ticket(Status.CLOSED), OWNER, {"to_team_id": 11}, "handoff_unavailable"),
        (ticket(Status.IN_PROGRESS), TEAMMATE, {"to_team_id": 11}, "not_owner"),
        (
            ticket(Status.IN_PROGRESS, pending_handoff=HANDOFF_TO_TEAM),
            OWNER,
            {"to_team_id": 11},
            "handoff_pending",
        ),
        (ticket(Status.IN_PROGRESS), OWNER, {}, "handoff_target_required"),
        (
            ticket(Status.IN_PROGRESS),
            OWNER,
            {"to_team_id": 11, "to_person_id": 2},
            "handoff_target_required",
        ),
        (ticket(Status.IN_PROGRESS), OWNER, {"to_person_id": OWNER.id}, "handoff_to_self"),
        (
            ticket(Status.IN_PROGRESS),
            OWNER,
            {"to_person_id": 2, "reason": " "},
            "handoff_reason_required",
        ),
    ],
)
def test_propose_handoff_guards(state, actor, fields, code):
    fields = {"reason": "busy", **fields}

    error = refusal(state, ProposeHandoff, actor, **fields)

    assert error.code == code


@pytest.mark.parametrize(
    ("command_class", "fields"),
    [(AcceptHandoff, {}), (DeclineHandoff, {"reason": "no"}), (WithdrawHandoff, {})],
)
def test_answering_without_a_pending_handoff_is_refused(command_class, fields):
    state = ticket(Status.IN_PROGRESS)

    error = refusal(state, command_class, OWNER, **fields)

    assert isinstance(error, IllegalStateError)
    assert error.code == "no_pending_handoff"


@pytest.mark.parametrize(
    ("pending", "actor"),
    [
        (HANDOFF_TO_TEAM, OTHER_TEAM_AGENT),  # not in the team
        (HANDOFF_TO_TEAM, OWNER),  # the proposer, although in the team
        (HANDOFF_TO_PERSON, TEAMMATE),  # not the person
        (HANDOFF_TO_TEAM, Actor(id=7, team_ids=frozenset({10}))),  # in the team, not an agent
    ],
)
@pytest.mark.parametrize(
    ("command_class", "fields"), [(AcceptHandoff, {}), (DeclineHandoff, {"reason": "no"})]
)
def test_only_the_target_may_answer_a_handoff(pending, actor, command_class, fields):
    state = ticket(Status.IN_PROGRESS, pending_handoff=pending)

    error = refusal(state, command_class, actor, **fields)

    assert error.code in {"not_handoff_target", "agent_required"}
    assert error.code == ("not_handoff_target" if actor.is_agent else "agent_required")


def test_declining_a_handoff_needs_a_reason():
    state = ticket(Status.IN_PROGRESS, pending_handoff=HANDOFF_TO_TEAM)

    error = refusal(state, DeclineHandoff, TEAMMATE, reason="")

    assert isinstance(error, InvalidInputError)
    assert error.code == "handoff_decline_reason_required"


def test_only_the_proposer_may_withdraw_a_handoff():
    state = ticket(Status.IN_PROGRESS, pending_handoff=HANDOFF_TO_TEAM)

    error = refusal(state, WithdrawHandoff, TEAMMATE)

    assert isinstance(error, NotPermittedError)
    assert error.code == "not_handoff_proposer"


def test_every_error_carries_an_english_message():
    state = ticket(Status.IN_PROGRESS)

    error = refusal(state, ProposeHandoff, OWNER, to_person_id=OWNER.id, reason="x")

    assert error.message == "You cannot hand a request off to yourself."
    assert str(error) == error.message
    assert error.params == {}


# --- Invariants and programming errors -----------------------------------------------------------


@pytest.mark.parametrize("status", sorted(OWNED_STATUSES))
def test_an_owned_status_without_owner_is_a_bug(status: Status):
    with pytest.raises(ValueError, match="owner"):
        TicketState(status=status, owner_id=None, resolved_at=NOW)


def test_a_pending_handoff_outside_live_work_is_a_bug():
    with pytest.raises(ValueError, match="handoff"):
        TicketState(
            status=Status.RESOLVED, owner_id=1, resolved_at=NOW, pending_handoff=HANDOFF_TO_TEAM
        )


def test_a_naive_now_is_a_bug():
    state = ticket(Status.NEW, owner_id=None)

    with pytest.raises(ValueError, match="aware"):
        run(state, Acknowledge, now=NOW.replace(tzinfo=None))


def test_the_command_actor_must_be_the_actor():
    state = ticket(Status.NEW, owner_id=None)

    with pytest.raises(ValueError, match="actor"):
        apply(state, Acknowledge(actor_id=2), actor=OWNER, now=NOW, reopen_window=WINDOW)


# --- allowed_commands ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "actor", "expected"),
    [
        (ticket(Status.NEW, None), OWNER, [Acknowledge, Decline]),
        (ticket(Status.NEW, None), REQUESTER, [Cancel]),
        (ticket(Status.NEW, None), STRANGER, []),
        (
            ticket(Status.IN_PROGRESS),
            OWNER,
            [WaitOnRequester, WaitOnThirdParty, Resolve, ProposeHandoff],
        ),
        (ticket(Status.IN_PROGRESS), TEAMMATE, [WaitOnRequester, WaitOnThirdParty, Resolve]),
        (
            ticket(Status.IN_PROGRESS, pending_handoff=HANDOFF_TO_TEAM),
            TEAMMATE,
            [WaitOnRequester, WaitOnThirdParty, Resolve, AcceptHandoff, DeclineHandoff],
        ),
        (
            ticket(Status.IN_PROGRESS, pending_handoff=HANDOFF_TO_TEAM),
            OWNER,
            [WaitOnRequester, WaitOnThirdParty, Resolve, WithdrawHandoff],
        ),
        (ticket(Status.RESOLVED), OWNER, [Close, Reopen]),
        (ticket(Status.RESOLVED), REQUESTER, [Reopen]),
        (ticket(Status.RESOLVED, resolved_at=NOW - 2 * WINDOW), OWNER, [Close]),
        (ticket(Status.CLOSED), OWNER, []),
    ],
)
def test_allowed_commands_lists_what_would_succeed(state, actor, expected):
    allowed = allowed_commands(state, actor=actor, now=NOW, reopen_window=WINDOW)

    assert allowed == expected


# --- Properties -------------------------------------------------------------------------------

TEXTS = st.sampled_from(["", "  ", "Out of scope", "busy", "night shift"])
PERSON_IDS = st.sampled_from([None, *(actor.id for actor in ACTORS)])
TEAM_IDS = st.sampled_from([None, 10, 11])
COMMAND_CLASSES = [
    Acknowledge,
    Start,
    WaitOnRequester,
    WaitOnThirdParty,
    Resume,
    Resolve,
    Close,
    Reopen,
    Decline,
    Cancel,
    RequesterReplied,
    ProposeHandoff,
    AcceptHandoff,
    DeclineHandoff,
    WithdrawHandoff,
]


@st.composite
def commands(draw: st.DrawFn, actor: Actor) -> Command:
    command_class = draw(st.sampled_from(COMMAND_CLASSES))
    fields: dict[str, Any] = {}
    if command_class is Decline:
        fields = {"reason": draw(TEXTS), "alternative": draw(TEXTS)}
    if command_class is ProposeHandoff:
        target = draw(st.sampled_from(["person", "team", "person", "team", "both", "neither"]))
        fields = {"reason": draw(TEXTS)}
        if target in {"person", "both"}:
            fields["to_person_id"] = draw(PERSON_IDS.filter(lambda person: person is not None))
        if target in {"team", "both"}:
            fields["to_team_id"] = draw(TEAM_IDS.filter(lambda team: team is not None))
    if command_class is DeclineHandoff:
        fields = {"reason": draw(TEXTS)}
    return command_class(actor_id=actor.id, **fields)


def actors_for(state: TicketState) -> st.SearchStrategy[Actor]:
    """Anyone, but often the people the ticket is waiting on, so sequences go somewhere."""
    likely = [actor for actor in ACTORS if actor.id == state.owner_id]
    if state.pending_handoff is not None:
        likely += [actor for actor in ACTORS if is_handoff_target(state.pending_handoff, actor)]
    return st.sampled_from(ACTORS) | st.sampled_from(likely or ACTORS)


@st.composite
def steps(draw: st.DrawFn, state: TicketState | None = None) -> tuple[Actor, Command, timedelta]:
    actor = draw(st.sampled_from(ACTORS) if state is None else actors_for(state))
    command = draw(commands(actor))
    if state is not None and draw(st.booleans()):
        # Guided half: a command allowed_commands offers, with valid data, so sequences get
        # deep (handoffs accepted, tickets reopened) instead of dying on random refusals.
        # Ending moves are left to the random half so sequences live long.
        offered = [
            command_class
            for command_class in allowed_commands(state, actor=actor, now=NOW, reopen_window=WINDOW)
            if command_class not in {Cancel, Decline, Close}
        ]
        if offered:
            command = draw(st.sampled_from(offered).map(lambda cls: valid_command(cls, actor)))
    elapsed = draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)))
    return actor, command, elapsed


def valid_command(command_class: type[Command], actor: Actor) -> Command:
    fields: dict[str, Any] = {}
    if command_class is Decline:
        fields = {"reason": "Out of scope", "alternative": "Ask facilities"}
    if command_class is ProposeHandoff:
        # A person other than the proposer, or a team: both branches of acceptance get exercised.
        other = next(a.id for a in ACTORS if a.is_agent and a.id != actor.id)
        fields = {
            "reason": "busy",
            **({"to_person_id": other} if actor.id % 2 else {"to_team_id": 10}),
        }
    if command_class is DeclineHandoff:
        fields = {"reason": "not my field"}
    return command_class(actor_id=actor.id, **fields)


@st.composite
def states(draw: st.DrawFn, statuses: st.SearchStrategy[Status] | None = None) -> TicketState:
    """Any state the invariants allow, reachable or not."""
    status = draw(st.sampled_from(list(Status)) if statuses is None else statuses)
    agent_ids = [actor.id for actor in ACTORS if actor.is_agent]
    if status in OWNED_STATUSES:
        owner_id = draw(st.sampled_from(agent_ids))
    else:
        owner_id = draw(st.sampled_from([None, *agent_ids]))
    resolved_at = None
    if status in STOPPED - {Status.RESOLVED}:
        resolved_at = draw(st.none() | st.just(NOW - timedelta(days=1)))
    if status is Status.RESOLVED:
        resolved_at = NOW - draw(st.timedeltas(timedelta(0), 2 * WINDOW))
    pending = None
    if status in HANDOFF_STATUSES and draw(st.booleans()):
        to_person_id = draw(st.sampled_from([a for a in agent_ids if a != owner_id]))
        to_team_id = draw(st.sampled_from([10, 11]))
        use_team = draw(st.booleans())
        pending = PendingHandoff(
            proposer_id=owner_id,
            to_person_id=None if use_team else to_person_id,
            to_team_id=to_team_id if use_team else None,
            reason="busy",
        )
    return TicketState(
        status=status, owner_id=owner_id, pending_handoff=pending, resolved_at=resolved_at
    )


def attempt(state: TicketState, actor: Actor, command: Command) -> TicketState | DomainError:
    try:
        return apply(state, command, actor=actor, now=NOW, reopen_window=WINDOW)
    except DomainError as error:
        return error


@settings(max_examples=250)
@given(data=st.data(), length=st.integers(min_value=1, max_value=40))
def test_random_sequences_keep_owner_and_transition_rules(data, length):
    state = TicketState(status=Status.NEW, owner_id=None)
    now = NOW
    acknowledged = False

    for _ in range(length):
        actor, command, elapsed = data.draw(steps(state))
        now += elapsed
        try:
            after = apply(state, command, actor=actor, now=now, reopen_window=WINDOW)
        except DomainError:
            continue
        # (1) once acknowledged, a ticket always has an owner.
        if acknowledged:
            assert after.owner_id is not None
        # (4) ownership moves only by acknowledging or accepting a handoff.
        if after.owner_id != state.owner_id:
            assert isinstance(command, Acknowledge | AcceptHandoff)
        if after.status != state.status:
            assert after.status in TRANSITIONS[state.status]
        event(f"succeeded: {command.name}")
        acknowledged = acknowledged or isinstance(command, Acknowledge)
        state = after


@settings(max_examples=300)
@given(state=states(st.sampled_from(sorted(FINAL_STATUSES))), step=steps())
def test_nothing_changes_a_final_ticket(state, step):
    actor, command, _ = step

    outcome = attempt(state, actor, command)

    # A requester's reply is a no-op there; everything else is refused.
    refused = isinstance(outcome, DomainError)
    assert refused or (isinstance(command, RequesterReplied) and outcome is state)


@settings(max_examples=300)
@given(state=states(st.just(Status.RESOLVED)), step=steps())
def test_a_resolved_ticket_only_closes_or_reopens_within_the_window(state, step):
    actor, command, _ = step

    outcome = attempt(state, actor, command)

    if isinstance(outcome, TicketState) and outcome != state:
        assert isinstance(command, Close | Reopen)
    if isinstance(command, Close) and actor.is_agent:
        assert isinstance(outcome, TicketState)
    within_window = NOW - state.resolved_at <= WINDOW
    if isinstance(command, Reopen) and (actor.is_agent or actor.is_requester):
        assert isinstance(outcome, TicketState) == within_window


@settings(max_examples=500)
@given(state=states(), step=steps())
def test_a_command_either_returns_a_valid_state_or_raises_a_domain_error(state, step):
    actor, command, _ = step
    snapshot = copy.deepcopy(state)

    outcome = attempt(state, actor, command)

    assert state == snapshot
    assert outcome == attempt(state, actor, command) or isinstance(outcome, DomainError)
    if isinstance(outcome, DomainError):
        assert outcome.code
        assert outcome.message
        assert isinstance(outcome.params, dict)
        assert attempt(state, actor, command).code == outcome.code
    else:
        assert isinstance(outcome, TicketState)
        if outcome.owner_id != state.owner_id:
            assert isinstance(command, Acknowledge | AcceptHandoff)
        if state.status in OWNED_STATUSES:
            assert outcome.owner_id is not None


@settings(max_examples=300)
@given(state=states(), actor=st.sampled_from(ACTORS))
def test_allowed_commands_agree_with_apply(state, actor):
    allowed = allowed_commands(state, actor=actor, now=NOW, reopen_window=WINDOW)

    for command_class in allowed:
        fields: dict[str, Any] = {}
        if command_class is Decline:
            fields = {"reason": "r", "alternative": "a"}
        if command_class is ProposeHandoff:
            fields = {"to_team_id": 10, "reason": "r"}
        if command_class is DeclineHandoff:
            fields = {"reason": "r"}
        assert isinstance(run(state, command_class, actor, **fields), TicketState)
    if state.status in FINAL_STATUSES:
        assert allowed == []


@given(
    age=st.timedeltas(min_value=timedelta(0), max_value=2 * WINDOW),
    actor=st.sampled_from([OWNER, REQUESTER, AGENT_REQUESTER]),
)
def test_reopen_succeeds_exactly_within_the_window(age, actor):
    state = ticket(Status.RESOLVED, resolved_at=NOW - age)

    outcome = attempt(state, actor, Reopen(actor_id=actor.id))

    assert isinstance(outcome, TicketState) == (age <= WINDOW)


def test_every_transition_in_the_table_is_reachable_by_some_command():
    reached: set[tuple[Status, Status]] = set()
    candidates = [
        (Acknowledge, OWNER, {}),
        (Start, OWNER, {}),
        (WaitOnRequester, OWNER, {}),
        (WaitOnThirdParty, OWNER, {}),
        (Resume, OWNER, {}),
        (Resolve, OWNER, {}),
        (Close, OWNER, {}),
        (Reopen, OWNER, {}),
        (Decline, OWNER, {"reason": "r", "alternative": "a"}),
        (Cancel, REQUESTER, {}),
    ]

    for status in Status:
        for command_class, actor, fields in candidates:
            with_owner = ticket(status, None if status is Status.NEW else OWNER.id)
            outcome = attempt(with_owner, actor, command_class(actor_id=actor.id, **fields))
            if isinstance(outcome, TicketState):
                reached.add((status, outcome.status))

    table = {(source, target) for source, targets in TRANSITIONS.items() for target in targets}
    assert reached == table


def test_status_sets_partition_the_lifecycle():
    assert set(Status) == OPEN_STATUSES | STOPPED
    assert not OPEN_STATUSES & STOPPED
    assert all(not TRANSITIONS[status] for status in FINAL_STATUSES)
