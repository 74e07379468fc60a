"""Build the bilingual demo: organisations, people, teams, catalogue, then tickets via the services.

Reference data (organisations, people, teams, services) is written directly: it has no rules of
its own. Every ticket is created and moved by the ticket services with explicit `now=` values, so
its timeline, owner and counters obey the same rules as in real use. Then the voice of the
client (`allie.demo.voice`): surveys, the relationship round, follow-ups and commitments, through
the voice services. Deterministic: one `random.Random(2026)` drives every choice.
"""

from __future__ import annotations

import random
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from allie.accounts.models import Organisation, Role, Site, Team, User, UserRole
from allie.catalog.models import FormField, Service
from allie.demo import data
from allie.demo.voice import VoiceStories, VoiceSummary
from allie.mail.services import notifications
from allie.sla.models import Deadline
from allie.sla.services import handle_deadline
from allie.tickets.models import Channel, Ticket
from allie.tickets.services import (
    accept_handoff,
    acknowledge,
    decline_handoff,
    log_contact,
    open_ticket,
    propose_handoff,
    reply,
    transition,
    update_ticket_fields,
)

SEED = 2026
HISTORY = timedelta(days=60)
MINUTE = 1.0
HOUR = 60.0
DAY = 24 * 60.0


def email_for(full_name: str, domain: str) -> str:
    """Return `prenom.nom@domain`, without accents or apostrophes."""
    ascii_name = unicodedata.normalize("NFKD", full_name).encode("ascii", "ignore").decode().lower()
    local = ".".join(part for part in ascii_name.replace("'", "").split() if part)
    return f"{local}@{domain}"


def demo_is_loaded() -> bool:
    """Return whether the demo organisation exists already."""
    return Organisation.objects.filter(name=data.IT_DEPARTMENT).exists()


@dataclass
class Demo:
    """The reference rows the ticket stories draw from."""

    organisations: dict[str, Organisation] = field(default_factory=dict)
    sites: dict[str, list[Site]] = field(default_factory=dict)
    staff: dict[str, User] = field(default_factory=dict)
    admin: User | None = None
    requesters: dict[str, list[User]] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    team_members: dict[str, list[User]] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    fields: dict[str, list[FormField]] = field(default_factory=dict)

    def agents_for(self, org_key: str) -> list[User]:
        """Return the agents whose teams serve the organisation (stable order)."""
        seen: dict[int, User] = {}
        for team_key, _name, _division, _lead, serves in data.TEAMS:
            if org_key in serves:
                for member in self.team_members[team_key]:
                    seen.setdefault(member.pk, member)
        return list(seen.values())

    def teams_for(self, org_key: str) -> list[str]:
        return [team[0] for team in data.TEAMS if org_key in team[4]]


@dataclass
class Summary:
    organisations: int
    people: int
    services: int
    teams: int
    tickets: int
    seconds: float
    voice: VoiceSummary | None = None


def build_demo(*, now: datetime | None = None) -> Summary:
    """Create the whole demo in one transaction and return what was made."""
    started = time.perf_counter()
    now = now or timezone.now()
    rng = random.Random(SEED)  # noqa: S311 (demo data, not secrets)
    # The demo's stories are its past: nobody is written to about them today.
    with transaction.atomic(), notifications.muted():
        demo = Demo()
        _organisations(demo)
        _people(demo)
        _teams(demo)
        _catalogue(demo)
        tickets = TicketStories(demo, rng, now).run()
        # The voice of the client's past; its focus is the team of the demo's team lead login.
        voice = VoiceStories(rng, now, focus_team=demo.teams["proximite"]).run()
        # Retired after its tickets: old requests keep a service nobody can choose any more.
        Service.objects.filter(
            code__in=[s["code"] for s in data.SERVICES if s.get("retired")]
        ).update(is_active=False)
    return Summary(
        organisations=len(demo.organisations),
        people=User.objects.count(),
        services=len(demo.services),
        teams=len(demo.teams),
        tickets=tickets,
        seconds=time.perf_counter() - started,
        voice=voice,
    )


