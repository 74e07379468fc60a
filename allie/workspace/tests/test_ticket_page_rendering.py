"""The ticket page's cheap paths give the same page: widgets written in Python, rows read once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.renderers import DjangoTemplates
from django.urls import reverse
from django.utils import timezone

from allie.core.forms import FAST_RENDERER, FastFormRenderer
from allie.escalations.forms import EscalateForm
from allie.escalations.models import Level
from allie.escalations.services import raise_escalation
from allie.escalations.templatetags import escalations as escalation_tags
from allie.tickets.models import TimelineEvent
from allie.tickets.services import acknowledge, propose_handoff, reply
from allie.tickets.services.attachments import from_django_files
from allie.voice.forms import CommitmentForm
from allie.voice.services.commitments import make_commitment
from allie.workspace import forms as workspace_forms
from allie.workspace.forms import (
    EditFieldsForm,
    HandoffForm,
    ReplyForm,
    TransitionForm,
)

DJANGO = DjangoTemplates()

WIDGETS = [
    forms.TextInput(),
    forms.TextInput(attrs={"maxlength": 20, "placeholder": 'Dites « oui » & <non> "ok"'}),
    forms.NumberInput(attrs={"min": 0}),
    forms.EmailInput(),
    forms.URLInput(),
    forms.PasswordInput(render_value=True),
    forms.HiddenInput(),
    forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    forms.TimeInput(),
    forms.CheckboxInput(),
    forms.Select(choices=[("", "Aucun"), ("a", "Élise & <Co>"), ("g", [("b", "B")])]),
    forms.SelectMultiple(choices=[("a", "A"), ("b", "B")]),
    forms.NullBooleanSelect(),
    forms.Textarea(),  # not written in Python: Django's template, through the same renderer
    forms.RadioSelect(choices=[("a", "A"), ("b", "B")]),
]
VALUES = [None, "", "a", 'x"<y>&', 3, True, False, datetime(2026, 3, 2, 9, 5, tzinfo=UTC)]
ATTRS = [None, {"id": "id_x"}, {"id": "id_x", "required": True, "disabled": False, "data-n": 0}]


@pytest.mark.parametrize("widget", WIDGETS, ids=lambda widget: type(widget).__name__)
@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("attrs", ATTRS)
def test_the_fast_renderer_writes_django_s_markup(widget, value, attrs):
    assert widget.render("x", value, attrs, renderer=FAST_RENDERER) == widget.render(
        "x", value, attrs, renderer=DJANGO
    )


def test_a_multiple_select_with_several_values_is_written_like_django():
    widget = forms.SelectMultiple(choices=[("a", "A"), ("b", "B"), ("c", "C")])

    fast = widget.render("x", ["a", "c"], {"id": "id_x"}, renderer=FAST_RENDERER)

    assert fast == widget.render("x", ["a", "c"], {"id": "id_x"}, renderer=DJANGO)
    assert fast.count("selected") == 2


def django_rendering(monkeypatch):
    """Render as before: Django's templates for every widget, every choice list read anew."""
    monkeypatch.setattr(FastFormRenderer, "render", DjangoTemplates.render)
    monkeypatch.setattr(workspace_forms, "offer_rows", lambda field, rows: None)
    monkeypatch.setattr(escalation_tags, "offer_rows", lambda field, rows: None)


def test_the_page_s_forms_render_as_with_django_s_renderer(desk, open_for, monkeypatch):
    ticket = open_for()
    teams = [desk.support]

    def rendered() -> list[str]:
        bound = [
            ReplyForm({"body": "", "internal": "on"}),
            TransitionForm({"command": "decline", "reason": "<b>non</b>"}),
            HandoffForm({"action": "propose", "to_team": "x"}, ticket=ticket, teams=teams),
        ]
        for form in bound:
            form.is_valid()  # errors too: aria-invalid and the error lists
        page_forms = [
            *bound,
            HandoffForm(ticket=ticket, teams=teams),
            EditFieldsForm(ticket=ticket),
            EscalateForm(ticket=ticket),
            CommitmentForm(ticket=ticket),
        ]
        for form in page_forms[-2:]:
            if form.fields.get("team"):
                escalation_tags.offer_rows(form.fields["team"], teams)
        return [str(field) + str(field.errors) for form in page_forms for field in form]

    fast = rendered()
    django_rendering(monkeypatch)
    assert fast == rendered()


def rich_ticket(desk, open_for):
    """A ticket with files on two events, an escalation, a commitment and the client's contact."""
    ticket = open_for()
    agathe = desk.person("agathe")
    acknowledge(ticket, by=agathe)
    reply(
        ticket,
        by=agathe,
        body="Voici deux journaux",
        files=from_django_files(
            [
                SimpleUploadedFile("a.txt", b"premier", content_type="text/plain"),
                SimpleUploadedFile("b.log", b"second", content_type="text/plain"),
            ]
        ),
    )
    reply(
        ticket,
        by=agathe,
        body="Note avec capture",
        public=False,
        files=from_django_files([SimpleUploadedFile("c.txt", b"trois", content_type="text/plain")]),
    )
    raise_escalation(ticket, by=agathe, level=Level.TEAM_LEAD, reason="Client <pressé>")
    make_commitment(
        by=agathe,
        ticket=ticket,
        what="Rappeler « demain »",
        due_at=timezone.now() + timedelta(days=1),
    )
    return ticket


