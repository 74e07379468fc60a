"""`{{ object|label:"field" }}` gives what get_FOO_display gives, in each language."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from allie.tickets.models import Priority, Status, Ticket, TicketKind

RENDER = Template('{% load choices %}{{ ticket|label:"status" }}|{{ ticket|label:"priority" }}')


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("priority", Priority.values)
def test_the_label_is_the_display_of_the_value_in_the_active_language(language, status, priority):
    ticket = Ticket(status=status, priority=priority, kind=TicketKind.INCIDENT)

    with translation.override(language):
        shown = RENDER.render(Context({"ticket": ticket}))
        expected = f"{ticket.get_status_display()}|{ticket.get_priority_display()}"

    assert shown == expected


def test_french_and_english_labels_differ_and_do_not_leak_into_each_other():
    ticket = Ticket(status=Status.WAITING_ON_REQUESTER, priority=Priority.P1)

    with translation.override("fr"):
        french = RENDER.render(Context({"ticket": ticket}))
    with translation.override("en"):
        english = RENDER.render(Context({"ticket": ticket}))
    with translation.override("fr"):
        again = RENDER.render(Context({"ticket": ticket}))

    assert french != english
    assert again == french


def test_a_value_outside_the_choices_is_shown_as_it_is_and_escaped():
    ticket = Ticket(status="<b>legacy</b>", priority=Priority.P3)

    shown = RENDER.render(Context({"ticket": ticket}))

    assert shown.startswith("&lt;b&gt;legacy&lt;/b&gt;|")
