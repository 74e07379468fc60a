"""Large volumes of tickets for benchmarks, written with `bulk_create` instead of the services.

The services run one transaction and several queries per change, far too slow for a million
tickets; so this module writes rows directly. It must therefore keep, by construction, the
invariants the services guarantee:

- every ticket has a reference `format_reference(pk)` and an `opened` event at `created_at`;
- timelines are in increasing time order and `updated_at` is the time of the last event;
- every status but `new` has an owner (declined and cancelled straight from new may have none),
  acknowledged tickets have `acknowledged_at`, resolved ones `resolved_at`, closed ones both
  `resolved_at` and `closed_at`, declined ones a reason and an alternative;
- `agent_reply_count`, `requester_reply_count` and `first_response_at` match the public replies
  in the timeline; the priority follows the default impact × urgency matrix;
- resolved tickets were resolved within the reopen window (older ones would have been closed);
- with `sla=True`, every ticket has its SLA summary computed by the SLA clock from its own
  timeline (the service's calendar and policy), and the clocks still running have their
  deadlines: the thresholds already crossed handled (as the sweeper would have), the others
  pending at their business-time due moment; the SLA day figures are rebuilt at the end;
- with `surveys=True`, a share of the resolved and closed tickets has its satisfaction survey,
  sent after the resolution to the ticket's requester in their language, some answered, the
  answer marked low by the desk's default rule (`LowAnswerRule`). No follow-ups are written.

On PostgreSQL the primary keys are drawn from the table's sequence first, so each reference is
written with its row (no second pass of updates).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import JSONField, Model
from django.utils import timezone
from psycopg import sql
from psycopg.types.json import Jsonb

from allie.accounts.models import Organisation, Role, Site, Team, User, UserRole
from allie.catalog.models import Service
from allie.demo import data
from allie.sla import figures
from allie.sla.calendars import resolve_calendar
from allie.sla.domain.calendar import Calendar, add_business_seconds
from allie.sla.domain.clock import (
    CLOCKS,
    ClockState,
    Event,
    Policy,
    PublicReply,
    StatusChange,
    compute_clocks,
)
from allie.sla.models import Deadline, SlaPolicy, SlaSettings, TicketSla
from allie.sla.services import BUILT_IN_TARGETS
from allie.tickets.domain.priority import priority_for
from allie.tickets.domain.reference import format_reference
from allie.tickets.models import Channel, Status, Ticket, TimelineEvent
from allie.voice.domain.surveys import LowAnswerRule
from allie.voice.models import Survey

BATCH = 2_000
EVENT = TimelineEvent.Kind

# (status, weight, age window of the opening in days): a desk where most work is done.
STATUS_MIX = [
    (Status.NEW, 4, (0.0, 2.0)),
    (Status.ACKNOWLEDGED, 4, (0.0, 5.0)),
    (Status.IN_PROGRESS, 8, (0.0, 20.0)),
    (Status.WAITING_ON_REQUESTER, 4, (0.0, 20.0)),
    (Status.WAITING_ON_THIRD_PARTY, 3, (0.0, 30.0)),
    (Status.RESOLVED, 6, (0.2, 6.0)),
    (Status.CLOSED, 62, (8.0, 730.0)),
    (Status.DECLINED, 5, (1.0, 730.0)),
    (Status.CANCELLED, 4, (1.0, 730.0)),
]
# Satisfaction surveys: the share of resolved tickets surveyed (the fatigue rule skips some),
# the share answered, and the answers' spread (most clients satisfied, a few not).
SURVEYED = 0.6
ANSWERED = 0.35
CSAT_SPREAD = ([5] * 45) + ([4] * 30) + ([3] * 12) + ([2] * 8) + ([1] * 5)
COMMENTS = (
    "Merci, réglé rapidement.",
    "Réponse claire, merci!",
    "Il a fallu relancer deux fois.",
    "Thanks, quick and clear.",
    "Took a while to hear back.",
)
IMPACTS = (["low"] * 6) + (["medium"] * 3) + ["high"]
URGENCIES = (["low"] * 3) + (["medium"] * 5) + (["high"] * 2)


@dataclass
class Base:
    """The people and catalogue the generated tickets refer to, as ids."""

    requesters: list[tuple[int, int, int | None, str]]  # id, organisation, site, language
    agents_by_org: dict[int, list[tuple[int, int | None]]]  # organisation → (agent, team)
    services: list[tuple[int, int]]  # id, owner team


@dataclass
class Result:
    tickets: int
    events: int
    seconds: float
    sla_summaries: int = 0
    deadlines: int = 0
    surveys: int = 0

    @property
    def rate(self) -> float:
        return self.tickets / self.seconds if self.seconds else 0.0


def ensure_base() -> Base:
    """Return the demo's people and services if loaded, else create a minimal set first."""
    if not Service.objects.filter(is_active=True).exists() or not _requester_ids():
        _create_minimal_base()
    requesters = [
        (pk, org, site, "en" if language == "en" else "fr")
        for pk, org, site, language in User.objects.filter(
            role_grants__role=Role.REQUESTER, organisation__isnull=False, is_active=True
        ).values_list("id", "organisation_id", "site_id", "language")
    ]
    agents_by_org: dict[int, list[tuple[int, int | None]]] = {}
    for team in Team.objects.prefetch_related("members", "serves"):
        for organisation in team.serves.all():
            agents_by_org.setdefault(organisation.pk, []).extend(
                (member.pk, team.pk) for member in team.members.all()
            )
    requesters = [r for r in requesters if r[1] in agents_by_org]
    services = list(Service.objects.filter(is_active=True).values_list("id", "owner_team_id"))
    return Base(requesters=requesters, agents_by_org=agents_by_org, services=services)


