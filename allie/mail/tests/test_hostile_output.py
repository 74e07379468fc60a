"""What Allié shows and sends, against hostile text: pages, notices, subjects, the outbox."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from allie.mail.models import OutboundMessage
from allie.mail.services.notifications import render_message
from allie.mail.services.outbox import enqueue_message
from allie.mail.services.sending import send_due_messages
from allie.tickets.services import acknowledge, open_ticket, reply
from allie.tickets.services.attachments import from_django_files
from allie.voice.services.relationship import send_round
from tests.servers.smtp import running_smtp_server

pytestmark = pytest.mark.django_db

# Leaves a double- or single-quoted attribute, opens an element with a handler, and carries an
# entity that must reach the reader as typed ("&amp;", not "&").
PAYLOAD = "\"'><i-h2 onmouseover=alert(1)>&amp;"
MARKUP = "<i-h2"
SHOWN = "&lt;i-h2 onmouseover=alert(1)&gt;&amp;amp;"


@pytest.fixture
def hostile(desk):
    """A ticket where every piece of text a person can type carries the payload."""
    desk.finances.name = f"Finances {PAYLOAD}"
    desk.finances.save()
    desk.support.name = f"Soutien {PAYLOAD}"
    desk.support.save()
    desk.service.name_fr = f"Portable {PAYLOAD}"
    desk.service.save()
    alice, agathe = desk.person("alice"), desk.person("agathe")
    for person, name in ((alice, "Alice"), (agathe, "Agathe")):
        person.full_name = f"{name} {PAYLOAD}"
        person.save()
    upload = SimpleUploadedFile(f"rapport {PAYLOAD}.html", b"<script>1</script>", "text/html")
    ticket = open_ticket(
        requester=alice,
        title=f"Imprimante {PAYLOAD}",
        description=f"Imprimante bloquée {PAYLOAD}",
        service=desk.service,
        files=from_django_files([upload]),
    )
    acknowledge(ticket, by=agathe)
    ticket.refresh_from_db()
    reply(ticket, by=agathe, body=f"Imprimante redémarrée {PAYLOAD}")
    ticket.refresh_from_db()
    reply(ticket, by=agathe, body=f"Note {PAYLOAD}", public=False)
    ticket.refresh_from_db()
    return ticket


@pytest.mark.parametrize(
    ("person", "name", "args", "query"),
    [
        ("alice", "portal:home", False, ""),
        ("alice", "portal:ticket", True, ""),
        ("alice", "search:portal", False, "?q=imprimante"),
        ("agathe", "workspace:queue", False, ""),
        ("agathe", "workspace:ticket", True, ""),
        ("agathe", "search:desk", False, "?q=imprimante"),
    ],
)
def test_typed_text_is_shown_as_text_on_every_page(
    client, desk, hostile, person, name, args, query
):
    client.force_login(desk.person(person))

    response = client.get(reverse(name, args=[hostile.reference] if args else []) + query)

    page = response.content.decode()
    assert response.status_code == 200
    assert MARKUP not in page
    assert SHOWN in page  # the text is on the page, escaped, not dropped
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_notices_escape_typed_text_in_html_and_keep_it_as_typed_in_text(desk, hostile):
    messages = [render_message(m) for m in OutboundMessage.objects.order_by("pk")]

    assert messages
    for message in messages:
        assert MARKUP not in message.html_body
        assert SHOWN in message.html_body
        assert PAYLOAD in message.subject
        assert PAYLOAD in message.text_body


def test_a_relationship_survey_subject_names_the_organisation_as_it_is_written(desk):
    desk.finances.name = "Tremblay & Fils <Québec> l'Équipe"
    desk.finances.save()

    send_round(desk.finances, start=date(2026, 1, 1), now=timezone.now())

    message = OutboundMessage.objects.get(to_address="carole@finances.test")
    assert message.subject.endswith("Tremblay & Fils <Québec> l'Équipe")
    assert "Tremblay &amp; Fils &lt;Québec&gt; l&#x27;Équipe" in message.html_body


def _queue(index: int, subject: str = "Votre demande") -> OutboundMessage:
    return enqueue_message(
        to_address=f"alice{index}@finances.test",
        subject=subject,
        text_body="Bonjour",
        kind="notification",
        language="fr-ca",
    )


@pytest.mark.parametrize("separator", ["\x0b", "\x0c", "\x1c"])
def test_a_header_the_email_package_refuses_fails_alone_without_stopping_the_batch(
    settings, separator
):
    # Python's email package reads these as line breaks and raises HeaderParseError, which is
    # not a ValueError like Django's own refusals.
    with running_smtp_server() as smtp:
        smtp.configure(settings, timeout=1.0)
        broken = _queue(1, subject=f"Objet{separator}Bcc: victim@elsewhere.test")
        good = _queue(2)

        assert send_due_messages() == 1

        failed = OutboundMessage.objects.get(pk=broken.pk)
        assert failed.status == OutboundMessage.Status.FAILED
        assert failed.last_error.startswith("invalid message")
        assert smtp.message_ids() == [good.message_id]