# --- Reference data -----------------------------------------------------------------------------


def _organisations(demo: Demo) -> None:
    it = Organisation.objects.create(name=data.IT_DEPARTMENT, kind=Organisation.Kind.INTERNAL)
    demo.organisations["dti"] = it
    demo.sites["dti"] = [Site.objects.create(organisation=it, name="Siège de la DTI")]
    for key, name, kind, language, vip, sites, _domain in data.ORGANISATIONS:
        organisation = Organisation.objects.create(
            name=name, kind=kind, language=language, is_vip=vip
        )
        demo.organisations[key] = organisation
        demo.sites[key] = Site.objects.bulk_create(
            [Site(organisation=organisation, name=s, address=a) for s, a in sites]
        )


def _people(demo: Demo) -> None:
    # One hash for everyone: hashing is deliberately slow, copying it is not.
    password = make_password(data.DEMO_PASSWORD)
    dti = demo.organisations["dti"]
    people: list[User] = []
    roles: list[tuple[User, str]] = []
    for key, full_name, language, staff_roles, _teams in data.STAFF:
        person = User(
            email=email_for(full_name, data.STAFF_DOMAIN),
            full_name=full_name,
            language=language,
            organisation=dti,
            site=demo.sites["dti"][0],
            password=password,
        )
        demo.staff[key] = person
        people.append(person)
        roles += [(person, role) for role in staff_roles]
    admin = User(
        email=data.ADMIN_EMAIL,
        full_name=data.ADMIN_NAME,
        organisation=dti,
        site=demo.sites["dti"][0],
        is_staff=True,
        password=password,
    )
    demo.admin = admin
    people.append(admin)
    roles.append((admin, Role.ADMINISTRATOR))
    for org_key, _name, _kind, _lang, _vip, _sites, domain in data.ORGANISATIONS:
        demo.requesters[org_key] = []
        for index, (full_name, language) in enumerate(data.REQUESTERS[org_key]):
            sites = demo.sites[org_key]
            person = User(
                email=email_for(full_name, domain),
                full_name=full_name,
                language=language,
                organisation=demo.organisations[org_key],
                site=sites[index % len(sites)],
                phone=f"514 872-{1000 + len(people):04d}",
                # The organisation's contacts follow all its requests and answer the
                # relationship survey; the second person is the one the demo logins show.
                is_organisation_contact=index in data.CONTACT_INDEXES,
                password=password,
            )
            demo.requesters[org_key].append(person)
            people.append(person)
            roles.append((person, Role.REQUESTER))
    for person in people:
        person.username = person.email
    User.objects.bulk_create(people)
    UserRole.objects.bulk_create([UserRole(user=person, role=role) for person, role in roles])
    for org_key, organisation in demo.organisations.items():
        if org_key == "dti":
            continue
        organisation.executive_sponsor = demo.requesters[org_key][0]
        organisation.account_manager = demo.staff["sophie" if org_key == "clinique" else "julie"]
        organisation.save(update_fields=["executive_sponsor", "account_manager"])


def _teams(demo: Demo) -> None:
    for key, name, division, lead_key, serves in data.TEAMS:
        team = Team.objects.create(name=name, division=division, lead=demo.staff[lead_key])
        members = [demo.staff[s[0]] for s in data.STAFF if key in s[4]]
        team.members.add(*members)
        served = [demo.organisations[org] for org in serves]
        if key == "proximite":
            served.append(demo.organisations["dti"])  # IT staff need help with their laptops too
        team.serves.add(*served)
        demo.teams[key] = team
        demo.team_members[key] = members


