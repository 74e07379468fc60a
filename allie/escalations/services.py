"""Escalation use cases: raise (by a rule, an agent or the requester), acknowledge, close.

The owner never changes through an escalation: a functional escalation by the owner proposes a
handoff, which takes effect only when accepted. Each use case runs in one transaction and
appends an internal timeline event (kind SYSTEM, data {"escalation": ...}) to the ticket.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy

from allie.accounts.models import Role, Team, User
from allie.escalations.domain import ladder as domain
from allie.escalations.models import Escalation, EscalationAlert, Level, Trigger
from allie.escalations.selectors import ladder_for, raised_levels
from allie.tickets.models import Ticket, TimelineEvent
from allie.tickets.selectors import may_act_for_requester, may_work_on
from allie.tickets.services.errors import CONFLICT, FORBIDDEN, ServiceError


def is_vip(ticket: Ticket) -> bool:
    """A ticket is VIP when its requester or their organisation is."""
    return bool(ticket.requester.is_vip or ticket.organisation.is_vip)


def recipients(
    ticket: Ticket,
    level: str,
    *,
    target_team: Team | None = None,
    memo: dict[Any, Any] | None = None,
) -> list[User]:
    """Return who an escalation to `level` alerts (read once per batch when `memo` is given)."""
    if memo is None:
        return _recipients(ticket, level, target_team=target_team)
    key = (
        "escalation_recipients",
        level,
        ticket.team_id,
        ticket.organisation_id,
        target_team.pk if target_team is not None else None,
    )
    if key not in memo:
        memo[key] = _recipients(ticket, level, target_team=target_team)
    return list(memo[key])


def _recipients(ticket: Ticket, level: str, *, target_team: Team | None = None) -> list[User]:
    """Return who an escalation to `level` alerts.

    Team lead: the ticket team's lead (else the leads of the teams serving its organisation);
    manager: active managers who are members of the ticket's team, else every active manager;
    executive sponsor: the organisation's; another team: its lead, else its members.
    """
    people: list[User] = []
    if level == Level.TEAM_LEAD:
        if ticket.team_id is not None and ticket.team.lead_id is not None:
            people = [ticket.team.lead]
        else:
            people = list(
                User.objects.filter(
                    led_teams__serves=ticket.organisation_id, is_active=True
                ).distinct()
            )
    elif level == Level.MANAGER:
        managers = User.objects.filter(role_grants__role=Role.MANAGER, is_active=True)
        people = []
        if ticket.team_id is not None:
            people = list(managers.filter(teams=ticket.team_id).distinct())
        if not people:
            people = list(managers.distinct())
    elif level == Level.EXECUTIVE_SPONSOR:
        sponsor = ticket.organisation.executive_sponsor
        people = [sponsor] if sponsor is not None and sponsor.is_active else []
    elif level == Level.TEAM and target_team is not None:
        if target_team.lead_id is not None:
            people = [target_team.lead]  # type: ignore[list-item]
        else:
            people = list(target_team.members.filter(is_active=True))
    return [person for person in people if person is not None]


def _event(
    escalation: Escalation, action: str, *, by: Any, now: datetime, body: str = "", **data: Any
) -> TimelineEvent:
    """Return (unsaved) the timeline entry of what happened to `escalation`."""
    return TimelineEvent(
        ticket=escalation.ticket,  # loaded: the notices it causes read it
        kind=TimelineEvent.Kind.SYSTEM,
        actor=by,
        is_public=False,
        body=body,
        data={
            "escalation": action,
            "id": escalation.pk,
            "level": escalation.level,
            "trigger": escalation.trigger,
            **data,
        },
        created_at=now,
    )


def _record(
    escalation: Escalation, action: str, *, by: Any, now: datetime, body: str = "", **data: Any
) -> TimelineEvent:
    event = _event(escalation, action, by=by, now=now, body=body, **data)
    event.save()
    return event


def _raised_data(
    people: list[User], *, clock: str, threshold: int | None, target_team: Team | None
) -> dict[str, Any]:
    data: dict[str, Any] = {"alerted": [person.pk for person in people]}
    if clock:
        data.update(clock=clock, threshold=threshold)
    if target_team is not None:
        data["team"] = target_team.pk
    return data


def _raise(
    ticket: Ticket,
    *,
    level: str,
    trigger: str,
    now: datetime,
    by: Any = None,
    reason: str = "",
    target_team: Team | None = None,
    clock: str = "",
    threshold: int | None = None,
    memo: dict[Any, Any] | None = None,
) -> Escalation:
    """Create the escalation, alert its people and write it in the timeline."""
    escalation = Escalation.objects.create(
        ticket=ticket,
        level=level,
        target_team=target_team,
        trigger=trigger,
        clock=clock,
        threshold=threshold,
        reason=reason,
        raised_by=by,
        raised_at=now,
    )
    people = recipients(ticket, level, target_team=target_team, memo=memo)
    EscalationAlert.objects.bulk_create(
        [EscalationAlert(escalation=escalation, person=person, alerted_at=now) for person in people]
    )
    data = _raised_data(people, clock=clock, threshold=threshold, target_team=target_team)
    _record(escalation, "raised", by=by, now=now, body=reason, **data)
    return escalation


def _raise_steps(
    ticket: Ticket,
    steps: Iterable[domain.Step],
    *,
    trigger: str,
    now: datetime,
    clock: str = "",
    threshold: int | None = None,
    memo: dict[Any, Any] | None = None,
) -> list[Escalation]:
    raised = []
    for step in steps:
        team = None
        if step.target_team_id is not None:
            team = Team.objects.filter(pk=step.target_team_id).first()
            if team is None:
                continue
        raised.append(
            _raise(
                ticket,
                level=step.level.value,
                trigger=trigger,
                now=now,
                target_team=team,
                clock=clock,
                threshold=threshold,
                memo=memo,
            )
        )
    return raised


# --- Manual escalations ----------------------------------------------------------------------


def raise_escalation(
    ticket: Ticket,
    *,
    by: Any,
    level: str,
    reason: str,
    trigger: str = Trigger.MANUAL_AGENT,
    target_team: Team | None = None,
    now: datetime | None = None,
) -> Escalation:
    """Escalate by hand, with a reason. An agent who works on the ticket may do it.

    To another team: when the owner escalates, a handoff to that team is proposed (the owner
    stays the owner until it is accepted); anyone else only alerts that team's lead.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not may_work_on(by, ticket):
        raise ServiceError("agent_required", kind=FORBIDDEN)
    if not ticket.is_open:
        raise ServiceError("escalation_not_open", kind=CONFLICT, params={"status": ticket.status})
    if level not in Level.values:
        raise ServiceError("escalation_level_unknown", field="level")
    if not reason:
        raise ServiceError("escalation_reason_required", field="reason")
    if level == Level.TEAM:
        if target_team is None:
            raise ServiceError("escalation_team_required", field="team")
        if not target_team.serves.filter(pk=ticket.organisation_id).exists():
            raise ServiceError("handoff_target_unknown", field="team")
    else:
        target_team = None
    with transaction.atomic():
        active = ticket.escalations.active().filter(level=level, target_team=target_team)
        if active.exists():
            raise ServiceError("already_escalated", kind=CONFLICT, field="level")
        escalation = _raise(
            ticket, level=level, trigger=trigger, now=now, by=by, reason=reason,
            target_team=target_team,
        )  # fmt: skip
        if level == Level.TEAM and ticket.owner_id == by.pk:
            from allie.tickets.services.handoffs import propose_handoff

            handoff = propose_handoff(ticket, by=by, reason=reason, to_team=target_team, now=now)
            Escalation.objects.filter(pk=escalation.pk).update(handoff=handoff)
            escalation.handoff = handoff
    return escalation


