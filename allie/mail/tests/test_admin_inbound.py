"""The admin of mailboxes and inbound mail, through the HTTP client."""

from __future__ import annotations

import secrets

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from allie.accounts.models import Role
from allie.mail.models import InboundMessage, Mailbox, Security
from allie.mail.services.intake import receive_message
from allie.mail.tests import MESSAGES, build
from tests.factories import UserFactory
from tests.servers.dovecot import closed_port, dovecot, imap_account  # noqa: F401

MAILBOXES = reverse("admin:mail_mailbox_changelist")
INBOUND = reverse("admin:mail_inboundmessage_changelist")


def mailbox(**fields) -> Mailbox:
    values = {
        "name": "Soutien",
        "address": f"soutien-{secrets.token_hex(3)}@desk.test",
        "host": "imap.desk.test",
        "port": 993,
        "username": "soutien",
        "password": "s3cret-stored",
    } | fields
    return Mailbox.objects.create(**values)


def form_data(**fields) -> dict[str, str]:
    return {
        "name": "Soutien",
        "address": "soutien@desk.test",
        "host": "imap.desk.test",
        "port": "993",
        "security": Security.SSL,
        "username": "soutien",
        "password": "",
        "password_variable": "",
        "folder": "INBOX",
        "processed_folder": "",
        "organisation": "",
        "service": "",
        "unknown_senders": "reject",
        "poll_interval": "60",
        "is_active": "on",
    } | fields


def mail(subject: str, sender: str = "alice@finances.test") -> bytes:
    return build(
        {
            "From": sender,
            "To": "soutien@desk.test",
            "Subject": subject,
            "Message-ID": f"<{secrets.token_hex(8)}@finances.test>",
        }
    )


@pytest.fixture
def admin_client(client, desk):
    client.force_login(desk.admin)
    return client


def test_mailbox_list_highlights_a_failing_mailbox_in_a_fixed_number_of_queries(
    admin_client, desk, django_assert_num_queries
):
    mailbox(name="Brisée", failures=3, last_error="login: MailboxLoginError: refused")
    with CaptureQueriesContext(connection) as one:
        admin_client.get(MAILBOXES)
    for number in range(5):
        mailbox(name=f"B{number}", organisation=desk.finances, service=desk.service)

    with django_assert_num_queries(len(one)):
        page = admin_client.get(MAILBOXES)

    assert page.status_code == 200
    assert page.content.count(b'class="errornote"') == 1
    assert b"MailboxLoginError: refused" in page.content


def test_password_is_write_only_and_kept_when_left_empty(admin_client):
    box = mailbox()
    change = reverse("admin:mail_mailbox_change", args=[box.pk])

    page = admin_client.get(change)
    saved = admin_client.post(change, form_data(name="Aide"))

    assert page.status_code == 200
    assert b"s3cret-stored" not in page.content
    assert saved.status_code == 302
    box.refresh_from_db()
    assert (box.name, box.password) == ("Aide", "s3cret-stored")


def test_password_is_replaced_or_forgotten_on_request(admin_client):
    box = mailbox()
    change = reverse("admin:mail_mailbox_change", args=[box.pk])

    admin_client.post(change, form_data(password="nouveau"))
    box.refresh_from_db()
    replaced = box.password
    admin_client.post(change, form_data(forget_password="on"))
    box.refresh_from_db()

    assert replaced == "nouveau"
    assert box.password == ""


def test_unencrypted_connection_to_a_remote_server_is_refused(admin_client):
    page = admin_client.post(
        reverse("admin:mail_mailbox_add"),
        form_data(security=Security.NONE, port="143", password="x"),
    )
    allowed = admin_client.post(
        reverse("admin:mail_mailbox_add"),
        form_data(security=Security.NONE, host="127.0.0.1", port="143", password="x"),
    )

    assert page.status_code == 200
    assert "security" in page.context["adminform"].form.errors
    assert allowed.status_code == 302
    assert Mailbox.objects.get().host == "127.0.0.1"


