from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from allie.catalog.models import FormField
from allie.core.reference_cache import clear_reference_cache
from allie.portal.presenters import next_step
from allie.tickets.models import Attachment, Status, Ticket, TimelineEvent
from allie.tickets.selectors import portal_requests
from allie.tickets.services import acknowledge, open_ticket, propose_handoff, reply, transition
from allie.tickets.services.attachments import from_django_files
from allie.tickets.services.handoffs import accept_handoff
from tests.factories import FormFieldFactory, ServiceFactory
from tests.plans import plan_with_only, uses


def open_for(desk, name="alice", title="Écran noir", **kwargs):
    return open_ticket(requester=desk.person(name), title=title, service=desk.service, **kwargs)


def ticket_url(ticket, name="portal:ticket"):
    return reverse(name, args=[ticket.reference])


def request_data(**extra):
    data = {"title": "Imprimante bloquée", "description": "Rien ne sort.", "urgency": "medium"}
    data["impact"] = "low"
    data.update(extra)
    return data


# --- Pages render -------------------------------------------------------------------------


def test_every_portal_page_renders_for_alice_in_french(desk, client):
    ticket = open_for(desk)
    client.force_login(desk.person("alice"))

    pages = [
        reverse("portal:home"),
        reverse("portal:catalogue"),
        reverse("portal:new_triage"),
        reverse("portal:new", args=["laptop"]),
        ticket_url(ticket),
    ]
    responses = [client.get(url) for url in pages]

    for response in responses:
        assert response.status_code == 200
        assert response["Content-Language"] == "fr-ca"
        assert b'<html lang="fr-ca">' in response.content


