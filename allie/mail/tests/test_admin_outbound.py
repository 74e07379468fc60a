"""Administrators see the outbox, read why a message failed and send it again (real SMTP)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from allie.mail.models import OutboundMessage
from allie.mail.services.sending import send_due_messages
from allie.mail.tests.test_sending import queue
from tests.servers.smtp import Behaviour, running_smtp_server

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:mail_outboundmessage_changelist")


@pytest.fixture
def smtp(settings):
    with running_smtp_server() as server:
        server.configure(settings, timeout=1.0)
        yield server


@pytest.fixture
def admin_client(client, desk):
    person = desk.person("admin")
    person.language = "en"
    person.save(update_fields=["language"])
    client.force_login(person)
    return client


@pytest.fixture
def refused(smtp):
    """A message the server refused for good, and one sent without trouble."""
    now = timezone.now()
    smtp.behave(Behaviour.REFUSE_RECIPIENT)
    failed = queue(1, subject="Refusé", now=now)
    send_due_messages(now=now)
    smtp.behave(Behaviour.ACCEPT)
    sent = queue(2, subject="Envoyé", now=now)
    send_due_messages(now=now)
    smtp.received.clear()
    return OutboundMessage.objects.get(pk=failed.pk), OutboundMessage.objects.get(pk=sent.pk)


def notices(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_an_administrator_sees_failed_messages_with_the_server_answer(admin_client, refused):
    failed, _sent = refused

    response = admin_client.get(CHANGELIST, {"status__exact": "failed"})

    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert rows == [failed]
    assert "550 5.1.1 No such user here" in response.text
    assert notices(response) == [
        "1 message could not be sent: filter by status to read the server’s answer and send "
        "it again."
    ]


def test_the_outbox_lists_newest_first_and_offers_no_add_change_or_delete(admin_client, refused):
    failed, sent = refused
    OutboundMessage.objects.filter(pk=sent.pk).update(
        created_at=failed.created_at + timedelta(seconds=1)
    )

    response = admin_client.get(CHANGELIST)

    assert list(response.context["cl"].result_list) == [
        OutboundMessage.objects.get(pk=sent.pk),
        failed,
    ]
    assert list(response.context["action_form"].fields["action"].choices)[1:] == [
        ("retry", "Send the selected failed messages again")
    ]
    assert not response.context["has_add_permission"]
    page = admin_client.get(reverse("admin:mail_outboundmessage_change", args=[failed.pk]))
    assert page.status_code == 200
    assert b'name="subject"' not in page.content  # read-only: shown, not editable
    post = admin_client.post(
        reverse("admin:mail_outboundmessage_change", args=[failed.pk]), {"subject": "Changé"}
    )
    assert post.status_code == 403
    assert OutboundMessage.objects.get(pk=failed.pk).subject == "Refusé"


def test_the_retry_action_puts_a_failed_message_back_and_the_worker_sends_it(
    admin_client, refused, smtp
):
    failed, sent = refused

    response = admin_client.post(
        CHANGELIST,
        {"action": "retry", "_selected_action": [failed.pk, sent.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "1 message is back in the queue." in notices(response)
    again = OutboundMessage.objects.get(pk=failed.pk)
    assert (again.status, again.attempts) == ("pending", 0)
    assert OutboundMessage.objects.get(pk=sent.pk).status == "sent"
    assert send_due_messages() == 1
    assert smtp.message_ids() == [failed.message_id]
    assert OutboundMessage.objects.get(pk=failed.pk).status == "sent"


def test_retrying_messages_that_had_not_failed_says_so(admin_client, refused):
    failed, sent = refused

    response = admin_client.post(
        CHANGELIST, {"action": "retry", "_selected_action": [sent.pk]}, follow=True
    )

    assert "None of the selected messages had failed." in notices(response)
    assert OutboundMessage.objects.get(pk=sent.pk).status == OutboundMessage.Status.SENT
    assert OutboundMessage.objects.get(pk=failed.pk).status == OutboundMessage.Status.FAILED


@pytest.mark.parametrize("name", ["agathe", "lea", "alice"])
def test_people_who_do_not_administer_the_desk_cannot_see_the_outbox(client, desk, name):
    person = desk.person(name)
    person.is_staff = True  # even with access to the admin site
    person.save(update_fields=["is_staff"])
    client.force_login(person)

    assert client.get(CHANGELIST).status_code == 403
    failed = queue()
    OutboundMessage.objects.filter(pk=failed.pk).update(status=OutboundMessage.Status.FAILED)
    response = client.post(CHANGELIST, {"action": "retry", "_selected_action": [failed.pk]})
    assert response.status_code == 403
    assert OutboundMessage.objects.get(pk=failed.pk).status == OutboundMessage.Status.FAILED


def test_the_outbox_page_costs_the_same_for_one_message_or_twenty(admin_client, desk):
    def page_queries(count):
        for index in range(count):
            queue(index, ticket=None)
        from django.db import connection

        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get(CHANGELIST)
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == count
        OutboundMessage.objects.all().delete()
        return len(captured)

    assert page_queries(1) == page_queries(20)
