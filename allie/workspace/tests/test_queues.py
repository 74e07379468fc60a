from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from allie.core import pagination
from allie.core.reference_cache import clear_reference_cache
from allie.sla.calendars import clear_calendar_cache
from allie.tickets.models import DeskSettings
from allie.tickets.selectors import QUEUE_NAMES
from allie.tickets.services import acknowledge, propose_handoff, transition
from tests.factories import ServiceFactory, UserFactory


def queue_url(name, **params):
    url = reverse("workspace:queue_named", args=[name])
    if params:
        from urllib.parse import urlencode

        url += "?" + urlencode(params)
    return url


def references_in(response):
    """Return the references listed in the queue table, in order."""
    return [row.reference for row in response.context["page"].object_list]


@pytest.fixture
def queues(desk, open_for):
    """One ticket typical of each queue, seen from agathe."""
    agathe, bruno = desk.person("agathe"), desk.person("bruno")
    long_ago = timezone.now() - timedelta(hours=3)
    mine = open_for("Mon portable", now=long_ago)
    acknowledge(mine, by=agathe)
    teams = open_for("Écran de l'équipe")
    acknowledged_by_bruno = open_for("Pris par Bruno")
    acknowledge(acknowledged_by_bruno, by=bruno)
    ownerless = open_for("Personne ne s'en occupe", now=long_ago)
    waiting = open_for("En attente d'Alice")
    acknowledge(waiting, by=agathe)
    transition(waiting, by=agathe, command="wait_on_requester")
    handed = open_for("Relève proposée")
    acknowledge(handed, by=bruno)
    propose_handoff(handed, by=bruno, to_person=agathe, reason="Tu connais ce modèle")
    return {
        "mine": mine,
        "teams": teams,
        "needs_owner": ownerless,
        "waiting": waiting,
        "handoffs": handed,
        "at_risk": teams,
        "all": acknowledged_by_bruno,
    }


@pytest.mark.parametrize("name", QUEUE_NAMES)
def test_every_queue_renders_for_an_agent_with_its_typical_ticket(client, desk, queues, name):
    client.force_login(desk.person("agathe"))

    response = client.get(queue_url(name))

    assert response.status_code == 200
    assert queues[name].reference in references_in(response)
    assert f'href="{reverse("workspace:ticket", args=[queues[name].reference])}"' in (
        response.content.decode()
    )
    assert 'aria-current="page"' in response.content.decode()


def test_the_desk_home_is_the_mine_queue(client, desk, queues):
    client.force_login(desk.person("agathe"))

    response = client.get(reverse("workspace:queue"))

    assert response.status_code == 200
    assert set(references_in(response)) == {queues["mine"].reference, queues["waiting"].reference}


def test_needs_owner_lists_only_new_ownerless_tickets_older_than_the_threshold(
    client, desk, open_for
):
    DeskSettings.objects.update_or_create(pk=1, defaults={"needs_owner_after_minutes": 30})
    now = timezone.now()
    old = open_for("Vieux", now=now - timedelta(minutes=45))
    recent = open_for("Récent", now=now - timedelta(minutes=10))
    old_but_owned = open_for("Vieux mais pris", now=now - timedelta(minutes=45))
    acknowledge(old_but_owned, by=desk.person("bruno"))
    client.force_login(desk.person("agathe"))

    response = client.get(queue_url("needs_owner"))

    assert references_in(response) == [old.reference]
    assert recent.reference not in response.content.decode()


def test_an_unknown_queue_is_not_found(client, desk):
    client.force_login(desk.person("agathe"))

    response = client.get(queue_url("everything-everywhere"))

    assert response.status_code == 404


def test_filters_narrow_the_queue_by_status_priority_service_organisation_and_text(
    client, desk, open_for
):
    printer = ServiceFactory(code="printer", name_fr="Imprimante", owner_team=desk.support)
    urgent = open_for("Serveur en panne", impact="high", urgency="high")
    printing = open_for("Imprimante bloquée", service=printer)
    acknowledged = open_for("Clavier")
    acknowledge(acknowledged, by=desk.person("agathe"))
    client.force_login(desk.person("agathe"))

    by_status = client.get(queue_url("all", status="acknowledged"))
    by_priority = client.get(queue_url("all", priority="p1"))
    by_service = client.get(queue_url("all", service=printer.pk))
    by_organisation = client.get(queue_url("all", organisation=desk.finances.pk))
    by_word = client.get(queue_url("all", text="bloquée"))
    by_reference = client.get(queue_url("all", text=urgent.reference.lower()))

    assert references_in(by_status) == [acknowledged.reference]
    assert references_in(by_priority) == [urgent.reference]
    assert references_in(by_service) == [printing.reference]
    assert len(references_in(by_organisation)) == 3
    assert references_in(by_word) == [printing.reference]
    assert references_in(by_reference) == [urgent.reference]


@pytest.mark.parametrize("typed", ["écran", "ÉCRAN", "noir", "  Écran Noir "])
def test_the_words_filter_ignores_the_case_of_accented_letters_too(client, desk, open_for, typed):
    # SQLite's LIKE folds ASCII letters only: "écran" missed "Écran noir" on the embedded default.
    screen = open_for("Écran noir")
    open_for("Clavier")
    client.force_login(desk.person("agathe"))

    assert references_in(client.get(queue_url("all", text=typed))) == [screen.reference]


