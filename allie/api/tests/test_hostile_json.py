"""Hostile request bodies: a JSON 400, never a 500, and nothing saved."""

from __future__ import annotations

import json

import pytest

from allie.api.parsers import MAX_DEPTH
from allie.tickets.models import Ticket, TimelineEvent
from tests.factories import FormFieldFactory

TICKETS = "/api/v1/tickets/"


@pytest.fixture
def laptop_form(desk):
    return FormFieldFactory(service=desk.service, key="model", field_type="text", required=True)


# Written as JSON text: json.dumps cannot produce some of them (a lone surrogate).
LAPTOP = '{"title": "ok", "service": "laptop", '
UNFIT_BODIES = {
    # Committed, then the response failed to encode it: a 500 and a ticket saved.
    "surrogate in an answer": LAPTOP + '"form_answers": {"model": "\\ud800"}}',
    "surrogate in a key": LAPTOP + '"form_answers": {"\\udfff": "x"}}',
    "NUL in an answer": LAPTOP + '"form_answers": {"model": "a\\u0000"}}',
    "NUL in the service": '{"title": "ok", "service": "lap\\u0000top"}',
    "deeper than Python recurses": '{"title": "ok", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "deeper than the limit": '{"title": "ok", "x": ' + "[" * 50 + "]" * 50 + "}",
}


@pytest.mark.parametrize("body", UNFIT_BODIES.values(), ids=UNFIT_BODIES.keys())
def test_an_unfit_json_body_is_a_400_and_opens_nothing(api, desk, laptop_form, body):
    response = api.as_(desk.person("alice")).post(
        TICKETS, body.encode(), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert Ticket.objects.count() == 0


def test_an_unfit_reply_body_is_a_400_and_writes_nothing(api, desk, open_for):
    ticket = open_for("alice")

    response = api.as_(desk.person("alice")).post(
        f"{TICKETS}{ticket.reference}/replies/",
        b'{"body": "merci \\ud83d"}',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert ticket.events.filter(kind=TimelineEvent.Kind.PUBLIC_REPLY).count() == 0


def test_nesting_up_to_the_limit_is_parsed(api, desk):
    nested = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)

    response = api.as_(desk.person("alice")).post(
        TICKETS, f'{{"title": "ok \\ud83d\\ude00", "x": {nested}}}', content_type="application/json"
    )

    assert response.status_code == 201, response.json()
    assert Ticket.objects.get().title == "ok \N{GRINNING FACE}"  # a surrogate pair is fine


# A form-encoded body does not pass through the JSON parser: the serializer refuses NUL itself.
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "ok", "service": "lap\x00top"}, "service"),
        ({"title": "ok", "service": "laptop", "form_answers.model": "X1\x00"}, "form_answers"),
    ],
)
def test_a_nul_in_a_service_code_or_an_answer_is_a_validation_error(
    api, desk, laptop_form, payload, field
):
    response = api.as_(desk.person("alice")).post(TICKETS, payload)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["fields"]
    assert Ticket.objects.count() == 0


def post_description(api, desk, settings, text: str):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"title": "ok", "description": text}, ensure_ascii=False)
    return api.as_(desk.person("alice")).post(
        TICKETS, body.encode(), content_type="application/json"
    )


def test_a_body_larger_than_a_form_may_send_is_a_413_and_opens_nothing(api, desk, settings):
    response = post_description(api, desk, settings, "x" * 1000)

    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"
    assert "1000" in response.json()["message"]  # the limit, said
    assert Ticket.objects.count() == 0


def test_a_body_within_the_limit_is_read_whole(api, desk, settings):
    response = post_description(api, desk, settings, "é" * 400)  # 800 bytes of UTF-8

    assert response.status_code == 201
    assert Ticket.objects.get().description == "é" * 400
