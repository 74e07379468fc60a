"""The commitments ledger's use cases, with an injected clock."""

from __future__ import annotations

import pytest
from django.utils import translation

from allie.mail.models import OutboundMessage
from allie.tickets.models import TimelineEvent
from allie.tickets.services.errors import CONFLICT, FORBIDDEN
from allie.voice.models import Commitment, CommitmentReminder
from allie.voice.services import (
    CommitmentServiceError,
    break_overdue,
    make_commitment,
    mark_broken,
    mark_kept,
    renegotiate,
    send_reminders,
)

from .conftest import at


def commitment_events(ticket):
    return list(
        TimelineEvent.objects.filter(ticket=ticket, data__has_key="commitment").order_by("id")
    )


def reminders_sent():
    return OutboundMessage.objects.filter(kind="commitment_reminder")


def test_a_commitment_is_made_reminded_once_and_kept(desk, ticket, promise):
    agathe = desk.agathe
    agathe.language = "en"
    agathe.save(update_fields=["language"])

    commitment = promise(due_hours=30, is_public=True)  # Tuesday 15:00

    assert commitment.state == Commitment.State.OPEN
    assert commitment.organisation == desk.finances
    assert commitment.to_person == desk.alice  # the requester, when nobody else is named
    assert commitment.team == desk.support
    assert [r.remind_at for r in commitment.reminders.all()] == [at(6), at(29)]
    assert send_reminders(now=at(5)) == 0
    assert send_reminders(now=at(6)) == 1
    assert send_reminders(now=at(6.5)) == 0  # once only
    message = reminders_sent().get()
    assert message.to_address == "agathe@desk.test"
    assert message.language == "en"
    assert message.ticket_id == ticket.pk
    assert message.subject.startswith("Reminder: your commitment is due")
    assert "You promised this" in message.text_body
    assert "Je vous rappelle" in message.text_body
    assert ticket.reference in message.text_body
    assert send_reminders(now=at(29)) == 1
    assert reminders_sent().count() == 2

    kept = mark_kept(commitment, by=desk.person("agathe"), now=at(29.5))

    assert kept.state == Commitment.State.KEPT
    assert kept.settled_at == at(29.5)
    assert kept.settled_by == desk.agathe
    events = commitment_events(ticket)
    assert [event.data["commitment"] for event in events] == ["made", "kept"]
    assert all(event.is_public and event.kind == TimelineEvent.Kind.SYSTEM for event in events)


def test_reminders_due_together_send_one_message(desk, promise):
    commitment = promise(due_hours=30)

    assert send_reminders(now=at(29.5)) == 1  # the worker was down for a day

    assert reminders_sent().count() == 1
    assert not commitment.reminders.filter(sent_at__isnull=True).exists()


def test_a_private_commitment_is_an_internal_timeline_entry(desk, ticket, promise):
    promise(due_hours=4)

    (event,) = commitment_events(ticket)
    assert event.is_public is False
    assert event.data["what"] == "Je vous rappelle"


def test_renegotiating_before_due_with_the_client_told_links_a_new_commitment(
    desk, ticket, promise
):
    old = promise(due_hours=30)

    new = renegotiate(
        old, by=desk.person("agathe"), new_due_at=at(54), client_told=True, now=at(20)
    )

    old.refresh_from_db()
    assert old.state == Commitment.State.RENEGOTIATED
    assert old.client_told is True
    assert old.client_told_at == at(20)
    assert not old.reminders.filter(sent_at__isnull=True).exists()
    assert new.state == Commitment.State.OPEN
    assert new.renegotiated_from == old
    assert new.due_at == at(54)
    assert new.what == old.what
    assert new.reminders.count() == 2
    (_made, event) = commitment_events(ticket)
    assert event.data["commitment"] == "renegotiated"
    assert event.data["new_id"] == new.pk


def test_renegotiating_needs_the_client_told_and_a_future_due_time(desk, promise):
    old = promise(due_hours=30)
    agathe = desk.person("agathe")

    with pytest.raises(CommitmentServiceError) as untold:
        renegotiate(old, by=agathe, new_due_at=at(54), client_told=False, now=at(20))
    with pytest.raises(CommitmentServiceError) as no_time:
        renegotiate(old, by=agathe, new_due_at=None, client_told=True, now=at(20))

    assert (untold.value.code, untold.value.field) == ("client_told_required", "client_told")
    assert (no_time.value.code, no_time.value.field) == ("due_required", "due_at")
    assert Commitment.objects.get().state == Commitment.State.OPEN


def test_renegotiating_is_refused_once_the_commitment_is_due(desk, promise):
    old = promise(due_hours=30)

    with pytest.raises(CommitmentServiceError) as refused:
        renegotiate(old, by=desk.person("agathe"), new_due_at=at(54), client_told=True, now=at(30))

    assert refused.value.code == "renegotiate_too_late"
    assert refused.value.kind == CONFLICT
    assert Commitment.objects.count() == 1


def test_open_commitments_past_due_are_broken_by_the_sweep_once(desk, ticket, promise):
    late = promise(due_hours=4)
    later = promise(due_hours=30)

    assert break_overdue(now=at(4)) == 0  # due, not yet past due
    assert break_overdue(now=at(5)) == 1
    assert break_overdue(now=at(6)) == 0

    late.refresh_from_db()
    later.refresh_from_db()
    assert late.state == Commitment.State.BROKEN
    assert late.settled_at == at(5)
    assert late.settled_by is None
    assert later.state == Commitment.State.OPEN
    assert not CommitmentReminder.objects.filter(commitment=late, sent_at__isnull=True).exists()
    broken = [e for e in commitment_events(ticket) if e.data["commitment"] == "broken"]
    assert len(broken) == 1
    assert broken[0].data["automatic"] is True
    assert broken[0].actor is None