def _requester_ids() -> list[int]:
    return list(
        User.objects.filter(
            role_grants__role=Role.REQUESTER, organisation__isnull=False
        ).values_list("id", flat=True)[:1]
    )


def _create_minimal_base() -> None:
    """Two organisations, a team of three agents, twenty requesters and three services."""
    with transaction.atomic():
        password = make_password(data.DEMO_PASSWORD)
        organisations = [
            Organisation.objects.get_or_create(name=name)[0]
            for name in ("Volume · Finances", "Volume · Clinique")
        ]
        agents = []
        for index in range(3):
            agent, _created = User.objects.get_or_create(
                email=f"agent{index}@volume.example",
                defaults={
                    "username": f"agent{index}@volume.example",
                    "full_name": f"Agent {index}",
                    "password": password,
                },
            )
            UserRole.objects.get_or_create(user=agent, role=Role.AGENT)
            agents.append(agent)
        team, _created = Team.objects.get_or_create(name="Volume · Soutien")
        team.members.add(*agents)
        team.serves.add(*organisations)
        for index in range(20):
            english = index % 3 == 0
            person, _created = User.objects.get_or_create(
                email=f"person{index}@volume.example",
                defaults={
                    "username": f"person{index}@volume.example",
                    "full_name": f"{'Person' if english else 'Personne'} {index}",
                    "language": "en" if english else "fr-ca",
                    "organisation": organisations[index % 2],
                    "password": password,
                },
            )
            UserRole.objects.get_or_create(user=person, role=Role.REQUESTER)
        for code, name_fr, name_en in (
            ("volume-postes", "Postes de travail", "Workstations"),
            ("volume-acces", "Accès", "Access"),
            ("volume-reseau", "Réseau", "Network"),
        ):
            Service.objects.get_or_create(
                code=code, defaults={"name_fr": name_fr, "name_en": name_en, "owner_team": team}
            )


KINDS = [Organisation.Kind.INTERNAL, Organisation.Kind.INTERNAL, Organisation.Kind.EXTERNAL]
SERVICES = [
    ("postes", "Postes de travail", "Workstations"),
    ("acces", "Accès et comptes", "Access and accounts"),
    ("reseau", "Réseau et VPN", "Network and VPN"),
    ("courriel", "Courriel et agenda", "Email and calendar"),
    ("impression", "Impression", "Printing"),
    ("telephonie", "Téléphonie", "Telephony"),
    ("applications", "Applications d'affaires", "Business applications"),
    ("arrivees", "Arrivées et départs", "Onboarding and offboarding"),
]