def normalised(content: bytes) -> str:
    """The page without what changes on every response (CSRF tokens, CSP nonces)."""
    text = content.decode()
    text = re.sub(r'value="[A-Za-z0-9]{64}"', 'value="csrf"', text)
    text = re.sub(r'"X-CSRFToken": "[A-Za-z0-9]{64}"', '"X-CSRFToken": "csrf"', text)
    return re.sub(r'nonce="[^"]*"', 'nonce=""', text)


@pytest.mark.parametrize("pending_handoff", [False, True])
@pytest.mark.parametrize("htmx", [False, True])
def test_the_ticket_page_is_the_same_as_with_django_s_rendering(
    client, desk, open_for, monkeypatch, pending_handoff, htmx
):
    ticket = rich_ticket(desk, open_for)
    if pending_handoff:
        propose_handoff(ticket, by=desk.person("agathe"), to_team=desk.support, reason="Relève")
    client.force_login(desk.person("agathe"))
    page = reverse("workspace:ticket", args=[ticket.reference])
    headers = {"HX-Request": "true"} if htmx else {}

    fast = client.get(page, headers=headers)
    django_rendering(monkeypatch)
    slow = client.get(page, headers=headers)

    assert fast.status_code == slow.status_code == 200
    assert normalised(fast.content) == normalised(slow.content)
    content = fast.content.decode()
    assert 'id="id_escalation_team"' in content  # the shared team list was shown
    assert "Rappeler « demain »" in content or "Rappeler &laquo; demain &raquo;" in content


def test_each_timeline_event_lists_its_own_files_and_the_card_all_of_them(client, desk, open_for):
    ticket = rich_ticket(desk, open_for)
    client.force_login(desk.person("agathe"))

    content = client.get(reverse("workspace:ticket", args=[ticket.reference])).content.decode()

    timeline = content[content.index('<ol class="timeline">') : content.index("</ol>")]
    items = timeline.split("<li class=")[1:]
    files_by_body = {}
    for item in items:
        body = re.search(r'<div class="body">(.*?)</div>', item)
        files_by_body[body.group(1) if body else None] = re.findall(
            r'<a href="/[^"]*">([^<]+)</a> <span class="muted">', item
        )
    assert files_by_body["Voici deux journaux"] == ["a.txt", "b.log"]
    assert files_by_body["Note avec capture"] == ["c.txt"]
    assert sum(len(names) for names in files_by_body.values()) == 3
    card = content[content.index('id="attachments"') :]
    for attachment in ticket.attachments.all():
        assert reverse("tickets:attachment", args=[attachment.pk]) in card
    assert ticket.events.filter(kind=TimelineEvent.Kind.INTERNAL_NOTE).exists()


@pytest.mark.parametrize("named", ["agathe", "lea", "chloe"])
def test_the_timeline_names_people_whether_the_page_had_read_them_or_not(
    client, desk, open_for, django_assert_num_queries, named
):
    # Agathe is on the page already (the reader, the author); Léa and Chloé are not.
    ticket = open_for()
    agathe = desk.person("agathe")
    acknowledge(ticket, by=agathe)
    person = desk.person(named)
    TimelineEvent.objects.create(
        ticket=ticket,
        kind=TimelineEvent.Kind.OWNER_CHANGE,
        actor=None,
        is_public=True,
        data={"from": agathe.pk, "to": person.pk},
        created_at=timezone.now(),
    )
    client.force_login(agathe)
    page = reverse("workspace:ticket", args=[ticket.reference])
    client.get(page)  # warm the caches

    with django_assert_num_queries(PAGE_QUERIES + (named != "agathe")):
        content = client.get(page).content.decode()

    assert f"{agathe.full_name} → {person.full_name}" in content  # the owner change


# The ticket page with warm caches (test_ticket_page.py counts it cold: desk settings and
# calendars), its SLA card, the agents offered by the handoff form (no handoff pending), and
# the mail held for review, and the people copied on the ticket.
PAGE_QUERIES = 20


@pytest.mark.django_db
def test_the_page_reads_its_choices_without_a_server_side_cursor(
    desk, open_for, client, monkeypatch
):
    """Every select of the ticket page (handoff, fields, commitment, escalation) and of the
    search page reads its options with one plain query: Django's model choices go through
    `.iterator()`, a server-side cursor on PostgreSQL (three round trips each)."""
    from django.db import connection

    ticket = open_for()
    chunked = []
    plain = connection.chunked_cursor
    monkeypatch.setattr(connection, "chunked_cursor", lambda: chunked.append(1) or plain())
    client.force_login(desk.person("agathe"))

    assert client.get(reverse("workspace:ticket", args=[ticket.reference])).status_code == 200
    assert client.get(reverse("search:desk"), {"q": "écran"}).status_code == 200

    assert chunked == []
