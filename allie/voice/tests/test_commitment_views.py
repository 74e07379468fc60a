"""The commitments panels, actions and figures page through the HTTP client."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from allie.tickets.services import open_ticket
from allie.voice.models import Commitment
from allie.voice.services import make_commitment, mark_kept
from tests.factories import AgentFactory

MONTREAL = ZoneInfo("America/Toronto")
FIGURES = reverse("voice:commitments")


@pytest.fixture(autouse=True)
def mid_morning(time_machine):
    # Promises fall due hours from now: at 23:30 they would fall past the default period.
    time_machine.move_to(datetime(2026, 3, 11, 10, 0, tzinfo=MONTREAL))


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def live_ticket(desk):
    return open_ticket(requester=desk.person("alice"), title="Imprimante", service=desk.service)


def promise(desk, ticket, *, what="Rappel avant 15 h", hours=26, public=False, by="agathe"):
    return make_commitment(
        by=desk.person(by),
        ticket=ticket,
        what=what,
        due_at=timezone.now() + timedelta(hours=hours),
        is_public=public,
    )


def local(moment):
    return moment.astimezone(MONTREAL).strftime("%Y-%m-%dT%H:%M")


def page(ticket, app="workspace"):
    return reverse(f"{app}:ticket", args=[ticket.reference])


def test_the_agent_sees_the_open_commitments_with_a_countdown(client, english, desk, live_ticket):
    promise(desk, live_ticket)
    client.force_login(desk.person("agathe"))

    response = client.get(page(live_ticket))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Commitments" in content
    assert "Rappel avant 15 h" in content
    assert "in 1\xa0day" in content
    assert "Record a commitment" in content
    assert reverse("voice:commitment_settle", args=[live_ticket.reference]) in content


def test_an_agent_records_a_commitment_due_in_their_time_zone(client, desk, live_ticket):
    due = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    client.force_login(desk.person("agathe"))

    response = client.post(
        reverse("voice:commitment_add", args=[live_ticket.reference]),
        {"what": "Le correctif est déployé vendredi", "due_at": local(due), "is_public": "on"},
    )

    assert response.status_code == 302
    assert response["Location"] == page(live_ticket)
    commitment = Commitment.objects.get()
    assert commitment.due_at == due
    assert commitment.is_public is True
    assert commitment.to_person == desk.alice
    assert commitment.made_by == desk.agathe


def test_a_commitment_without_a_due_time_is_refused_with_a_message(
    client, english, desk, live_ticket
):
    client.force_login(desk.person("agathe"))

    response = client.post(
        reverse("voice:commitment_add", args=[live_ticket.reference]),
        {"what": "Rappel", "due_at": ""},
        follow=True,
    )

    assert "Please give the date and time by which you promise it." in response.content.decode()
    assert not Commitment.objects.exists()


def test_a_commitment_due_in_the_past_is_refused_with_a_message(client, english, desk, live_ticket):
    client.force_login(desk.person("agathe"))
    past = timezone.now() - timedelta(hours=2)

    response = client.post(
        reverse("voice:commitment_add", args=[live_ticket.reference]),
        {"what": "Rappel", "due_at": local(past)},
        follow=True,
    )

    assert "The due time must be in the future." in response.content.decode()
    assert not Commitment.objects.exists()


def test_an_agent_marks_a_commitment_kept(client, desk, live_ticket):
    commitment = promise(desk, live_ticket)
    client.force_login(desk.person("bruno"))

    response = client.post(
        reverse("voice:commitment_settle", args=[live_ticket.reference]),
        {"commitment": commitment.pk, "action": "kept"},
    )

    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.state == Commitment.State.KEPT
    assert commitment.settled_by == desk.bruno


def test_an_agent_renegotiates_only_with_the_client_told(client, english, desk, live_ticket):
    commitment = promise(desk, live_ticket)
    client.force_login(desk.person("agathe"))
    settle = reverse("voice:commitment_settle", args=[live_ticket.reference])
    new_due = local(timezone.now() + timedelta(days=3))

    untold = client.post(
        settle,
        {"commitment": commitment.pk, "action": "renegotiate", "new_due_at": new_due},
        follow=True,
    )
    told = client.post(
        settle,
        {
            "commitment": commitment.pk,
            "action": "renegotiate",
            "new_due_at": new_due,
            "client_told": "on",
        },
    )

    assert "Tell the client about the new due time" in untold.content.decode()
    assert told.status_code == 302
    commitment.refresh_from_db()
    assert commitment.state == Commitment.State.RENEGOTIATED
    assert commitment.renegotiations.get().state == Commitment.State.OPEN


def test_settling_a_commitment_of_another_ticket_is_not_found(client, desk, live_ticket):
    other = open_ticket(requester=desk.person("bob"), title="Autre", service=desk.service)
    commitment = promise(desk, other)
    client.force_login(desk.person("agathe"))

    response = client.post(
        reverse("voice:commitment_settle", args=[live_ticket.reference]),
        {"commitment": commitment.pk, "action": "broken"},
    )

    assert response.status_code == 404
    assert Commitment.objects.get().state == Commitment.State.OPEN


@pytest.mark.parametrize("name", ["chloe", "alice", "oscar"])
def test_people_who_do_not_work_on_the_ticket_get_a_404(client, desk, live_ticket, name):
    commitment = promise(desk, live_ticket)
    client.force_login(desk.person(name))
    due = local(timezone.now() + timedelta(days=1))

    added = client.post(
        reverse("voice:commitment_add", args=[live_ticket.reference]),
        {"what": "x", "due_at": due},
    )
    settled = client.post(
        reverse("voice:commitment_settle", args=[live_ticket.reference]),
        {"commitment": commitment.pk, "action": "kept"},
    )

    assert added.status_code == settled.status_code == 404
    assert Commitment.objects.get().state == Commitment.State.OPEN


def test_the_requester_sees_only_the_public_open_commitments(client, english, desk, live_ticket):
    promise(desk, live_ticket, what="Remplacer le toner", public=True)
    promise(desk, live_ticket, what="Vérifier la garantie en secret", public=False)
    done = promise(desk, live_ticket, what="Appeler le fournisseur", public=True)
    mark_kept(done, by=desk.person("agathe"))
    client.force_login(desk.person("alice"))

    response = client.get(page(live_ticket, "portal"))

    content = response.content.decode()
    panel = content.split('class="commitment-list"', 1)[1].split("</ul>", 1)[0]
    assert response.status_code == 200
    assert "We promised: Remplacer le toner by" in panel
    assert "Vérifier la garantie" not in content  # private: neither in the panel nor the history
    assert "Appeler le fournisseur" not in panel  # kept: only in the history
    assert "Appeler le fournisseur" in content


def test_another_organisations_requester_gets_a_404_on_the_ticket(client, desk, live_ticket):
    promise(desk, live_ticket, public=True)
    client.force_login(desk.person("oscar"))

    assert client.get(page(live_ticket, "portal")).status_code == 404


# --- The figures page -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["lea", "admin"])
def test_leads_and_administrators_see_the_figures(client, english, desk, live_ticket, name):
    mark_kept(promise(desk, live_ticket, hours=1), by=desk.person("agathe"))
    client.force_login(desk.person(name))

    response = client.get(FIGURES, {"by": "agent"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "Agathe Tremblay" in content
    assert "100&nbsp;%" in content


@pytest.mark.parametrize("name", ["agathe", "alice", "oscar"])
def test_agents_and_requesters_get_a_404_on_the_figures(client, desk, name):
    client.force_login(desk.person(name))

    assert client.get(FIGURES).status_code == 404


def test_a_bad_period_is_refused_with_a_message(client, english, desk):
    client.force_login(desk.person("lea"))

    response = client.get(FIGURES, {"start": "2026-03-10", "end": "2026-03-01"})

    assert response.status_code == 400
    assert "The start of the period must come before its end." in response.content.decode()


def test_the_csv_export_neutralises_formulas(client, desk, live_ticket):
    trickster = AgentFactory(email="eve@desk.test", full_name='=HYPERLINK("http://x")')
    desk.support.members.add(trickster)
    mark_kept(promise(desk, live_ticket, hours=1, by="agathe"), by=desk.person("agathe"))
    made = make_commitment(
        by=trickster,
        ticket=live_ticket,
        what="x",
        due_at=timezone.now() + timedelta(hours=1),
    )
    mark_kept(made, by=trickster)
    client.force_login(desk.person("admin"))

    response = client.get(FIGURES, {"by": "agent", "format": "csv"})

    assert response["Content-Type"].startswith("text/csv")
    assert response["X-Content-Type-Options"] == "nosniff"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    names = [row[0] for row in rows[1:]]
    assert names == ['\'=HYPERLINK("http://x")', "Agathe Tremblay"]
    assert rows[1][1:] == ["1", "0", "0", "100"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


@pytest.mark.parametrize("agents", [5, 50])
def test_the_figures_page_runs_a_fixed_number_of_queries(
    client, desk, live_ticket, django_assert_num_queries, agents
):
    for number in range(agents):
        agent = AgentFactory(email=f"agent{number}@desk.test", full_name=f"Agent {number:02}")
        desk.support.members.add(agent)
        made = make_commitment(
            by=agent, ticket=live_ticket, what="x", due_at=timezone.now() + timedelta(hours=1)
        )
        mark_kept(made, by=agent)
    client.force_login(desk.person("lea"))

    # session, user, roles, served organisations, the figures
    with django_assert_num_queries(5):
        response = client.get(FIGURES, {"by": "agent"})

    assert len(response.context["rows"]) == agents


def test_to_whom_offers_the_clients_contacts_and_sponsor_never_everyone(desk, live_ticket):
    from allie.voice.forms import CommitmentForm
    from tests.factories import UserFactory

    organisation = live_ticket.organisation
    sponsor = UserFactory(email="parrain@client.test", organisation=None)
    organisation.executive_sponsor = sponsor
    organisation.save()
    colleague = UserFactory(organisation=organisation, is_organisation_contact=False)
    contact = UserFactory(organisation=organisation, is_organisation_contact=True)

    choices = set(CommitmentForm(ticket=live_ticket).fields["promised_to"].queryset)

    assert {sponsor, contact} <= choices
    assert colleague not in choices  # a large client has thousands of people
    assert live_ticket.requester not in choices  # the empty choice stands for them
    assert all(person.is_organisation_contact or person == sponsor for person in choices)