def create_base(
    *,
    organisations: int = 12,
    teams: int = 4,
    agents: int = 40,
    requesters: int = 2_000,
    prefix: str = "volume",
) -> None:
    """Create a desk of realistic shape in bulk: organisations with sites, teams of agents
    (each with a lead) serving them, bilingual requesters and a catalogue of services.

    Every organisation is served by at least one team; one password hash is shared.
    """
    password = make_password(data.DEMO_PASSWORD)
    with transaction.atomic():
        orgs = Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"{prefix.title()} · Organisation {index + 1:02d}",
                    kind=KINDS[index % 3],
                )
                for index in range(organisations)
            ]
        )
        sites = Site.objects.bulk_create(
            [
                Site(organisation=org, name=name)
                for org in orgs
                for name in ("Montréal", "Québec", "Sherbrooke")
            ]
        )
        sites_by_org: dict[int, list[Site]] = {}
        for site in sites:
            sites_by_org.setdefault(site.organisation_id, []).append(site)
        staff = User.objects.bulk_create(
            [
                User(
                    username=f"agent{index:03d}@{prefix}.example",
                    email=f"agent{index:03d}@{prefix}.example",
                    full_name=f"Agent {index:03d}",
                    language="en" if index % 4 == 0 else "fr-ca",
                    password=password,
                )
                for index in range(agents)
            ]
        )
        UserRole.objects.bulk_create([UserRole(user=agent, role=Role.AGENT) for agent in staff])
        team_rows = []
        for index in range(teams):
            members = staff[index::teams]
            name = f"{prefix.title()} · Équipe {index + 1}"
            team = Team.objects.create(name=name, lead=members[0])
            team.members.add(*members)
            # Each team serves its share of the organisations, plus the next team's first one.
            served = orgs[index::teams] + orgs[(index + 1) % teams :: teams][:1]
            team.serves.add(*served)
            team_rows.append(team)
        UserRole.objects.bulk_create(
            [UserRole(user=team.lead, role=Role.TEAM_LEAD) for team in team_rows if team.lead],
            ignore_conflicts=True,
        )
        people = []
        for index in range(requesters):
            org = orgs[index % organisations]
            english = index % 10 < 3
            people.append(
                User(
                    username=f"person{index:05d}@{prefix}.example",
                    email=f"person{index:05d}@{prefix}.example",
                    full_name=f"{'Person' if english else 'Personne'} {index:05d}",
                    language="en" if english else "fr-ca",
                    organisation=org,
                    site=sites_by_org[org.pk][(index // organisations) % 3],
                    is_organisation_contact=index < organisations,
                    password=password,
                )
            )
        people = User.objects.bulk_create(people, batch_size=BATCH)
        UserRole.objects.bulk_create(
            [UserRole(user=person, role=Role.REQUESTER) for person in people], batch_size=BATCH
        )
        Service.objects.bulk_create(
            [
                Service(
                    code=f"{prefix}-{code}",
                    name_fr=name_fr,
                    name_en=name_en,
                    owner_team=team_rows[index % teams],
                )
                for index, (code, name_fr, name_en) in enumerate(SERVICES)
            ]
        )


def seed_tickets(
    count: int,
    *,
    seed: int = 2026,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
    sla: bool = False,
    surveys: bool = False,
) -> Result:
    """Create `count` tickets with their timelines in batches; return counts and timing.

    With `sla`, each ticket also gets its SLA summary and deadlines; with `surveys`, a share of
    the resolved ones their satisfaction survey (see the module's notes).
    """
    started = time.perf_counter()
    now = now or timezone.now()
    rng = random.Random(seed)  # noqa: S311 (benchmark data, not secrets)
    base = ensure_base()
    clocks = SlaContext.load() if sla else None
    summaries_made = deadlines_made = surveys_made = 0
    languages = _survey_languages() if surveys else {}
    texts = [t for t in data.TICKET_TEMPLATES if t[0] != "telecopieurs"]
    statuses = [s for s, _w, _a in STATUS_MIX]
    weights = [w for _s, w, _a in STATUS_MIX]
    ages = {s: a for s, _w, a in STATUS_MIX}
    made = events_made = 0
    while made < count:
        size = min(BATCH, count - made)
        with transaction.atomic():
            plans = [
                _plan(rng, base, texts, rng.choices(statuses, weights)[0], ages, now)
                for _ in range(size)
            ]
            tickets = [ticket for ticket, _events in plans]
            # Surveys are drawn first: each ticket carries its survey's state in its own row.
            sent = [
                (ticket, _survey(rng, ticket, languages[ticket.requester_id], now))
                for ticket in tickets
                if surveys
                and ticket.status in (Status.RESOLVED, Status.CLOSED)
                and ticket.resolved_at is not None
                and rng.random() < SURVEYED
            ]
            if _assign_ids(tickets):
                _insert(Ticket, tickets)
            else:
                Ticket.objects.bulk_create(tickets)
                _set_references(tickets)
            events = []
            for ticket, (_row, ticket_events) in zip(tickets, plans, strict=True):
                for event in ticket_events:
                    event.ticket_id = ticket.pk
                    events.append(event)
            _insert(TimelineEvent, events)
            if clocks is not None:
                summaries, deadlines = clocks.rows(plans, now)
                _insert(TicketSla, summaries)
                _insert(Deadline, deadlines)
                summaries_made += len(summaries)
                deadlines_made += len(deadlines)
            if sent:
                for ticket, survey in sent:
                    survey.ticket_id = ticket.pk
                _insert(Survey, [survey for _ticket, survey in sent])
                surveys_made += len(sent)
        made += size
        events_made += len(events)
        if progress is not None:
            progress(size)
    if clocks is not None:
        # The compliance report's day figures, from the summaries just written.
        figures.rebuild()
    return Result(
        tickets=made,
        events=events_made,
        seconds=time.perf_counter() - started,
        sla_summaries=summaries_made,
        deadlines=deadlines_made,
        surveys=surveys_made,
    )


def _survey_languages() -> dict[int, str]:
    """Each requester's language, which the survey service writes to them in (the generated
    people all have their own; the desk's language otherwise)."""
    people = User.objects.filter(role_grants__role=Role.REQUESTER).values_list("id", "language")
    return {pk: language or settings.LANGUAGE_CODE for pk, language in people}


def _survey(rng: random.Random, ticket: Ticket, language: str, now: datetime) -> Survey:
    """The satisfaction survey of a resolved ticket, answered or not; the ticket gets the copy
    of its state that the survey services keep (`Survey.ticket_state`). Its `ticket_id` is
    set once the ticket is written."""
    assert ticket.resolved_at is not None
    sent_at = min(ticket.resolved_at + timedelta(minutes=rng.uniform(5, 120)), now)
    survey = Survey(
        requester_id=ticket.requester_id,
        sent_at=sent_at,
        nonce=f"{rng.getrandbits(128):032x}",
        language=language,
        comment="",
    )
    if rng.random() < ANSWERED:
        answered_at = min(sent_at + timedelta(hours=rng.uniform(0.1, 48)), now)
        survey.csat = rng.choice(CSAT_SPREAD)
        survey.ces = max(1, min(5, survey.csat + rng.choice((-1, 0, 0, 1))))
        survey.comment = rng.choice(COMMENTS) if rng.random() < 0.25 else ""
        survey.first_answered_at = survey.answered_at = answered_at
        survey.low = LowAnswerRule().is_low(csat=survey.csat, ces=survey.ces)
    for name, value in survey.ticket_state().items():
        setattr(ticket, name, value)
    return survey


def _insert(model: type[Model], rows: list[Any]) -> None:
    """Insert `rows` in bulk: PostgreSQL's COPY when available, else `bulk_create`.

    COPY writes the primary key when the rows have one already (tickets, SLA summaries), else
    lets the column's default number them. Like `bulk_create`, it calls no `save()`.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(rows, batch_size=BATCH)
        return
    keyed = rows[0].pk is not None
    fields = [
        f
        for f in model._meta.concrete_fields
        if (keyed or not f.primary_key) and not getattr(f, "generated", False)
    ]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table),
        sql.SQL(", ").join(sql.Identifier(f.column) for f in fields),
    )
    json_columns = {index for index, f in enumerate(fields) if isinstance(f, JSONField)}
    names = [f.attname for f in fields]
    connection.ensure_connection()
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            values = [getattr(row, name) for name in names]
            for index in json_columns:
                values[index] = Jsonb(values[index])
            copy.write_row(values)


def _assign_ids(tickets: list[Ticket]) -> bool:
    """On PostgreSQL, draw the primary keys from the sequence and set each reference; else no-op.

    Returns whether the ids were assigned (else the references are written after the insert).
    """
    if connection.vendor != "postgresql":
        return False
    prefix = settings.ALLIE_TICKET_PREFIX
    table = Ticket._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(tickets)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    for ticket, pk in zip(tickets, ids, strict=True):
        ticket.pk = pk
        ticket.reference = format_reference(pk, prefix)
    return True


@dataclass
class SlaContext:
    """What the SLA clock needs for generated tickets, read once: calendars, policies, etc."""

    site_calendars: dict[int, int | None]
    organisation_calendars: dict[int, int | None]
    paused: frozenset[str]
    thresholds: list[int]
    policies: dict[tuple[int | None, str], tuple[int | None, Policy]]

    @classmethod
    def load(cls) -> SlaContext:
        """Read the sites' and organisations' calendars, the SLA settings and every policy."""
        settings_row = SlaSettings.current()
        paused = frozenset(settings_row.paused_statuses)
        policies: dict[tuple[int | None, str], tuple[int | None, Policy]] = {}
        for row in SlaPolicy.objects.all():
            policies[(row.service_id, row.priority)] = (row.pk, row.to_domain(paused))
        return cls(
            site_calendars=dict(Site.objects.values_list("pk", "calendar_id")),
            organisation_calendars=dict(Organisation.objects.values_list("pk", "calendar_id")),
            paused=paused,
            thresholds=sorted({int(t) for t in settings_row.warning_thresholds}),
            policies=policies,
        )

    def calendar(self, ticket: Ticket) -> tuple[int | None, Calendar]:
        """The site's calendar, else the organisation's, else the default (as the service)."""
        chosen = self.site_calendars.get(ticket.site_id) if ticket.site_id is not None else None
        if chosen is None:
            chosen = self.organisation_calendars.get(ticket.organisation_id)
        return resolve_calendar(chosen)

    def policy(self, service_id: int | None, priority: str) -> tuple[int | None, Policy]:
        """The service's policy for the priority, else the desk-wide one, else the built-in."""
        found = self.policies.get((service_id, priority)) or self.policies.get((None, priority))
        if found is not None:
            return found
        first, update, resolution = BUILT_IN_TARGETS[priority]
        return None, Policy(
            first_response=first,
            next_update=update,
            resolution=resolution,
            paused_statuses=self.paused,
        )

    def rows(
        self, plans: list[tuple[Ticket, list[TimelineEvent]]], now: datetime
    ) -> tuple[list[TicketSla], list[Deadline]]:
        """Return the SLA summary of each saved ticket and the deadlines of its running clocks."""
        summaries: list[TicketSla] = []
        deadlines: list[Deadline] = []
        for ticket, events in plans:
            policy_id, policy = self.policy(ticket.service_id, ticket.priority)
            calendar_id, calendar = self.calendar(ticket)
            clocks = compute_clocks(calendar, policy, _clock_events(events), now)
            values: dict[str, Any] = {}
            running_dues = []
            for name in CLOCKS:
                reading = getattr(clocks, name)
                values[f"{name}_target"] = int(policy.target(name).total_seconds() // 60)
                values[f"{name}_state"] = reading.state.value
                values[f"{name}_elapsed"] = reading.elapsed_seconds
                values[f"{name}_due_at"] = reading.due
                counting = reading.state in (ClockState.RUNNING, ClockState.BREACHED)
                if counting and reading.due is not None:
                    running_dues.append(reading.due)
                    deadlines.extend(self._deadlines(ticket, name, reading, calendar, now))
            summaries.append(
                TicketSla(
                    ticket_id=ticket.pk,
                    calendar_id=calendar_id,
                    policy_id=policy_id,
                    next_breach_at=min(running_dues, default=None),
                    next_update_breaches=clocks.next_update.breaches,
                    computed_at=now,
                    counted_service_key=ticket.service_id or 0,
                    counted_priority=ticket.priority,
                    **values,
                )
            )
        return summaries, deadlines

    def _deadlines(
        self, ticket: Ticket, clock: str, reading: Any, calendar: Calendar, now: datetime
    ) -> list[Deadline]:
        # As the SLA service plans them; thresholds already crossed were handled by the sweeper.
        cycle = ticket.agent_reply_count if clock == "next_update" else 0
        planned = []
        for threshold in [*self.thresholds, 100]:
            needed = reading.target_seconds * threshold / 100
            row = Deadline(ticket_id=ticket.pk, clock=clock, cycle=cycle, threshold=threshold)
            if needed <= reading.elapsed_seconds:
                row.due_at = row.handled_at = now
                row.outcome = "breach" if threshold == 100 else "warning"
            else:
                remaining = needed - reading.elapsed_seconds
                row.due_at = add_business_seconds(calendar, now, remaining)
            planned.append(row)
        return planned


def _clock_events(events: list[TimelineEvent]) -> list[Event]:
    """The timeline as the SLA clock reads it (as `allie.sla.services.clock_events` does)."""
    read: list[Event] = []
    for event in events:
        if event.kind == EVENT.OPENED:
            read.append(StatusChange(at=event.created_at, status="new"))
        elif event.kind == EVENT.STATUS_CHANGE:
            read.append(StatusChange(at=event.created_at, status=str(event.data.get("to"))))
        elif event.kind == EVENT.PUBLIC_REPLY and event.data.get("by_agent"):
            read.append(PublicReply(at=event.created_at))
    return read


def _set_references(tickets: list[Ticket]) -> None:
    """Give each new ticket its reference, which depends on the primary key just assigned."""
    prefix = settings.ALLIE_TICKET_PREFIX
    table = connection.ops.quote_name(Ticket._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET reference = %s WHERE id = %s",  # noqa: S608 (table name is ours)
            [(format_reference(t.pk, prefix), t.pk) for t in tickets],
        )


def _plan(
    rng: random.Random,
    base: Base,
    texts: list[tuple[Any, ...]],
    status: Status,
    ages: dict[Status, tuple[float, float]],
    now: datetime,
) -> tuple[Ticket, list[TimelineEvent]]:
    """Return one unsaved ticket and its unsaved events, consistent with each other."""
    requester_id, organisation_id, site_id, language = rng.choice(base.requesters)
    agent_id, team_id = rng.choice(base.agents_by_org[organisation_id])
    service_id, service_team = rng.choice(base.services)
    template = rng.choice(texts)
    title, body = (template[5], template[6]) if language == "en" else (template[3], template[4])
    impact, urgency = rng.choice(IMPACTS), rng.choice(URGENCIES)
    low, high = ages[status]
    opened = now - timedelta(days=rng.uniform(low, high))
    clock = Clock(rng, opened, now)
    ticket = Ticket(
        title=title,
        description=body,
        requester_id=requester_id,
        organisation_id=organisation_id,
        site_id=site_id,
        service_id=service_id,
        team_id=service_team,
        kind=rng.choice(["incident", "incident", "service_request", "question"]),
        channel=rng.choices(
            [Channel.PORTAL, Channel.EMAIL, Channel.PHONE, Channel.COUNTER, Channel.API],
            [50, 30, 12, 5, 3],
        )[0],
        impact=impact,
        urgency=urgency,
        priority=priority_for(impact, urgency).value,
        status=status,
        created_at=opened,
    )
    events = [_event(EVENT.OPENED, requester_id, opened, public=True, body=body)]
    from_new = status in (Status.DECLINED, Status.CANCELLED) and rng.random() < 0.5
    owned = status != Status.NEW and not from_new
    target = rng.randint(3, 8)

    def fill(room: int) -> None:
        # Replies and notes between the opening steps and the final move, up to `target`.
        for _ in range(max(0, target - len(events) - room)):
            kind = rng.random()
            moment = clock.next()
            if kind < 0.4 and owned:
                text = rng.choice(data.AGENT_REPLIES[language])
                events.append(
                    _event(
                        EVENT.PUBLIC_REPLY,
                        agent_id,
                        moment,
                        public=True,
                        body=text,
                        data={"by_agent": True},
                    )
                )
                ticket.agent_reply_count += 1
                ticket.first_response_at = ticket.first_response_at or moment
            elif kind < 0.75 or not owned:
                text = rng.choice(data.REQUESTER_REPLIES[language])
                events.append(
                    _event(
                        EVENT.PUBLIC_REPLY,
                        requester_id,
                        moment,
                        public=True,
                        body=text,
                        data={"by_agent": False},
                    )
                )
                ticket.requester_reply_count += 1
            else:
                text = rng.choice(data.INTERNAL_NOTES)
                events.append(
                    _event(EVENT.INTERNAL_NOTE, agent_id, moment, public=False, body=text)
                )

    def move(to: str, command: str, actor: int | None, previous: str) -> datetime:
        moment = clock.next()
        events.append(
            _event(
                EVENT.STATUS_CHANGE,
                actor,
                moment,
                public=True,
                data={"from": previous, "to": to, "command": command},
            )
        )
        return moment

    ticket.agent_reply_count = ticket.requester_reply_count = 0
    if owned:
        ticket.owner_id = agent_id
        ticket.team_id = team_id
        moment = move(Status.ACKNOWLEDGED, "acknowledge", agent_id, Status.NEW)
        events.append(
            _event(
                EVENT.OWNER_CHANGE,
                agent_id,
                moment,
                public=True,
                data={"from": None, "to": agent_id},
            )
        )
        ticket.acknowledged_at = moment
    finals = _final_moves(status, owned)
    fill(len(finals))
    previous: str = Status.ACKNOWLEDGED if owned else Status.NEW
    for to, command in finals:
        actor = requester_id if command == "cancel" else agent_id
        moment = move(to, command, actor, previous)
        previous = to
        if to == Status.RESOLVED:
            ticket.resolved_at = moment
        elif to == Status.CLOSED:
            ticket.closed_at = moment
        if to in (Status.RESOLVED, Status.DECLINED) and ticket.first_response_at is None:
            ticket.first_response_at = moment  # resolving or declining answers the client
    if status == Status.DECLINED:
        ticket.decline_reason, ticket.decline_alternative = rng.choice(
            data.DECLINE_REASONS["en" if language == "en" else "fr"]
        )
        events[-1].body = f"{ticket.decline_reason}\n\n{ticket.decline_alternative}"
    ticket.updated_at = events[-1].created_at
    return ticket, events


def _final_moves(status: Status, owned: bool) -> list[tuple[str, str]]:
    """The status changes after acknowledgement that lead to `status`."""
    working = [(Status.IN_PROGRESS, "start")]
    return {
        Status.NEW: [],
        Status.ACKNOWLEDGED: [],
        Status.IN_PROGRESS: working,
        Status.WAITING_ON_REQUESTER: [*working, (Status.WAITING_ON_REQUESTER, "wait_on_requester")],
        Status.WAITING_ON_THIRD_PARTY: [
            *working,
            (Status.WAITING_ON_THIRD_PARTY, "wait_on_third_party"),
        ],
        Status.RESOLVED: [*working, (Status.RESOLVED, "resolve")],
        Status.CLOSED: [*working, (Status.RESOLVED, "resolve"), (Status.CLOSED, "close")],
        Status.DECLINED: [(Status.DECLINED, "decline")],
        Status.CANCELLED: [*(working if owned else []), (Status.CANCELLED, "cancel")],
    }[status]


class Clock:
    """Hands out increasing moments after the opening, never past `now`."""

    def __init__(self, rng: random.Random, start: datetime, now: datetime) -> None:
        self.rng = rng
        self.moment = start
        self.now = now

    def next(self) -> datetime:
        remaining = (self.now - self.moment).total_seconds()
        # At most a fifth of what is left, so eight steps always fit before now.
        step = self.rng.uniform(0.02, 0.2) * remaining if remaining > 0 else 0
        self.moment += timedelta(seconds=min(step, self.rng.uniform(600, 3 * 86400)))
        return self.moment


def _event(
    kind: str,
    actor_id: int | None,
    moment: datetime,
    *,
    public: bool,
    body: str = "",
    data: dict[str, Any] | None = None,
) -> TimelineEvent:
    return TimelineEvent(
        kind=kind,
        actor_id=actor_id,
        is_public=public,
        body=body,
        data=data or {},
        created_at=moment,
    )