def _catalogue(demo: Demo) -> None:
    form_fields: list[FormField] = []
    for position, spec in enumerate(data.SERVICES, start=1):
        service = Service.objects.create(
            code=spec["code"],
            owner_team=demo.teams[spec["team"]],
            default_kind=spec["kind"],
            default_impact=spec["impact"],
            default_urgency=spec["urgency"],
            position=position * 10,
            **{
                name: spec[name]
                for name in (
                    "name_fr",
                    "name_en",
                    "description_fr",
                    "description_en",
                    "in_scope_fr",
                    "in_scope_en",
                    "out_of_scope_fr",
                    "out_of_scope_en",
                    "alternative_fr",
                    "alternative_en",
                )
            },
        )
        demo.services[spec["code"]] = service
        demo.fields[spec["code"]] = []
        for index, (
            key,
            kind,
            required,
            label_fr,
            label_en,
            help_fr,
            help_en,
            choices,
        ) in enumerate(spec["fields"], start=1):
            form_field = FormField(
                service=service,
                key=key,
                field_type=kind,
                required=required,
                label_fr=label_fr,
                label_en=label_en,
                help_fr=help_fr,
                help_en=help_en,
                choices=choices,
                position=index * 10,
            )
            form_fields.append(form_field)
            demo.fields[spec["code"]].append(form_field)
    FormField.objects.bulk_create(form_fields)


# --- Tickets ------------------------------------------------------------------------------------

Step = Callable[[datetime], None]


@dataclass
class Story:
    """One ticket's life: steps separated by gaps (minutes), ending `end_age` minutes ago."""

    requester: User
    steps: list[tuple[float, Step]] = field(default_factory=list)
    end_age: float = 0.0
    start: datetime | None = None
    ticket: Ticket | None = None


