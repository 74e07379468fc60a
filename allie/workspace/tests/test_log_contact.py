from __future__ import annotations

from django.urls import reverse

from allie.tickets.models import Channel, Status, Ticket, TimelineEvent
from tests.factories import UserFactory


def test_a_call_resolved_during_the_contact_is_resolved_at_first_contact(client, desk):
    client.force_login(desk.person("agathe"))

    response = client.post(
        reverse("workspace:log_contact"),
        {
            "requester": desk.alice.pk,
            "channel": Channel.PHONE,
            "title": "Mot de passe oublié",
            "description": "Alice ne peut plus se connecter",
            "service": desk.service.pk,
            "impact": "low",
            "urgency": "high",
            "resolved_now": "on",
            "resolution": "Mot de passe réinitialisé avec elle au téléphone.",
        },
    )

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:ticket", args=[ticket.reference])
    assert ticket.requester == desk.alice
    assert ticket.channel == Channel.PHONE
    assert ticket.owner == desk.agathe
    assert ticket.status == Status.RESOLVED
    assert ticket.resolved_at_first_contact
    assert ticket.events.filter(
        kind=TimelineEvent.Kind.PUBLIC_REPLY, body__startswith="Mot de passe réinitialisé"
    ).exists()


def test_a_counter_visit_not_resolved_is_acknowledged_and_owned(client, desk):
    client.force_login(desk.person("agathe"))

    response = client.post(
        reverse("workspace:log_contact"),
        {"requester": desk.bob.pk, "channel": Channel.COUNTER, "title": "Écran fissuré"},
        follow=True,
    )

    ticket = Ticket.objects.get()
    assert response.status_code == 200
    assert ticket.status == Status.ACKNOWLEDGED
    assert ticket.owner == desk.agathe
    assert not ticket.resolved_at_first_contact


def test_resolved_during_the_contact_requires_the_resolution(client, desk):
    client.force_login(desk.person("agathe"))

    response = client.post(
        reverse("workspace:log_contact"),
        {
            "requester": desk.alice.pk,
            "channel": Channel.PHONE,
            "title": "Imprimante",
            "resolved_now": "on",
            "resolution": " ",
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors["resolution"]
    assert not Ticket.objects.exists()


def test_the_requester_list_only_offers_served_organisations_grouped(client, desk):
    patient = UserFactory(full_name="Paul Patient", organisation=desk.clinic)
    client.force_login(desk.person("agathe"))

    content = client.get(reverse("workspace:log_contact")).content.decode()
    refused = client.post(
        reverse("workspace:log_contact"),
        {"requester": patient.pk, "channel": Channel.PHONE, "title": "Hors de mon périmètre"},
    )

    assert '<optgroup label="Finances">' in content
    assert desk.alice.full_name in content
    assert patient.full_name not in content
    assert desk.oscar.full_name not in content
    assert refused.status_code == 400
    assert not Ticket.objects.exists()


def test_an_administrator_may_log_a_contact_for_anyone(client, desk):
    client.force_login(desk.person("admin"))

    content = client.get(reverse("workspace:log_contact")).content.decode()

    assert '<optgroup label="Autre">' in content
    assert desk.oscar.full_name in content


def test_the_page_offers_a_bounded_list_and_finds_people_by_name_or_email(client, desk):
    UserFactory.create_batch(60, organisation=desk.finances, full_name="Employé Finances")
    client.force_login(desk.person("agathe"))
    url = reverse("workspace:log_contact")

    first = client.get(url)
    by_name = client.get(url, {"who": "alice bouch"})
    by_accented_name = client.get(url, {"who": "CHLOÉ"})  # not served: found nowhere
    by_email = client.get(url, {"who": "BOB@finances"})

    def offered(response):
        return [int(pk) for pk, _label in response.context["form"].offered_people()]

    assert len(offered(first)) == 50
    assert response_says_more(first)
    assert offered(by_name) == [desk.alice.pk]
    assert offered(by_accented_name) == []
    assert offered(by_email) == [desk.bob.pk]
    assert not response_says_more(by_email)


def test_the_finder_answers_htmx_with_the_choices_only(client, desk):
    client.force_login(desk.person("agathe"))

    response = client.get(
        reverse("workspace:log_contact"), {"who": "alice"}, headers={"HX-Request": "true"}
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert 'id="requester-choices"' in content
    assert desk.alice.full_name in content


def test_a_refused_form_keeps_the_chosen_person_offered(client, desk):
    UserFactory.create_batch(60, organisation=desk.finances, full_name="Zoé Finances")
    late = UserFactory(organisation=desk.finances, full_name="Zacharie Zwicky")
    client.force_login(desk.person("agathe"))

    response = client.post(
        reverse("workspace:log_contact"),
        {"requester": late.pk, "channel": Channel.PHONE, "title": ""},
    )

    assert response.status_code == 400
    assert f'<option value="{late.pk}" selected>' in response.content.decode()


def test_the_page_runs_a_fixed_number_of_queries(client, desk, django_assert_max_num_queries):
    UserFactory.create_batch(80, organisation=desk.finances)
    client.force_login(desk.person("agathe"))
    client.get(reverse("workspace:log_contact"))  # warm the session and caches

    with django_assert_max_num_queries(12):
        client.get(reverse("workspace:log_contact"), {"who": "finances"})


def response_says_more(response) -> bool:
    return response.context["form"].more_people


def test_a_requester_written_in_other_digits_is_a_form_error(client, desk):
    client.force_login(desk.person("agathe"))

    response = client.post(
        reverse("workspace:log_contact"),
        {"requester": "²", "channel": Channel.PHONE, "title": "Chiffre exposant"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["requester"]