def requester_escalation(
    ticket: Ticket, *, by: Any, reason: str, now: datetime | None = None
) -> Escalation:
    """The requester asks for an escalation ("I need this escalated"), with a reason.

    It goes one level above the highest level still active (the team lead first), at most
    once per ticket every `requester_cooldown_hours` of the organisation's ladder.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not may_act_for_requester(by, ticket):
        raise ServiceError("requester_required", kind=FORBIDDEN)
    if not ticket.is_open:
        raise ServiceError("escalation_not_open", kind=CONFLICT, params={"status": ticket.status})
    if not reason:
        raise ServiceError("escalation_reason_required", field="reason")
    with transaction.atomic():
        ladder = ladder_for(ticket.organisation_id)
        allowed_from = requester_allowed_from(ticket, ladder=ladder)
        if allowed_from is not None and now < allowed_from:
            local = timezone.localtime(allowed_from)
            raise ServiceError(
                "escalation_too_soon",
                kind=CONFLICT,
                params={
                    "hours": ladder.requester_cooldown_hours,
                    "when": date_format(local, "DATETIME_FORMAT"),
                },
            )
        active = ticket.escalations.active().values_list("level", flat=True)
        level = domain.next_level(active)
        if level is None:
            raise ServiceError("escalation_at_top", kind=CONFLICT)
        return _raise(
            ticket, level=level.value, trigger=Trigger.REQUESTER, now=now, by=by, reason=reason
        )


def requester_allowed_from(ticket: Ticket, *, ladder: domain.Ladder) -> datetime | None:
    """Return when the requester may next ask for an escalation (None: now)."""
    last = (
        ticket.escalations.filter(trigger=Trigger.REQUESTER)
        .order_by("-raised_at")
        .values_list("raised_at", flat=True)
        .first()
    )
    return domain.requester_may_escalate_at(last, cooldown_hours=ladder.requester_cooldown_hours)


# --- Acknowledging and closing ----------------------------------------------------------------


def acknowledge_escalation(
    escalation: Escalation, *, by: Any, now: datetime | None = None
) -> Escalation:
    """An alerted person acknowledges the escalation: they have seen it and take it up."""
    now = now or timezone.now()
    with transaction.atomic():
        if escalation.state == Escalation.State.CLOSED:
            raise ServiceError("escalation_closed", kind=CONFLICT)
        alert = EscalationAlert.objects.filter(escalation=escalation, person=by).first()
        if alert is None:
            raise ServiceError("not_alerted", kind=FORBIDDEN)
        claimed = EscalationAlert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now
        )
        if claimed != 1:
            raise ServiceError("escalation_already_acknowledged", kind=CONFLICT)
        first = Escalation.objects.filter(pk=escalation.pk, state=Escalation.State.OPEN).update(
            state=Escalation.State.ACKNOWLEDGED, acknowledged_by=by, acknowledged_at=now
        )
        escalation.refresh_from_db()
        _record(escalation, "acknowledged", by=by, now=now, first=bool(first))
    return escalation


def close_escalation(
    escalation: Escalation, *, by: Any, outcome: str, now: datetime | None = None
) -> Escalation:
    """Close the escalation saying how it ended; an alerted person or an administrator may."""
    now = now or timezone.now()
    outcome = (outcome or "").strip()
    alerted = EscalationAlert.objects.filter(escalation=escalation, person=by).exists()
    if not (alerted or by.is_administrator):
        raise ServiceError("not_alerted", kind=FORBIDDEN)
    if not outcome:
        raise ServiceError("escalation_outcome_required", field="outcome")
    with transaction.atomic():
        closed = (
            Escalation.objects.filter(pk=escalation.pk)
            .exclude(state=Escalation.State.CLOSED)
            .update(state=Escalation.State.CLOSED, outcome=outcome, closed_by=by, closed_at=now)
        )
        if closed != 1:
            raise ServiceError("escalation_closed", kind=CONFLICT)
        escalation.refresh_from_db()
        _record(escalation, "closed", by=by, now=now, body=outcome)
    return escalation


# --- Automatic triggers ------------------------------------------------------------------------


def on_deadlines(items: Sequence[tuple[Any, Any]], batch: Any) -> list[Escalation]:
    """Raise the ladder's steps that a batch of handled deadlines reaches (a sweep handler).

    Runs inside the batch's transaction, so the escalations commit with the handled marks.
    Reads each organisation's ladder once per batch and the raised levels of all the batch's
    tickets in one query; writes the escalations and their alerts with one insert each, and
    hands their timeline entries to the batch (written with the deadlines' in one insert).
    """
    memo, now = batch.memo, batch.now
    reached = []
    for deadline, _summary in items:
        ticket: Ticket = deadline.ticket
        if not ticket.is_open:
            continue
        ladder_key = ("escalation_ladder", ticket.organisation_id)
        if ladder_key not in memo:
            memo[ladder_key] = ladder_for(ticket.organisation_id)
        ladder = memo[ladder_key]
        if domain.may_fire(ladder, clock=deadline.clock, threshold=deadline.threshold):
            reached.append((deadline, ladder))
    if not reached:
        return []
    _remember_raised({deadline.ticket_id for deadline, _ladder in reached}, memo)
    planned: list[tuple[Any, domain.Step]] = []
    for deadline, ladder in reached:
        raised = memo[("escalation_raised", deadline.ticket_id)]
        steps = domain.steps_for_deadline(
            ladder,
            clock=deadline.clock,
            threshold=deadline.threshold,
            raised=raised,
            vip=is_vip(deadline.ticket),
        )
        planned.extend((deadline, step) for step in steps)
        raised.update(domain.raised_key(step) for step in steps)
    escalations: list[Escalation] = []
    targets: list[Team | None] = []
    for deadline, step in planned:
        team = _team(step.target_team_id, memo) if step.target_team_id is not None else None
        if step.target_team_id is not None and team is None:
            continue  # the team is gone: nobody to alert there
        escalations.append(
            Escalation(
                ticket=deadline.ticket,
                level=step.level.value,
                target_team=team,
                trigger=domain.trigger_for(deadline.threshold).value,
                clock=deadline.clock,
                threshold=deadline.threshold,
                raised_at=now,
            )
        )
        targets.append(team)
    Escalation.objects.bulk_create(escalations)
    alerts = []
    for escalation, team in zip(escalations, targets, strict=True):
        people = recipients(escalation.ticket, escalation.level, target_team=team, memo=memo)
        alerts.extend(
            EscalationAlert(escalation=escalation, person=person, alerted_at=now)
            for person in people
        )
        data = _raised_data(
            people, clock=escalation.clock, threshold=escalation.threshold, target_team=team
        )
        batch.events.append(_event(escalation, "raised", by=None, now=now, **data))
    EscalationAlert.objects.bulk_create(alerts)
    return escalations


def _remember_raised(ticket_ids: set[int], memo: dict[Any, Any]) -> None:
    """Read, in one query, what the tickets not yet in `memo` ever raised."""
    missing = {pk for pk in ticket_ids if ("escalation_raised", pk) not in memo}
    if not missing:
        return
    for pk in missing:
        memo[("escalation_raised", pk)] = set()
    rows = Escalation.objects.filter(ticket_id__in=missing).values_list(
        "ticket_id", "level", "target_team_id"
    )
    for ticket_id, level, team_id in rows:
        key = (level, team_id) if level == domain.Level.TEAM else level
        memo[("escalation_raised", ticket_id)].add(key)


def _team(pk: int, memo: dict[Any, Any]) -> Team | None:
    key = ("escalation_team", pk)
    if key not in memo:
        memo[key] = Team.objects.filter(pk=pk).first()
    return memo[key]


# The ticket stopped: its escalations end with it, saying how.
STOPPING_COMMANDS = {
    "resolve": gettext_lazy("The request was resolved."),
    "close": gettext_lazy("The request was closed."),
    "decline": gettext_lazy("The request was declined."),
    "cancel": gettext_lazy("The requester cancelled the request."),
}


def _close_with_ticket(ticket: Ticket, *, kind: str, now: datetime) -> None:
    active = list(Escalation.objects.filter(ticket=ticket).exclude(state=Escalation.State.CLOSED))
    if not active:
        return
    with translation.override(settings.LANGUAGE_CODE):
        outcome = str(STOPPING_COMMANDS[kind])
    for escalation in active:
        closed = (
            Escalation.objects.filter(pk=escalation.pk)
            .exclude(state=Escalation.State.CLOSED)
            .update(state=Escalation.State.CLOSED, outcome=outcome, closed_at=now)
        )
        if closed == 1:
            _record(escalation, "closed", by=None, now=now, body=outcome, automatic=True)


def on_ticket_event(ticket: Ticket, *, kind: str, now: datetime) -> list[Escalation]:
    """Apply the ladder's rules to a ticket event, inside the caller's transaction.

    `kind` is "opened" (a VIP ticket may start one step higher) or a lifecycle command name
    ("reopen": repeated reopening alerts the team lead); other kinds do nothing.
    """
    if kind in STOPPING_COMMANDS:
        _close_with_ticket(ticket, kind=kind, now=now)
        return []
    if kind not in ("opened", "reopen"):
        return []
    if kind == "opened" and not is_vip(ticket):
        return []  # only a VIP ticket raises anything at opening: spare the ladder's queries
    ladder = ladder_for(ticket.organisation_id)
    raised = {item for item in raised_levels(ticket) if isinstance(item, str)}
    if kind == "opened":
        steps = domain.steps_at_opening(ladder, vip=is_vip(ticket), raised=raised)
        trigger = Trigger.VIP
    else:
        steps = domain.steps_for_reopening(ladder, reopen_count=ticket.reopen_count, raised=raised)
        trigger = Trigger.REOPENED
    return _raise_steps(ticket, steps, trigger=trigger, now=now)