def test_poll_now_reads_the_mailbox_and_reports(admin_client, desk, imap_account):  # noqa: F811
    box = mailbox(
        host=imap_account.server.host,
        port=imap_account.server.port,
        security=Security.NONE,
        username=imap_account.username,
        password=imap_account.password,
        organisation=desk.finances,
        unknown_senders="create",
    )
    broken = mailbox(host="127.0.0.1", port=closed_port(), security=Security.NONE)
    imap_account.append(mail("Écran noir"))

    page = admin_client.post(
        MAILBOXES,
        {"action": "poll_now", "_selected_action": [box.pk, broken.pk]},
        follow=True,
    )

    assert page.status_code == 200
    assert InboundMessage.objects.get().mailbox == box
    levels = sorted(message.level_tag for message in page.context["messages"])
    assert levels == ["error", "success"]
    assert Mailbox.objects.get(pk=broken.pk).failures == 1


def test_people_other_than_administrators_cannot_see_mailboxes(client, desk):
    box = mailbox()
    staff_agent = UserFactory(is_staff=True, organisation=None, roles=[Role.AGENT])

    client.force_login(desk.person("agathe"))
    as_agent = client.get(MAILBOXES)
    client.force_login(staff_agent)
    as_staff = client.get(reverse("admin:mail_mailbox_change", args=[box.pk]))

    assert as_agent.status_code == 302  # not staff: sent to the admin's sign-in
    assert as_staff.status_code == 403


def test_inbound_list_is_read_only_searchable_and_has_a_fixed_number_of_queries(
    admin_client, desk, django_assert_num_queries
):
    receive_message(mail("Imprimante"))
    with CaptureQueriesContext(connection) as one:
        admin_client.get(INBOUND)
    for path in sorted(MESSAGES.glob("*.eml"))[:6]:
        receive_message(path.read_bytes(), create_senders=True)

    with django_assert_num_queries(len(one)):
        page = admin_client.get(INBOUND)
    found = admin_client.get(INBOUND, {"q": "Imprimante"})
    failed_only = admin_client.get(INBOUND, {"status__exact": "failed"})
    add = admin_client.get(reverse("admin:mail_inboundmessage_add"))

    assert page.status_code == 200
    assert len(found.context["cl"].result_list) == 1
    assert failed_only.status_code == 200
    assert add.status_code == 403
    ticket = InboundMessage.objects.exclude(ticket=None).select_related("ticket").first()
    assert reverse("workspace:ticket", args=[ticket.ticket.reference]).encode() in page.content


def test_raw_message_downloads_as_an_attachment_for_administrators_only(admin_client, desk):
    raw = (MESSAGES / "html_attack.eml").read_bytes()
    stored = receive_message(raw).message
    url = reverse("admin:mail_inboundmessage_raw", args=[stored.pk])

    listed = admin_client.get(INBOUND)
    response = admin_client.get(url)
    body = b"".join(response.streaming_content)
    admin_client.force_login(UserFactory(is_staff=True, organisation=None, roles=[Role.AGENT]))
    refused = admin_client.get(url)

    assert response.status_code == 200
    assert body == raw
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert refused.status_code == 403
    assert url.encode() in listed.content


def test_reprocess_processes_failed_messages_again_and_leaves_the_others(admin_client, desk):
    failed = receive_message(mail("Clavier")).message
    InboundMessage.objects.filter(pk=failed.pk).update(
        status=InboundMessage.Status.FAILED, reason="OperationalError: down", ticket=None
    )
    done = receive_message(mail("Souris", sender="bob@finances.test")).message

    page = admin_client.post(
        INBOUND,
        {"action": "reprocess", "_selected_action": [failed.pk, done.pk]},
        follow=True,
    )

    assert page.status_code == 200
    failed.refresh_from_db()
    assert failed.status in (InboundMessage.Status.OPENED, InboundMessage.Status.THREADED)
    assert failed.attempts == 2
    assert InboundMessage.objects.get(pk=done.pk).attempts == 1
    levels = sorted(message.level_tag for message in page.context["messages"])
    assert levels == ["info", "success"]


def test_failing_mailbox_change_page_shows_the_error_in_words(admin_client):
    box = mailbox(failures=2, last_error="connection: ConnectionRefusedError: refused")
    box.last_error_at = timezone.now()

    page = admin_client.get(reverse("admin:mail_mailbox_change", args=[box.pk]))

    assert page.status_code == 200
    assert b'class="errornote"' in page.content
    assert b"ConnectionRefusedError" in page.content
