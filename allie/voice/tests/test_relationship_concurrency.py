"""Two workers send the relationship rounds at once: each organisation gets one round, once.

Real threads with their own connections and real commits, on PostgreSQL (SQLite has one writer
at a time: there is nothing to race). The unique (organisation, round_start) constraint is what
keeps a round from being sent twice.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from allie.mail.models import OutboundMessage
from allie.voice.models import RelationshipAnswer, RelationshipSurvey
from allie.voice.services.relationship import send_due_rounds
from tests.factories import OrganisationFactory, UserFactory

from .test_commitment_concurrency import run_twice

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite runs one writer at a time"
    ),
]

ORGANISATIONS = 12
MARCH = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("America/Toronto"))


def test_two_senders_at_once_send_each_round_once():
    for number in range(ORGANISATIONS):
        organisation = OrganisationFactory(name=f"Client {number}")
        for _ in range(2):
            UserFactory(organisation=organisation, is_organisation_contact=True)

    counts = run_twice(lambda: send_due_rounds(now=MARCH))

    assert sum(counts) == ORGANISATIONS
    assert RelationshipSurvey.objects.count() == ORGANISATIONS
    assert RelationshipAnswer.objects.count() == 2 * ORGANISATIONS
    mails = Counter(
        OutboundMessage.objects.filter(kind="relationship_survey").values_list(
            "recipient_id", flat=True
        )
    )
    assert len(mails) == 2 * ORGANISATIONS
    assert set(mails.values()) == {1}