def test_the_sweep_works_through_batches(desk, promise):
    for hours in range(1, 6):
        promise(due_hours=hours)

    assert break_overdue(now=at(10), batch=2) == 5

    assert not Commitment.objects.filter(state=Commitment.State.OPEN).exists()


def test_a_broken_commitment_is_no_longer_reminded(desk, promise):
    promise(due_hours=30)
    break_overdue(now=at(31))

    assert send_reminders(now=at(31)) == 0


def test_marking_broken_by_hand_keeps_the_note(desk, ticket, promise):
    commitment = promise(due_hours=30)

    broken = mark_broken(commitment, by=desk.person("bruno"), note="Pièce en retard", now=at(10))

    assert broken.state == Commitment.State.BROKEN
    assert broken.note == "Pièce en retard"
    assert commitment_events(ticket)[-1].body == "Pièce en retard"


def test_a_settled_or_overdue_commitment_cannot_be_marked_again(desk, promise):
    commitment = promise(due_hours=30)
    mark_kept(commitment, by=desk.person("agathe"), now=at(10))
    overdue = promise(due_hours=4)

    with pytest.raises(CommitmentServiceError) as twice:
        mark_broken(commitment, by=desk.person("agathe"), now=at(11))
    with pytest.raises(CommitmentServiceError) as late:
        mark_kept(overdue, by=desk.person("agathe"), now=at(5))

    assert twice.value.code == "already_final"
    assert late.value.code == "already_final"


def test_marking_loses_to_a_concurrent_change(desk, promise):
    commitment = promise(due_hours=30)
    stale = Commitment.objects.get(pk=commitment.pk)
    mark_kept(commitment, by=desk.person("agathe"), now=at(10))

    with pytest.raises(CommitmentServiceError) as lost:
        mark_broken(stale, by=desk.person("bruno"), now=at(10))

    assert lost.value.code == "already_final"
    assert Commitment.objects.get().state == Commitment.State.KEPT


@pytest.mark.parametrize(
    ("what", "due_hours", "code", "field"),
    [
        ("Je vous rappelle", None, "due_required", "due_at"),
        ("Je vous rappelle", -1, "due_in_past", "due_at"),
        ("Je vous rappelle", 0, "due_in_past", "due_at"),
        ("   ", 4, "what_required", "what"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(
    desk, ticket, what, due_hours, code, field
):
    due = None if due_hours is None else at(due_hours)

    with pytest.raises(CommitmentServiceError) as refused:
        make_commitment(by=desk.person("agathe"), ticket=ticket, what=what, due_at=due, now=at())

    assert (refused.value.code, refused.value.field) == (code, field)
    assert not Commitment.objects.exists()
    assert not CommitmentReminder.objects.exists()
    assert not TimelineEvent.objects.filter(data__has_key="commitment").exists()


def test_refusals_speak_the_users_language(desk, ticket):
    with pytest.raises(CommitmentServiceError) as refused:
        make_commitment(by=desk.person("agathe"), ticket=ticket, what="x", due_at=at(-1), now=at())

    with translation.override("en"):
        assert refused.value.message == "The due time must be in the future."


@pytest.mark.parametrize("name", ["chloe", "alice", "carole"])
def test_only_agents_serving_the_client_make_commitments(desk, ticket, name):
    with pytest.raises(CommitmentServiceError) as refused:
        make_commitment(by=desk.person(name), ticket=ticket, what="x", due_at=at(4), now=at())

    assert refused.value.kind == FORBIDDEN
    assert not Commitment.objects.exists()


def test_a_stranger_agent_cannot_settle_a_commitment(desk, promise):
    commitment = promise(due_hours=30)

    with pytest.raises(CommitmentServiceError) as refused:
        mark_kept(commitment, by=desk.person("chloe"), now=at(1))

    assert refused.value.kind == FORBIDDEN
    assert Commitment.objects.get().state == Commitment.State.OPEN


def test_a_commitment_to_an_organisation_names_who_it_is_for(desk):
    chloe = desk.person("chloe")

    commitment = make_commitment(
        by=chloe, organisation=desk.clinic, to_name="Dre Lavoie", what="Rapport", due_at=at(48),
        now=at(),
    )  # fmt: skip
    with pytest.raises(CommitmentServiceError) as nobody:
        make_commitment(by=chloe, organisation=desk.clinic, what="Rapport", due_at=at(48), now=at())
    with pytest.raises(CommitmentServiceError) as stranger:
        make_commitment(
            by=desk.person("agathe"), organisation=desk.clinic, to_name="Dre Lavoie",
            what="Rapport", due_at=at(48), now=at(),
        )  # fmt: skip

    assert commitment.ticket is None
    assert commitment.to_whom == "Dre Lavoie"
    assert commitment.team == desk.clients
    assert (nobody.value.code, nobody.value.field) == ("to_whom_required", "to_whom")
    assert stranger.value.kind == FORBIDDEN


def test_the_person_promised_must_belong_to_the_client(desk, ticket):
    with pytest.raises(CommitmentServiceError) as refused:
        make_commitment(
            by=desk.person("agathe"), ticket=ticket, to_person=desk.oscar, what="x",
            due_at=at(4), now=at(),
        )  # fmt: skip

    assert refused.value.code == "to_whom_unknown"
