"""The original message page: sanitised HTML, inline images through the attachment view, 404s."""

from __future__ import annotations

import pytest
from django.urls import reverse

from allie.mail.services.intake import receive_message
from allie.mail.tests.test_intake_support import NOW, make_mailbox, raw
from allie.tickets.models import Attachment
from allie.tickets.services import transition

pytestmark = pytest.mark.django_db


def _get(client, person, message):
    if person is not None:
        client.force_login(person)
    return client.get(reverse("mail:original", args=[message.pk]))


def test_an_agent_serving_the_organisation_sees_headers_and_text(client, desk):
    result = receive_message(raw("intake_new_request_fr.eml"), mailbox=make_mailbox(desk))

    response = _get(client, desk.person("agathe"), result.message)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Écran noir au poste 12" in page
    assert "alice@finances.test" in page
    assert "soutien@desk.test" in page
    assert "L’écran du poste 12 reste noir" in page
    assert "diagnostic.bat" in page
    assert reverse("workspace:ticket", args=[result.ticket.reference]) in page


def test_html_is_sanitised_and_inline_images_point_to_the_attachment_view(client, desk):
    mailbox = make_mailbox(desk)
    inline = receive_message(raw("related_inline_image.eml"), mailbox=mailbox, now=NOW)
    hostile = receive_message(raw("intake_empty_subject_html.eml"), mailbox=mailbox, now=NOW)
    agathe = desk.person("agathe")

    inline_page = _get(client, agathe, inline.message).content.decode()
    hostile_page = _get(client, agathe, hostile.message).content.decode()

    image = Attachment.objects.get(ticket=inline.ticket, original_name="image001.png")
    assert f'src="{reverse("tickets:attachment", args=[image.pk])}"' in inline_page
    assert "cid:" not in inline_page
    assert "<script>alert(1)" not in hostile_page
    assert "tracker.example" not in hostile_page
    assert "<b>VPN</b>" in hostile_page


@pytest.mark.parametrize(
    ("person", "status"),
    [("alice", 200), ("carole", 200), ("admin", 200), ("bob", 404), ("chloe", 404)],
)
def test_only_people_who_see_the_ticket_see_its_original(client, desk, person, status):
    result = receive_message(raw("intake_new_request_fr.eml"), mailbox=make_mailbox(desk))

    assert _get(client, desk.person(person), result.message).status_code == status


def test_an_original_kept_as_an_internal_note_is_hidden_from_the_requester(client, desk):
    mailbox = make_mailbox(desk)
    opened = receive_message(raw("intake_new_request_fr.eml"), mailbox=mailbox, now=NOW)
    transition(opened.ticket, by=desk.person("alice"), command="cancel", now=NOW)
    note = receive_message(raw("intake_agent_reply.eml"), mailbox=mailbox, now=NOW)

    assert _get(client, desk.person("alice"), note.message).status_code == 404
    assert _get(client, desk.person("agathe"), note.message).status_code == 200


def test_mail_without_a_ticket_is_shown_to_administrators_only(client, desk):
    ignored = receive_message(raw("bounce_dsn.eml"), mailbox=make_mailbox(desk))

    assert _get(client, desk.person("agathe"), ignored.message).status_code == 404
    assert _get(client, desk.person("admin"), ignored.message).status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client, desk):
    result = receive_message(raw("intake_new_request_fr.eml"), mailbox=make_mailbox(desk))

    response = _get(client, None, result.message)

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_agents_timeline_links_an_emailed_message_to_its_original(client, desk):
    result = receive_message(raw("intake_new_request_fr.eml"), mailbox=make_mailbox(desk))
    client.force_login(desk.person("agathe"))

    page = client.get(reverse("workspace:ticket", args=[result.ticket.reference]))

    assert reverse("mail:original", args=[result.message.pk]) in page.content.decode()
