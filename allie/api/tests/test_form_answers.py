"""A service's questions answered through the API obey the portal's rules, and are stored alike."""

from __future__ import annotations

import pytest

from allie.catalog.models import FormField
from allie.tickets.models import Ticket
from tests.factories import FormFieldFactory

TICKETS = "/api/v1/tickets/"
Kind = FormField.FieldType


@pytest.fixture
def questions(desk):
    for key, kind in (
        ("since", Kind.DATE),
        ("count", Kind.NUMBER),
        ("model", Kind.TEXT),
        ("details", Kind.LONG_TEXT),
    ):
        FormFieldFactory(service=desk.service, key=key, field_type=kind, required=False)


def open_with(api, desk, answers):
    payload = {"title": "Portable", "service": "laptop", "form_answers": answers}
    return api.as_(desk.person("alice")).post(TICKETS, payload, format="json")


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"since": "banana"}, "since"),
        ({"since": "2026-02-30"}, "since"),
        ({"since": "0001-01-01"}, "since"),
        ({"count": "NaN"}, "count"),
        ({"count": "inf"}, "count"),
        ({"count": "1e999"}, "count"),
        ({"count": True}, "count"),
        ({"model": "x" * 501}, "model"),
    ],
    ids=["not a date", "no such day", "year 1", "NaN", "inf", "overflow", "boolean", "too long"],
)
def test_an_answer_the_portal_would_refuse_is_a_400_on_its_field(
    api, desk, questions, answers, field
):
    response = open_with(api, desk, answers)

    assert response.status_code == 400
    assert set(response.json()["fields"]["form_answers"]) == {field}
    assert Ticket.objects.count() == 0


def test_answers_are_stored_as_the_portal_stores_them(api, desk, questions):
    response = open_with(
        api, desk, {"since": "2026-11-02", "count": 3, "model": "  X1 ", "details": "Bleu"}
    )

    assert response.status_code == 201
    stored = Ticket.objects.get().form_answers
    assert stored == {"since": "2026-11-02", "count": "3", "model": "X1", "details": "Bleu"}