class TicketStories:
    """Plan about two hundred ticket stories, then play them in order of opening."""

    def __init__(self, demo: Demo, rng: random.Random, now: datetime) -> None:
        self.demo = demo
        self.rng = rng
        self.now = now

    # Each entry: (how many, builder, age window of the last step in minutes).
    def plan(self) -> list[Story]:
        scenarios: list[tuple[int, Callable[[Story], None], tuple[float, float]]] = [
            (8, self.new, (35 * MINUTE, 8 * HOUR)),
            (6, self.new, (1 * MINUTE, 25 * MINUTE)),
            (14, self.acknowledged, (20 * MINUTE, 3 * DAY)),
            (14, self.in_progress, (1 * HOUR, 10 * DAY)),
            (6, self.handoff_accepted, (1 * HOUR, 8 * DAY)),
            (5, self.handoff_pending, (10 * MINUTE, 2 * DAY)),
            (4, self.handoff_declined, (1 * HOUR, 6 * DAY)),
            (5, self.reopened, (1 * HOUR, 5 * DAY)),
            (14, self.waiting_on_requester, (1 * HOUR, 10 * DAY)),
            (12, self.waiting_on_third_party, (1 * HOUR, 14 * DAY)),
            (28, self.resolved, (10 * MINUTE, 6 * DAY)),
            (45, self.closed, (1 * DAY, 58 * DAY)),
            (6, self.closed_with_handoff, (2 * DAY, 50 * DAY)),
            (4, self.closed_after_reopening, (2 * DAY, 50 * DAY)),
            (5, self.declined_from_new, (1 * HOUR, 50 * DAY)),
            (5, self.declined_after_acknowledging, (1 * HOUR, 50 * DAY)),
            (4, self.cancelled_from_new, (1 * HOUR, 40 * DAY)),
            (4, self.cancelled_in_progress, (1 * HOUR, 40 * DAY)),
            (3, self.first_contact, (10 * MINUTE, 6 * DAY)),
            (5, self.first_contact_closed, (8 * DAY, 55 * DAY)),
            (3, self.contact_in_progress, (1 * HOUR, 5 * DAY)),
        ]
        stories = []
        for count, builder, (youngest, oldest) in scenarios:
            for _ in range(count):
                story = Story(requester=self.pick_requester())
                builder(story)
                story.end_age = self.rng.uniform(youngest, oldest)
                self.place(story)
                stories.append(story)
        return stories

    def place(self, story: Story) -> None:
        """Fix the opening time so the last step lands `end_age` ago, within the history."""
        total = sum(gap for gap, _step in story.steps)
        room = HISTORY.total_seconds() / 60 - story.end_age - 60
        if total > room:
            # Squeeze long stories so they still start within the last 60 days.
            story.steps = [(gap * room / total, step) for gap, step in story.steps]
            total = room
        story.start = self.now - timedelta(minutes=story.end_age + total)

    def run(self) -> int:
        """Play every story, oldest first, so references follow opening order; return the count."""
        stories = sorted(self.plan(), key=lambda s: s.start or self.now)
        for story in stories:
            assert story.start is not None
            moment = story.start
            for gap, step in story.steps:
                moment += timedelta(minutes=gap)
                self.catch_up(story, moment)
                step(moment)
            self.catch_up(story, self.now)
        return len(stories)

    @staticmethod
    def catch_up(story: Story, until: datetime) -> None:
        """Let the SLA worker handle the ticket's deadlines as it would have, each when due."""
        if story.ticket is None:
            return
        due = Deadline.objects.filter(
            ticket=story.ticket, handled_at__isnull=True, due_at__lte=until
        ).order_by("due_at")
        handled = [handle_deadline(deadline.pk, now=deadline.due_at) for deadline in due]
        if any(handled):
            story.ticket.refresh_from_db()

    # --- choices -------------------------------------------------------------------------------

    def pick_requester(self) -> User:
        org_key = self.rng.choices(["finances", "rh", "techniques", "clinique"], [3, 3, 3, 2])[0]
        return self.rng.choice(self.demo.requesters[org_key])

    def org_key(self, person: User) -> str:
        return next(
            k for k, org in self.demo.organisations.items() if org.pk == person.organisation_id
        )

    def lang(self, person: User) -> str:
        return "en" if person.language == "en" else "fr"

    def pick_agent(
        self, story: Story, service: Service | None, *, exclude: User | None = None
    ) -> User:
        """An agent of the service's team when it serves the requester, else any who serves them."""
        org_key = self.org_key(story.requester)
        agents = [a for a in self.demo.agents_for(org_key) if a != exclude]
        if service is not None:
            team_key = next(k for k, t in self.demo.teams.items() if t.pk == service.owner_team_id)
            owners = [a for a in self.demo.team_members[team_key] if a in agents]
            if owners and team_key in self.demo.teams_for(org_key):
                agents = owners
        return self.rng.choice(agents)

    def text(self, texts: dict[str, list[str]], person: User) -> str:
        return self.rng.choice(texts[self.lang(person)])

    def gap(self, low: float, high: float) -> float:
        return self.rng.uniform(low, high)

    # --- building blocks -----------------------------------------------------------------------

    def opening(
        self,
        story: Story,
        *,
        retired_ok: bool = False,
        template: tuple[Any, ...] | None = None,
    ) -> Service | None:
        """Add the opening step and return the ticket's service."""
        if template is None:
            pool = [t for t in data.TICKET_TEMPLATES if retired_ok or t[0] != "telecopieurs"]
            template = self.rng.choice(pool)
        code, impact, urgency, title_fr, body_fr, title_en, body_en = template
        service = self.demo.services.get(code) if code else None
        english = self.lang(story.requester) == "en"
        title, body = (title_en, body_en) if english else (title_fr, body_fr)
        answers = self.answers(code) if code else {}
        channel = self.rng.choices([Channel.PORTAL, Channel.EMAIL], [3, 1])[0]
        requester = story.requester

        def step(moment: datetime) -> None:
            story.ticket = open_ticket(
                requester=requester,
                title=title,
                description=body,
                service=service,
                channel=channel,
                impact=impact,
                urgency=urgency,
                form_answers=answers,
                now=moment,
            )

        story.steps.append((0.0, step))
        return service

    def answers(self, code: str) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for form_field in self.demo.fields.get(code, []):
            if not form_field.required and self.rng.random() < 0.5:
                continue
            kind = form_field.field_type
            if kind == FormField.FieldType.CHOICE:
                result[form_field.key] = self.rng.choice(form_field.choice_pairs("fr"))[0]
            elif kind == FormField.FieldType.NUMBER:
                result[form_field.key] = self.rng.randint(1, 12)
            elif kind == FormField.FieldType.DATE:
                day = (self.now + timedelta(days=self.rng.randint(1, 20))).date()
                result[form_field.key] = day.isoformat()
            elif kind == FormField.FieldType.TEXT:
                result[form_field.key] = self.rng.choice(
                    [
                        "VDM-48213",
                        "IMP-HDV-3-02",
                        "Louise Charbonneau",
                        "514 872-3344",
                        "AutoCAD LT",
                    ]
                )
            elif kind == FormField.FieldType.LONG_TEXT:
                result[form_field.key] = "Voir la description."
        return result

    def then(
        self, story: Story, low: float, high: float, action: Callable[[Ticket, datetime], Any]
    ) -> None:
        def step(moment: datetime) -> None:
            assert story.ticket is not None
            action(story.ticket, moment)

        story.steps.append((self.gap(low, high), step))

    def ack(self, story: Story, agent: User) -> None:
        self.then(story, 3 * MINUTE, 3 * HOUR, lambda t, m: acknowledge(t, by=agent, now=m))

    def move(
        self,
        story: Story,
        agent: User,
        command: str,
        low: float = 10,
        high: float = DAY,
        **extra: str,
    ) -> None:
        self.then(
            story, low, high, lambda t, m: transition(t, by=agent, command=command, now=m, **extra)
        )

    def agent_says(
        self, story: Story, agent: User, texts: dict[str, list[str]] | None = None
    ) -> None:
        body = self.text(texts or data.AGENT_REPLIES, story.requester)
        self.then(story, 20, 6 * HOUR, lambda t, m: reply(t, by=agent, body=body, now=m))

    def requester_says(self, story: Story, texts: dict[str, list[str]] | None = None) -> None:
        body = self.text(texts or data.REQUESTER_REPLIES, story.requester)
        requester = story.requester
        self.then(story, 30, DAY, lambda t, m: reply(t, by=requester, body=body, now=m))

    def note(self, story: Story, agent: User) -> None:
        body = self.rng.choice(data.INTERNAL_NOTES)
        self.then(
            story, 10, 4 * HOUR, lambda t, m: reply(t, by=agent, body=body, public=False, now=m)
        )

    def next_step(self, story: Story, agent: User) -> None:
        text = self.text(data.NEXT_STEPS, story.requester)
        self.then(
            story,
            5,
            2 * HOUR,
            lambda t, m: update_ticket_fields(t, by=agent, next_step=text, now=m),
        )

    def resolve(self, story: Story, agent: User) -> None:
        self.agent_says(story, agent, data.RESOLUTIONS)
        self.move(story, agent, "resolve", 1, 10)

    def worked(self, story: Story, *, retired_ok: bool = False) -> User:
        """Open, acknowledge, start and answer: the common beginning. Return the owner."""
        service = self.opening(story, retired_ok=retired_ok)
        agent = self.pick_agent(story, service)
        self.ack(story, agent)
        self.move(story, agent, "start", 5, 4 * HOUR)
        self.agent_says(story, agent)
        return agent

    def handoff_target(self, story: Story, owner: User) -> tuple[dict[str, Any], User]:
        """Return the propose_handoff target (a person or a team) and who will answer it."""
        org_key = self.org_key(story.requester)
        if self.rng.random() < 0.5:
            person = self.rng.choice([a for a in self.demo.agents_for(org_key) if a != owner])
            return {"to_person": person}, person
        teams = [
            k
            for k in self.demo.teams_for(org_key)
            if any(m != owner for m in self.demo.team_members[k])
        ]
        team_key = self.rng.choice(teams)
        answerer = self.rng.choice([m for m in self.demo.team_members[team_key] if m != owner])
        return {"to_team": self.demo.teams[team_key]}, answerer

    def propose(self, story: Story, owner: User) -> User:
        target, answerer = self.handoff_target(story, owner)
        reason = self.rng.choice(data.HANDOFF_REASONS)
        self.then(
            story,
            30,
            DAY,
            lambda t, m: propose_handoff(t, by=owner, reason=reason, now=m, **target),
        )
        return answerer

    # --- scenarios -----------------------------------------------------------------------------

    def new(self, story: Story) -> None:
        self.opening(story)
        if self.rng.random() < 0.3:
            self.requester_says(story)

    def acknowledged(self, story: Story) -> None:
        service = self.opening(story)
        agent = self.pick_agent(story, service)
        self.ack(story, agent)
        if self.rng.random() < 0.6:
            self.agent_says(story, agent)

    def in_progress(self, story: Story) -> None:
        agent = self.worked(story)
        if self.rng.random() < 0.5:
            self.requester_says(story)
        self.note(story, agent)
        self.next_step(story, agent)

    def handoff_accepted(self, story: Story) -> None:
        owner = self.worked(story)
        answerer = self.propose(story, owner)
        self.then(story, 10, 6 * HOUR, lambda t, m: accept_handoff(t, by=answerer, now=m))
        self.agent_says(story, answerer)
        self.next_step(story, answerer)

    def handoff_pending(self, story: Story) -> None:
        owner = self.worked(story)
        self.note(story, owner)
        self.propose(story, owner)

    def handoff_declined(self, story: Story) -> None:
        owner = self.worked(story)
        answerer = self.propose(story, owner)
        reason = self.rng.choice(data.HANDOFF_DECLINES)
        self.then(
            story, 10, 6 * HOUR, lambda t, m: decline_handoff(t, by=answerer, reason=reason, now=m)
        )
        self.note(story, owner)

    def reopened(self, story: Story) -> None:
        agent = self.worked(story)
        self.resolve(story, agent)
        self.requester_says(story, data.REOPEN_REPLIES)
        self.move(story, story.requester, "reopen", 1, 10)
        self.note(story, agent)

    def waiting_on_requester(self, story: Story) -> None:
        agent = self.worked(story)
        self.agent_says(story, agent, data.WAIT_REQUESTER_QUESTIONS)
        self.move(story, agent, "wait_on_requester", 1, 5)

    def waiting_on_third_party(self, story: Story) -> None:
        agent = self.worked(story)
        self.note(story, agent)
        reason = self.text(data.THIRD_PARTY_NOTES, story.requester)
        self.move(story, agent, "wait_on_third_party", 10, 2 * HOUR, reason=reason)
        self.next_step(story, agent)

    def resolved(self, story: Story) -> None:
        agent = self.worked(story)
        if self.rng.random() < 0.4:
            self.agent_says(story, agent, data.WAIT_REQUESTER_QUESTIONS)
            self.move(story, agent, "wait_on_requester", 1, 5)
            self.requester_says(story)  # answering puts the ticket back in progress
        self.resolve(story, agent)

    def closed(self, story: Story) -> None:
        agent = self.worked(story, retired_ok=True)
        if self.rng.random() < 0.5:
            self.requester_says(story)
            self.note(story, agent)
        self.resolve(story, agent)
        self.move(story, agent, "close", DAY, 7 * DAY)

    def closed_with_handoff(self, story: Story) -> None:
        owner = self.worked(story)
        answerer = self.propose(story, owner)
        self.then(story, 10, 6 * HOUR, lambda t, m: accept_handoff(t, by=answerer, now=m))
        self.resolve(story, answerer)
        self.move(story, answerer, "close", DAY, 7 * DAY)

    def closed_after_reopening(self, story: Story) -> None:
        agent = self.worked(story)
        self.resolve(story, agent)
        self.requester_says(story, data.REOPEN_REPLIES)
        self.move(story, story.requester, "reopen", 1, 10)
        self.agent_says(story, agent)
        self.resolve(story, agent)
        self.move(story, agent, "close", DAY, 7 * DAY)

    def decline_texts(self, story: Story, template: tuple[Any, ...] | None) -> dict[str, str]:
        english = self.lang(story.requester) == "en"
        if template is not None:
            service = self.demo.services[template[0]]
            if english:
                return {"reason": service.out_of_scope_en, "alternative": service.alternative_en}
            return {"reason": service.out_of_scope_fr, "alternative": service.alternative_fr}
        reason, alternative = self.rng.choice(data.DECLINE_REASONS["en" if english else "fr"])
        return {"reason": reason, "alternative": alternative}

    def out_of_scope_template(self) -> tuple[Any, ...] | None:
        if self.rng.random() < 0.6:
            code, title_fr, body_fr, title_en, body_en = self.rng.choice(
                data.OUT_OF_SCOPE_TEMPLATES
            )
            return (code, None, None, title_fr, body_fr, title_en, body_en)
        return None

    def declined_from_new(self, story: Story) -> None:
        template = self.out_of_scope_template()
        service = self.opening(story, template=template)
        agent = self.pick_agent(story, service)
        self.move(story, agent, "decline", 10, 4 * HOUR, **self.decline_texts(story, template))

    def declined_after_acknowledging(self, story: Story) -> None:
        template = self.out_of_scope_template()
        service = self.opening(story, template=template)
        agent = self.pick_agent(story, service)
        self.ack(story, agent)
        self.move(story, agent, "decline", 10, 4 * HOUR, **self.decline_texts(story, template))

    def cancelled_from_new(self, story: Story) -> None:
        self.opening(story)
        reason = self.text(data.CANCEL_REASONS, story.requester)
        self.move(story, story.requester, "cancel", 10, 3 * HOUR, reason=reason)

    def cancelled_in_progress(self, story: Story) -> None:
        self.worked(story)
        reason = self.text(data.CANCEL_REASONS, story.requester)
        self.move(story, story.requester, "cancel", HOUR, 2 * DAY, reason=reason)

    def contact(self, story: Story, *, resolved: bool) -> User:
        code, title_fr, body_fr, title_en, body_en, fix_fr, fix_en = self.rng.choice(
            data.PHONE_CONTACTS
        )
        english = self.lang(story.requester) == "en"
        service = self.demo.services[code]
        agent = self.pick_agent(story, service)
        channel = self.rng.choice([Channel.PHONE, Channel.COUNTER])
        requester = story.requester

        def step(moment: datetime) -> None:
            story.ticket = log_contact(
                by=agent,
                requester=requester,
                channel=channel,
                title=title_en if english else title_fr,
                description=body_en if english else body_fr,
                service=service,
                resolved_now=resolved,
                resolution=(fix_en if english else fix_fr) if resolved else "",
                now=moment,
            )

        story.steps.append((0.0, step))
        return agent

    def first_contact(self, story: Story) -> None:
        self.contact(story, resolved=True)

    def first_contact_closed(self, story: Story) -> None:
        agent = self.contact(story, resolved=True)
        self.move(story, agent, "close", DAY, 7 * DAY)

    def contact_in_progress(self, story: Story) -> None:
        agent = self.contact(story, resolved=False)
        self.move(story, agent, "start", 5, HOUR)
        self.note(story, agent)
        self.next_step(story, agent)
