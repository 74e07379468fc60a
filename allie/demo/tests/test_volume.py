"""Bulk-generated tickets keep the invariants the services guarantee (allie.demo.volume)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from allie.accounts.models import Organisation, Site, Team, User
from allie.demo.volume import create_base, seed_tickets
from allie.sla.calendars import clear_calendar_cache
from allie.sla.models import BusinessCalendar, Deadline, TicketSla
from allie.sla.services import refresh_ticket_sla
from allie.tickets.domain.reference import format_reference
from allie.tickets.models import Status, Ticket, TimelineEvent
from allie.voice.domain.surveys import LowAnswerRule
from allie.voice.models import Survey

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 10, 15, 30, tzinfo=UTC)
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SUMMARY_FIELDS = [
    f"{clock}_{part}"
    for clock in ("first_response", "next_update", "resolution")
    for part in ("target", "state", "due_at")
] + ["next_breach_at", "next_update_breaches", "policy_id", "calendar_id"]


def summary_of(ticket: Ticket) -> dict[str, object]:
    row = TicketSla.objects.get(ticket=ticket)
    values: dict[str, object] = {name: getattr(row, name) for name in SUMMARY_FIELDS}
    for clock in ("first_response", "next_update", "resolution"):
        values[f"{clock}_elapsed"] = round(getattr(row, f"{clock}_elapsed"), 3)
    return values


def pending_deadlines(ticket: Ticket) -> set[tuple[str, int, int, datetime]]:
    return set(
        Deadline.objects.filter(ticket=ticket, handled_at__isnull=True).values_list(
            "clock", "cycle", "threshold", "due_at"
        )
    )


@pytest.fixture
def desk():
    clear_calendar_cache()
    create_base(organisations=3, teams=2, agents=4, requesters=30, prefix="essai")
    # One organisation keeps evening hours, and one of its sites round-the-clock hours: the
    # generated SLA must use the calendar the service would choose.
    evening = BusinessCalendar.objects.create(
        name="Soir", hours={day: [["16:00", "23:00"]] for day in ("mon", "tue", "wed", "thu")}
    )
    always = BusinessCalendar.objects.create(
        name="Continu",
        holidays_region="",
        hours={day: [["00:00", "24:00"]] for day in WEEK},
    )
    organisation = Organisation.objects.order_by("pk").first()
    Organisation.objects.filter(pk=organisation.pk).update(calendar=evening)
    Site.objects.filter(pk=organisation.sites.order_by("pk").first().pk).update(calendar=always)
    clear_calendar_cache()


def test_create_base_makes_a_served_desk_of_the_asked_shape(desk):
    assert Organisation.objects.count() == 3
    assert Team.objects.count() == 2
    assert User.objects.filter(role_grants__role="requester").count() == 30
    served = set(Team.objects.values_list("serves", flat=True))
    assert served == set(Organisation.objects.values_list("pk", flat=True))
    assert all(team.lead_id for team in Team.objects.all())


def test_seeded_tickets_have_references_timelines_and_their_sla_as_the_service_computes_it(desk):
    result = seed_tickets(120, now=NOW, sla=True)

    assert result.tickets == Ticket.objects.count() == 120
    assert result.sla_summaries == TicketSla.objects.count() == 120
    assert result.deadlines == Deadline.objects.count() > 0
    assert result.events == TimelineEvent.objects.count()
    for ticket in Ticket.objects.all():
        assert ticket.reference == format_reference(ticket.pk)
        assert 3 <= ticket.events.count() <= 8
    # The SLA service, run on each ticket at the same moment, finds nothing to change.
    open_seen = 0
    for ticket in Ticket.objects.select_related("organisation", "site").order_by("pk"):
        before = (summary_of(ticket), pending_deadlines(ticket))
        refresh_ticket_sla(ticket, now=NOW)
        after = (summary_of(ticket), pending_deadlines(ticket))
        assert after == before, ticket.reference
        open_seen += bool(before[1])
    assert open_seen > 0  # some clocks are still running, with pending deadlines
    calendars = set(TicketSla.objects.values_list("calendar__name", flat=True))
    default = BusinessCalendar.objects.get(is_default=True).name
    assert calendars == {default, "Soir", "Continu"}  # the default, the organisation's, the site's


def test_agent_replies_are_marked_as_the_reply_service_marks_them(desk):
    seed_tickets(60, now=NOW)

    replies = TimelineEvent.objects.filter(kind=TimelineEvent.Kind.PUBLIC_REPLY)
    by_agent = {event.actor.is_agent for event in replies if event.data.get("by_agent")}
    by_requester = {event.actor.is_agent for event in replies if not event.data.get("by_agent")}
    assert by_agent == {True}
    assert by_requester == {False}


def test_surveys_go_to_resolved_tickets_requesters_after_resolution_as_the_desk_would_send(desk):
    result = seed_tickets(400, now=NOW, surveys=True)

    surveys = list(Survey.objects.select_related("ticket", "requester"))
    assert result.surveys == len(surveys) > 0
    resolved = Ticket.objects.filter(status__in=[Status.RESOLVED, Status.CLOSED]).count()
    assert len(surveys) < resolved  # a share of them, not every one
    rule = LowAnswerRule()
    answered = [survey for survey in surveys if survey.answered_at is not None]
    assert 0 < len(answered) < len(surveys)
    for survey in surveys:
        ticket = survey.ticket
        assert ticket.status in (Status.RESOLVED, Status.CLOSED)
        assert survey.requester_id == ticket.requester_id
        assert survey.language == survey.requester.language
        assert ticket.resolved_at <= survey.sent_at <= NOW
        if survey.answered_at is None:
            assert (survey.csat, survey.ces, survey.comment, survey.low) == (None, None, "", False)
            continue
        assert survey.sent_at <= survey.answered_at == survey.first_answered_at <= NOW
        assert 1 <= survey.csat <= 5
        assert 1 <= survey.ces <= 5
        assert survey.low == rule.is_low(csat=survey.csat, ces=survey.ces)
    assert any(survey.low for survey in answered)
    # Each ticket carries its survey's state, as the survey services keep it.
    for ticket in Ticket.objects.all():
        survey = next((s for s in surveys if s.ticket_id == ticket.pk), None)
        expected = (
            (False, False, None, None)
            if survey is None
            else (True, survey.answered_at is not None, survey.csat, survey.ces)
        )
        assert (
            ticket.survey_sent,
            ticket.survey_answered,
            ticket.survey_csat,
            ticket.survey_ces,
        ) == expected


def test_without_surveys_asked_none_are_written(desk):
    assert seed_tickets(60, now=NOW).surveys == 0
    assert not Survey.objects.exists()