def test_the_language_switch_cookie_turns_the_portal_to_english(desk, client, settings):
    client.force_login(desk.person("alice"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(reverse("portal:home"))

    assert response["Content-Language"] == "en"
    assert b"My requests" in response.content


def test_portal_pages_ask_anonymous_visitors_to_sign_in(desk, client):
    ticket = open_for(desk)

    response = client.get(ticket_url(ticket))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


# --- My requests --------------------------------------------------------------------------


def test_home_lists_only_my_own_requests_with_status_and_owner(desk, client):
    mine = open_for(desk, title="Mon écran")
    taken = open_for(desk, title="Mon clavier")
    acknowledge(taken, by=desk.person("agathe"))
    bobs = open_for(desk, name="bob", title="Écran de Bob")
    client.force_login(desk.person("alice"))

    response = client.get(reverse("portal:home"))

    content = response.content.decode()
    assert mine.reference in content
    assert taken.reference in content
    assert bobs.reference not in content
    assert 'class="badge status-new"' in content
    assert 'class="badge status-acknowledged"' in content
    assert "Agathe Tremblay" in content


def test_home_filters_open_closed_and_all(desk, client):
    still_open = open_for(desk, title="Ouverte")
    cancelled = open_for(desk, title="Annulée")
    transition(cancelled, by=desk.person("alice"), command="cancel")
    client.force_login(desk.person("alice"))

    open_page = client.get(reverse("portal:home")).content.decode()
    closed_page = client.get(reverse("portal:home"), {"state": "closed"}).content.decode()
    all_page = client.get(reverse("portal:home"), {"state": "all"}).content.decode()

    assert still_open.reference in open_page
    assert cancelled.reference not in open_page
    assert cancelled.reference in closed_page
    assert still_open.reference not in closed_page
    assert still_open.reference in all_page
    assert cancelled.reference in all_page


def older_link(content):
    """The "Older requests" link's query string, or None."""
    match = re.search(r'<a href="(\?[^"]*&amp;before=[^"]*)">', content)
    return match and match.group(1).replace("&amp;", "&")


def test_home_shows_25_requests_a_page_then_the_older_ones(desk, client):
    for number in range(27):
        open_for(desk, title=f"Demande {number}")
    client.force_login(desk.person("alice"))

    first = client.get(reverse("portal:home")).content.decode()
    second = client.get(reverse("portal:home") + older_link(first)).content.decode()

    assert first.count('class="ticket-row"') == 25
    assert "Demande 26" in first
    assert second.count('class="ticket-row"') == 2
    assert "Demande 0<" in second
    assert "Demande 1<" in second
    assert older_link(second) is None
    assert 'href="?tab=mine&amp;state=open">' in second  # back to the latest requests


def test_paging_loses_no_request_when_many_were_updated_at_the_same_moment(desk, client):
    opened = [open_for(desk, title=f"Demande {number}") for number in range(60)]
    Ticket.objects.filter(pk__in=[t.pk for t in opened[10:50]]).update(updated_at=timezone.now())
    client.force_login(desk.person("alice"))

    seen, query = [], ""
    for _page in range(4):
        content = client.get(reverse("portal:home") + query).content.decode()
        seen += re.findall(r'<tr class="ticket-row">\s*<td><a href="[^"]*">([^<]+)</a>', content)
        query = older_link(content)
        if query is None:
            break

    assert len(seen) == 60
    assert set(seen) == {t.reference for t in opened}


def test_the_organisation_tab_shows_the_newest_activity_first(desk, client):
    older = open_for(desk, title="Ancienne")
    newer = open_for(desk, name="bob", title="Récente")
    reply(older, by=desk.person("alice"), body="Toujours en panne.")
    client.force_login(desk.person("carole"))

    content = client.get(reverse("portal:home"), {"tab": "organisation"}).content.decode()

    assert content.index(older.reference) < content.index(newer.reference)


@pytest.mark.parametrize("cursor", ["garbage", "12_", "_3", "9" * 40 + "_1"])
def test_a_malformed_cursor_shows_the_latest_requests(desk, client, cursor):
    ticket = open_for(desk)
    client.force_login(desk.person("alice"))

    response = client.get(reverse("portal:home"), {"before": cursor})

    assert response.status_code == 200
    assert ticket.reference in response.content.decode()


def test_a_cursor_past_the_oldest_request_says_so_and_leads_back(desk, client):
    open_for(desk)
    client.force_login(desk.person("alice"))

    response = client.get(reverse("portal:home"), {"before": "0_1"})

    content = response.content.decode()
    assert 'class="ticket-row"' not in content
    assert "Aucune demande plus ancienne." in content
    assert 'href="?tab=mine&amp;state=open">' in content


def test_home_answers_htmx_with_the_list_only(desk, client):
    ticket = open_for(desk)
    client.force_login(desk.person("alice"))

    response = client.get(reverse("portal:home"), {"state": "all"}, headers={"HX-Request": "true"})

    content = response.content.decode()
    assert content.lstrip().startswith('<div id="ticket-list">')
    assert ticket.reference in content
    assert "<html" not in content


def test_the_organisation_contact_sees_colleagues_requests_in_the_organisation_tab(desk, client):
    alices = open_for(desk)
    client.force_login(desk.person("carole"))

    mine = client.get(reverse("portal:home"))
    organisation = client.get(reverse("portal:home"), {"tab": "organisation"})

    assert alices.reference not in mine.content.decode()
    assert 'href="?tab=organisation' in mine.content.decode()
    assert alices.reference in organisation.content.decode()
    assert "Alice Bouchard" in organisation.content.decode()


def test_a_plain_requester_has_no_organisation_tab(desk, client):
    alices = open_for(desk)
    client.force_login(desk.person("bob"))

    response = client.get(reverse("portal:home"), {"tab": "organisation"})

    content = response.content.decode()
    assert alices.reference not in content
    assert 'class="tabs"' not in content


@pytest.mark.parametrize("rows", [5, 50])
def test_home_runs_a_fixed_number_of_queries(desk, client, django_assert_num_queries, rows):
    for number in range(rows):
        ticket = open_for(desk, title=f"Demande {number}")
        if number % 2:
            acknowledge(ticket, by=desk.person("agathe"))
    client.force_login(desk.person("alice"))

    # session, user, roles, the page of tickets with owner and requester (no count)
    with django_assert_num_queries(4):
        response = client.get(reverse("portal:home"), {"state": "all"})

    assert response.status_code == 200


@pytest.mark.parametrize("state", ["all", "closed"])
def test_the_organisation_tab_runs_a_fixed_number_of_queries_on_older_pages(
    desk, client, django_assert_num_queries, state
):
    for number in range(60):
        ticket = open_for(desk, name=("alice", "bob")[number % 2], title=f"Demande {number}")
        transition(ticket, by=ticket.requester, command="cancel")
    client.force_login(desk.person("carole"))
    first = client.get(reverse("portal:home"), {"tab": "organisation", "state": state})
    older = reverse("portal:home") + older_link(first.content.decode())

    # session, user, roles, the page of tickets with owner and requester (no count)
    with django_assert_num_queries(4):
        response = client.get(older)

    assert response.content.decode().count('class="ticket-row"') == 25


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index is PostgreSQL's")
@pytest.mark.parametrize("state", ["all", "closed"])
@pytest.mark.parametrize("older", [False, True])
def test_the_organisation_tab_reads_its_page_in_order_from_its_index(desk, state, older):
    """The page is the first 26 entries of `ticket_org_activity` from the cursor on, not a
    sort of all the organisation's requests (docs/indexes.md): with sorting forbidden, the
    plan must still have no Sort."""
    open_for(desk)
    tickets = portal_requests(desk.person("carole"), tab="organisation", state=state)
    if older:
        tickets = tickets.filter(updated_at__lte=timezone.now()).filter(
            Q(updated_at__lt=timezone.now()) | Q(pk__lt=10)
        )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")

    plan = plan_with_only(tickets[:26], "ticket_org_activity")

    assert uses(plan, "ticket_org_activity"), plan
    assert "Sort" not in plan, plan


# --- Catalogue ----------------------------------------------------------------------------


def test_catalogue_shows_active_services_and_their_limits(desk, client):
    ServiceFactory(
        code="phone",
        name_fr="Téléphonie",
        in_scope_fr="Les postes fixes",
        out_of_scope_fr="Les cellulaires personnels",
        alternative_fr="Votre fournisseur",
        owner_team=desk.support,
    )
    ServiceFactory(code="fax", name_fr="Télécopie", is_active=False, owner_team=desk.support)
    client.force_login(desk.person("alice"))

    response = client.get(reverse("portal:catalogue"))

    content = response.content.decode()
    assert "Portable" in content
    assert "Téléphonie" in content
    assert "Les postes fixes" in content
    assert 'class="out-of-scope"' in content
    assert "Les cellulaires personnels" in content
    assert "Votre fournisseur" in content
    assert "Télécopie" not in content
    assert reverse("portal:new", args=["phone"]) in content
    assert reverse("portal:new_triage") in content


# --- New request --------------------------------------------------------------------------


def test_a_retired_or_unknown_service_answers_404(desk, client):
    ServiceFactory(code="fax", is_active=False, owner_team=desk.support)
    client.force_login(desk.person("alice"))

    retired = client.get(reverse("portal:new", args=["fax"]))
    unknown = client.get(reverse("portal:new", args=["nothing"]))
    posted = client.post(reverse("portal:new", args=["fax"]), request_data())

    assert retired.status_code == 404
    assert unknown.status_code == 404
    assert posted.status_code == 404
    assert Ticket.objects.count() == 0


def test_the_form_shows_the_service_questions_and_what_is_not_covered(desk, client):
    service = ServiceFactory(
        code="access",
        out_of_scope_fr="Les accès bancaires",
        alternative_fr="La trésorerie",
        owner_team=desk.support,
    )
    FormFieldFactory(service=service, key="system", label_fr="Système", required=True)
    FormFieldFactory(
        service=service,
        key="level",
        label_fr="Niveau",
        field_type=FormField.FieldType.CHOICE,
        choices="read | Lecture | Read\nwrite | Écriture | Write",
    )
    FormFieldFactory(
        service=service, key="start", label_fr="Début", field_type=FormField.FieldType.DATE
    )
    client.force_login(desk.person("alice"))

    response = client.get(reverse("portal:new", args=["access"]))

    content = response.content.decode()
    assert "Les accès bancaires" in content
    assert "La trésorerie" in content
    assert 'name="answer_system"' in content
    assert "Système" in content
    assert "Écriture" in content
    assert 'type="date" name="answer_start"' in content
    assert 'type="file" name="attachments" multiple' in content


def test_a_missing_required_question_shows_the_error_and_saves_nothing(desk, client):
    FormFieldFactory(service=desk.service, key="model", label_fr="Modèle", required=True)
    client.force_login(desk.person("alice"))

    response = client.post(reverse("portal:new", args=["laptop"]), request_data())

    assert response.status_code == 200
    assert response.context["form"].errors["answer_model"]
    assert 'class="errorlist' in response.content.decode()
    assert Ticket.objects.count() == 0


def test_a_request_through_the_catalogue_opens_a_ticket_with_the_answers(desk, client):
    FormFieldFactory(service=desk.service, key="model", label_fr="Modèle", required=True)
    FormFieldFactory(
        service=desk.service,
        key="needed_by",
        label_fr="Pour quand",
        field_type=FormField.FieldType.DATE,
    )
    FormFieldFactory(
        service=desk.service, key="count", label_fr="Combien", field_type=FormField.FieldType.NUMBER
    )
    FormFieldFactory(
        service=desk.service,
        key="receipt",
        label_fr="Facture",
        field_type=FormField.FieldType.FILE,
    )
    client.force_login(desk.person("alice"))
    data = request_data(
        urgency="high",
        impact="medium",
        answer_model="ThinkPad T14",
        answer_needed_by="2031-05-04",
        answer_count="2.5",
        answer_receipt=SimpleUploadedFile("facture.pdf", b"%PDF-1.4", "application/pdf"),
        attachments=[SimpleUploadedFile("photo.png", b"png-bytes", "image/png")],
    )

    response = client.post(reverse("portal:new", args=["laptop"]), data)

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == ticket_url(ticket)
    assert ticket.service == desk.service
    assert ticket.channel == "portal"
    assert ticket.requester == desk.alice
    assert (ticket.urgency, ticket.impact) == ("high", "medium")
    assert ticket.form_answers == {
        "model": "ThinkPad T14",
        "needed_by": "2031-05-04",
        "count": "2.5",
        "receipt": "facture.pdf",
    }
    names = set(ticket.attachments.values_list("original_name", flat=True))
    assert names == {"photo.png", "facture.pdf"}


def test_the_ticket_page_shows_the_answers_with_their_labels(desk, client):
    FormFieldFactory(
        service=desk.service,
        key="level",
        label_fr="Niveau",
        field_type=FormField.FieldType.CHOICE,
        choices="read | Lecture | Read",
    )
    ticket = open_for(desk, form_answers={"level": "read"})
    client.force_login(desk.person("alice"))

    response = client.get(ticket_url(ticket))

    assert "<dt>Niveau</dt><dd>Lecture</dd>" in response.content.decode()


def test_a_triage_request_opens_a_ticket_without_a_service(desk, client):
    client.force_login(desk.person("alice"))

    response = client.post(reverse("portal:new_triage"), request_data())

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert ticket.service is None
    assert ticket.title == "Imprimante bloquée"
    assert ticket.events.get().kind == TimelineEvent.Kind.OPENED
    follow = client.get(response["Location"])
    assert ticket.reference in follow.content.decode()


def test_a_blank_title_is_refused_on_its_field(desk, client):
    client.force_login(desk.person("alice"))

    response = client.post(reverse("portal:new_triage"), request_data(title="   "))

    assert response.status_code == 200
    assert response.context["form"].errors["title"]
    assert Ticket.objects.count() == 0


def test_a_too_large_attachment_is_refused_and_nothing_is_saved(desk, client, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    client.force_login(desk.person("alice"))
    upload = SimpleUploadedFile("gros.pdf", b"x" * 11, "application/pdf")

    response = client.post(reverse("portal:new_triage"), request_data(attachments=[upload]))

    assert response.status_code == 200
    assert "gros.pdf" in str(response.context["form"].errors["attachments"])
    assert Ticket.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_a_forbidden_file_type_is_refused(desk, client):
    client.force_login(desk.person("alice"))
    upload = SimpleUploadedFile("outil.exe", b"MZ", "application/octet-stream")

    response = client.post(reverse("portal:new_triage"), request_data(attachments=[upload]))

    assert response.status_code == 200
    assert "exe" in str(response.context["form"].errors["attachments"])
    assert Ticket.objects.count() == 0


def test_a_forbidden_file_in_a_service_question_is_refused_on_that_question(desk, client):
    FormFieldFactory(service=desk.service, key="receipt", label_fr="Facture", field_type="file")
    client.force_login(desk.person("alice"))
    upload = SimpleUploadedFile("facture.bat", b"echo", "text/plain")

    response = client.post(
        reverse("portal:new", args=["laptop"]), request_data(answer_receipt=upload)
    )

    assert response.status_code == 200
    assert response.context["form"].errors["answer_receipt"]
    assert Ticket.objects.count() == 0


# --- One request --------------------------------------------------------------------------


def test_the_ticket_page_says_who_handles_it_and_what_comes_next(desk, client):
    ticket = open_for(desk)
    client.force_login(desk.person("alice"))

    before = client.get(ticket_url(ticket)).content.decode()
    acknowledge(ticket, by=desk.person("agathe"))
    transition(ticket, by=desk.person("agathe"), command="wait_on_requester")
    after = client.get(ticket_url(ticket)).content.decode()

    assert 'class="badge status-new"' in before
    assert "Agathe Tremblay" not in before
    assert 'class="badge status-waiting_on_requester"' in after
    assert "Agathe Tremblay" in after.split('class="owner"')[1].split("</p>")[0]


def test_the_next_step_follows_the_status_in_plain_words(desk):
    ticket = open_for(desk)
    new_text = next_step(ticket, reopen_window_days=7)
    acknowledge(ticket, by=desk.person("agathe"))
    transition(ticket, by=desk.person("agathe"), command="resolve")
    resolved_text = next_step(ticket, reopen_window_days=9)

    assert new_text != resolved_text
    assert "9" in resolved_text


def test_the_timeline_tells_the_story_in_sentences_without_internal_notes(desk, client):
    ticket = open_for(desk)
    acknowledge(ticket, by=desk.person("agathe"))
    reply(ticket, by=desk.person("agathe"), body="Note secrète", public=False)
    reply(ticket, by=desk.person("agathe"), body="Bonjour Alice, je regarde.")
    propose_handoff(ticket, by=desk.person("agathe"), to_person=desk.bruno, reason="Expert")
    accept_handoff(ticket, by=desk.person("bruno"))
    client.force_login(desk.person("alice"))

    response = client.get(ticket_url(ticket))

    content = response.content.decode()
    entries = response.context["timeline"]
    assert [entry.kind for entry in entries] == [
        "opened",
        "status_change",
        "public_reply",
        "owner_change",
    ]
    assert "Agathe Tremblay" in entries[1].sentence
    assert "Bruno Gagnon" in entries[3].sentence
    assert "Bonjour Alice, je regarde." in content
    assert "Note secrète" not in content
    assert "Expert" not in content


def test_the_page_escapes_what_people_wrote(desk, client):
    ticket = open_for(desk, title="<script>alert(1)</script>")
    reply(ticket, by=desk.person("alice"), body="<img src=x onerror=alert(2)>")
    client.force_login(desk.person("alice"))

    response = client.get(ticket_url(ticket))

    content = response.content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "<img src=x" not in content
    assert "&lt;img src=x onerror=alert(2)&gt;" in content


def test_a_declined_request_shows_the_reason_and_where_to_go(desk, client):
    ticket = open_for(desk)
    transition(
        ticket,
        by=desk.person("agathe"),
        command="decline",
        reason="Hors de notre mandat",
        alternative="Appelez la paie",
    )
    client.force_login(desk.person("alice"))

    response = client.get(ticket_url(ticket))

    content = response.content.decode()
    assert "Hors de notre mandat" in content
    assert "Appelez la paie" in content
    assert 'action="' + ticket_url(ticket, "portal:reply") not in content


def test_an_outsider_gets_404_on_the_page_and_every_action(desk, client):
    ticket = open_for(desk)
    client.force_login(desk.person("oscar"))

    page = client.get(ticket_url(ticket))
    replied = client.post(ticket_url(ticket, "portal:reply"), {"body": "Coucou"})
    cancelled = client.post(ticket_url(ticket, "portal:cancel"))
    reopened = client.post(ticket_url(ticket, "portal:reopen"), {"reason": "Encore"})

    assert [page.status_code, replied.status_code] == [404, 404]
    assert [cancelled.status_code, reopened.status_code] == [404, 404]
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW
    assert ticket.events.count() == 1


def test_actions_refuse_get(desk, client):
    ticket = open_for(desk)
    client.force_login(desk.person("alice"))

    response = client.get(ticket_url(ticket, "portal:cancel"))

    assert response.status_code == 405
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_alice_replies_with_a_file_and_is_redirected(desk, client):
    ticket = open_for(desk)
    client.force_login(desk.person("alice"))
    upload = SimpleUploadedFile("capture.png", b"png-bytes", "image/png")

    response = client.post(
        ticket_url(ticket, "portal:reply"), {"body": "Voici la capture", "attachments": [upload]}
    )

    assert response.status_code == 302
    assert response["Location"] == ticket_url(ticket)
    event = ticket.events.get(kind=TimelineEvent.Kind.PUBLIC_REPLY)
    assert event.body == "Voici la capture"
    assert event.actor == desk.alice
    assert event.attachments.get().original_name == "capture.png"
    page = client.get(ticket_url(ticket)).content.decode()
    attachment = Attachment.objects.get()
    assert reverse("tickets:attachment", args=[attachment.pk]) in page


def test_a_reply_through_htmx_returns_the_conversation(desk, client):
    ticket = open_for(desk)
    client.force_login(desk.person("alice"))

    response = client.post(
        ticket_url(ticket, "portal:reply"), {"body": "Merci"}, headers={"HX-Request": "true"}
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<section id="conversation"')
    assert "Merci" in content
    assert "<html" not in content


def test_an_empty_reply_shows_an_error_and_saves_nothing(desk, client):
    ticket = open_for(desk)
    client.force_login(desk.person("alice"))

    response = client.post(
        ticket_url(ticket, "portal:reply"), {"body": "  "}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert ticket.events.count() == 1


def test_a_reply_while_we_wait_puts_the_request_back_in_progress(desk, client):
    ticket = open_for(desk)
    acknowledge(ticket, by=desk.person("agathe"))
    transition(ticket, by=desk.person("agathe"), command="wait_on_requester")
    client.force_login(desk.person("alice"))

    client.post(ticket_url(ticket, "portal:reply"), {"body": "Voici la réponse"})

    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_alice_cancels_her_request(desk, client):
    ticket = open_for(desk)
    client.force_login(desk.person("alice"))
    page = client.get(ticket_url(ticket)).content.decode()

    response = client.post(ticket_url(ticket, "portal:cancel"))

    assert 'action="' + ticket_url(ticket, "portal:cancel") in page
    assert "data-confirm=" in page
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.CANCELLED
    after = client.get(ticket_url(ticket)).content.decode()
    assert 'action="' + ticket_url(ticket, "portal:cancel") not in after


def test_cancelling_a_resolved_request_is_refused_with_a_message(desk, client):
    ticket = open_for(desk)
    acknowledge(ticket, by=desk.person("agathe"))
    transition(ticket, by=desk.person("agathe"), command="resolve")
    client.force_login(desk.person("alice"))

    response = client.post(ticket_url(ticket, "portal:cancel"), follow=True)

    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert 'class="message error"' in response.content.decode()


def test_alice_reopens_a_resolved_request_within_the_window(desk, client):
    ticket = open_for(desk)
    acknowledge(ticket, by=desk.person("agathe"))
    transition(ticket, by=desk.person("agathe"), command="resolve")
    client.force_login(desk.person("alice"))
    page = client.get(ticket_url(ticket)).content.decode()

    response = client.post(ticket_url(ticket, "portal:reopen"), {"reason": "Toujours noir"})

    assert 'action="' + ticket_url(ticket, "portal:reopen") in page
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.reopen_count == 1
    event = ticket.events.filter(kind=TimelineEvent.Kind.STATUS_CHANGE).last()
    assert event.data["command"] == "reopen"
    assert event.body == "Toujours noir"


def test_reopening_needs_a_reason(desk, client):
    ticket = open_for(desk)
    acknowledge(ticket, by=desk.person("agathe"))
    transition(ticket, by=desk.person("agathe"), command="resolve")
    client.force_login(desk.person("alice"))

    response = client.post(ticket_url(ticket, "portal:reopen"), {"reason": ""})

    assert response.status_code == 200
    assert response.context["reopen_form"].errors["reason"]
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_reopening_after_the_window_is_refused(desk, client):
    ticket = open_for(desk)
    long_ago = timezone.now() - timedelta(days=30)
    acknowledge(ticket, by=desk.person("agathe"), now=long_ago)
    transition(ticket, by=desk.person("agathe"), command="resolve", now=long_ago)
    client.force_login(desk.person("alice"))

    page = client.get(ticket_url(ticket)).content.decode()
    response = client.post(ticket_url(ticket, "portal:reopen"), {"reason": "Encore"}, follow=True)

    assert 'action="' + ticket_url(ticket, "portal:reopen") not in page
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert 'class="message error"' in response.content.decode()


@pytest.mark.parametrize("replies", [5, 50])
def test_the_ticket_page_runs_a_fixed_number_of_queries(
    desk, client, django_assert_num_queries, replies
):
    FormFieldFactory(service=desk.service, key="model", label_fr="Modèle")
    ticket = open_for(desk, form_answers={"model": "T14"})
    acknowledge(ticket, by=desk.person("agathe"))
    for number in range(replies):
        author = "alice" if number % 2 else "agathe"
        upload = SimpleUploadedFile(f"f{number}.txt", b"data", "text/plain")
        reply(
            ticket,
            by=desk.person(author),
            body=f"Message {number}",
            files=from_django_files([upload]),
        )
    propose_handoff(ticket, by=desk.person("agathe"), to_person=desk.bruno, reason="Relève")
    accept_handoff(ticket, by=desk.person("bruno"))
    client.force_login(desk.person("alice"))
    clear_reference_cache()  # the settings read cold (then cached in-process for a minute)

    # session, user, roles, ticket, settings (once: the actions reuse the process's copy),
    # form fields, pending handoff, events, their files, new owners, the files list
    # (+1: the next-update promise, from the ticket's SLA; +1: the ticket's escalations;
    # +1: the ticket's open public commitments)
    with django_assert_num_queries(11 + 1 + 1 + 1):
        response = client.get(ticket_url(ticket))

    assert response.status_code == 200
    assert len(response.context["timeline"]) == replies + 3