def test_sorting_orders_by_age_priority_and_update(client, desk, open_for):
    now = timezone.now()
    oldest = open_for("Premier", now=now - timedelta(hours=3), impact="low", urgency="low")
    middle = open_for("Deuxième", now=now - timedelta(hours=2), impact="high", urgency="high")
    newest = open_for("Troisième", now=now - timedelta(hours=1), impact="medium", urgency="medium")
    acknowledge(oldest, by=desk.person("agathe"), now=now)  # the oldest one changes last
    client.force_login(desk.person("agathe"))

    newest_first = references_in(client.get(queue_url("all", sort="newest")))
    oldest_first = references_in(client.get(queue_url("all", sort="oldest")))
    by_priority = references_in(client.get(queue_url("all", sort="priority")))
    by_update = references_in(client.get(queue_url("all", sort="updated")))

    assert newest_first == [newest.reference, middle.reference, oldest.reference]
    assert oldest_first == [oldest.reference, middle.reference, newest.reference]
    assert by_priority == [middle.reference, newest.reference, oldest.reference]
    assert by_update[0] == oldest.reference


def test_invalid_filter_values_are_ignored_not_an_error(client, desk, open_for):
    ticket = open_for()
    client.force_login(desk.person("agathe"))

    response = client.get(
        queue_url(
            "all",
            service="abc",
            status="nonsense",
            priority="p9",
            organisation="999999",
            team="x",
            sort="sideways",
            page="many",
        )
    )

    assert response.status_code == 200
    assert references_in(response) == [ticket.reference]


def test_an_agent_filtering_on_an_organisation_they_do_not_serve_gets_nothing_of_it(
    client, desk, open_for
):
    finances_ticket = open_for()
    client.force_login(desk.person("chloe"))

    response = client.get(queue_url("all", organisation=desk.finances.pk))

    assert finances_ticket.reference not in response.content.decode()
    assert ">Finances</option>" not in response.content.decode()


def test_chloe_does_not_see_finances_tickets_in_everything(client, desk, open_for):
    finances_ticket = open_for("Ticket des Finances")
    patient = UserFactory(full_name="Paul Patient", organisation=desk.clinic)
    clinic_ticket = open_for("Ticket de la clinique", requester=patient, service=None)
    client.force_login(desk.person("chloe"))

    response = client.get(queue_url("all"))

    assert references_in(response) == [clinic_ticket.reference]
    assert finances_ticket.reference not in response.content.decode()
    assert "Ticket des Finances" not in response.content.decode()


def test_a_requester_gets_not_found_on_the_desk(client, desk):
    client.force_login(desk.person("alice"))

    assert client.get(reverse("workspace:queue")).status_code == 404
    assert client.get(queue_url("all")).status_code == 404
    assert client.get(reverse("workspace:log_contact")).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client, desk):
    response = client.get(reverse("workspace:queue"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_htmx_requests_get_only_the_results_partial(client, desk, open_for):
    ticket = open_for()
    client.force_login(desk.person("agathe"))

    response = client.get(queue_url("all", text="Écran"), headers={"HX-Request": "true"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert 'id="results"' in content
    assert ticket.reference in content


@pytest.mark.parametrize(
    ("bound", "first_said"),
    [
        (None, ["30 demandes", "Page 1 sur 2"]),
        # A large queue is not counted to its end (allie.core.pagination): past the bound the
        # page says "more than" (counted to its own end at least), and page 2 counts further.
        (20, ["Plus de 25 demandes", "Page 1 sur plusieurs"]),
    ],
)
def test_the_queue_paginates_by_25_and_keeps_the_filters_in_page_links(
    client, desk, open_for, monkeypatch, bound, first_said
):
    if bound is not None:
        monkeypatch.setattr(pagination, "COUNT_BOUND", bound)
    for number in range(30):
        open_for(f"Demande {number}")
    client.force_login(desk.person("agathe"))

    first = client.get(queue_url("all", status="new"))
    second = client.get(queue_url("all", status="new", page=2))

    assert len(references_in(first)) == 25
    assert len(references_in(second)) == 5
    assert set(references_in(first)).isdisjoint(references_in(second))
    assert "?status=new&amp;page=2" in first.content.decode()
    for said in first_said:
        assert said in first.content.decode()
    assert "30 demandes" in second.content.decode()
    assert "Page 2 sur 2" in second.content.decode()


@pytest.mark.parametrize("rows", [5, 50])
def test_the_queue_runs_a_fixed_number_of_queries(
    client, desk, open_for, django_assert_num_queries, rows
):
    agathe = desk.person("agathe")
    for number in range(rows):
        ticket = open_for(f"Demande {number}")
        acknowledge(ticket, by=agathe)
    client.force_login(agathe)

    clear_calendar_cache()  # measure the cold caches: the worst case
    clear_reference_cache()
    with django_assert_num_queries(QUEUE_QUERIES + SLA_CALENDAR_QUERIES):
        response = client.get(queue_url("mine", sort="priority"))

    assert len(references_in(response)) == min(rows, 25)


# session, user, roles, served organisations, desk settings (cold cache), count, rows,
# and the filter form's three choice lists (services, organisations, teams).
QUEUE_QUERIES = 10
# The "Time left" column: business calendars and their exceptions, once per page whatever the
# row count (cold cache, see conftest; none while the cache is warm).
SLA_CALENDAR_QUERIES = 2
