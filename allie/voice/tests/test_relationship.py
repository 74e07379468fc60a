"""Relationship survey (NPS): rounds on a schedule, answers, and the follow-up of a low one."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from allie.accounts.models import Role
from allie.core.reference_cache import clear_reference_cache
from allie.mail.models import OutboundMessage
from allie.tickets.models import TimelineEvent
from allie.voice.domain.relationship import keyword_list, months_between, round_start, theme_of
from allie.voice.models import FollowUp, RelationshipAnswer, RelationshipSurvey, SurveySettings
from allie.voice.services.followups import escalate_overdue
from allie.voice.services.relationship import (
    RelationshipServiceError,
    answer_relationship,
    send_due_rounds,
)
from tests.factories import UserFactory

MONTREAL = ZoneInfo("America/Toronto")
MARCH = datetime(2026, 3, 2, 9, 0, tzinfo=MONTREAL)
PAGE = re.compile(r"https?://[^/\s]+(/voice/nps/[^/\s]+/)(\?score=\d+)?")


# --- The schedule (pure) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "start"),
    [
        (date(2026, 3, 2), 6, date(2026, 1, 1)),
        (date(2026, 6, 30), 6, date(2026, 1, 1)),
        (date(2026, 7, 1), 6, date(2026, 7, 1)),
        (date(2026, 12, 31), 6, date(2026, 7, 1)),
        (date(2026, 5, 15), 3, date(2026, 4, 1)),
        (date(2026, 11, 26), 12, date(2026, 1, 1)),
        (date(2026, 11, 26), 1, date(2026, 11, 1)),
        (date(2026, 9, 1), 4, date(2026, 9, 1)),
        (date(2026, 8, 31), 4, date(2026, 5, 1)),
    ],
)
def test_a_round_is_named_by_the_first_day_of_its_window(day, months, start):
    assert round_start(day, months) == start


def test_no_schedule_means_no_round_and_a_schedule_must_divide_the_year():
    assert round_start(date(2026, 3, 2), 0) is None
    with pytest.raises(ValueError, match="divide"):
        round_start(date(2026, 3, 2), 5)


def test_keywords_are_read_one_per_line_or_comma_separated():
    assert keyword_list("lent*, vite\n\n  délai* \n") == ("lent*", "vite", "délai*")
    assert theme_of("speed", "lent*\nvite", "slow*, vite").keywords == ("lent*", "vite", "slow*")


def test_the_months_of_a_period():
    assert months_between(date(2025, 11, 20), date(2026, 2, 3)) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]


# --- Sending rounds ---------------------------------------------------------------------------


@pytest.fixture
def contacts(desk):
    """Finances has two contacts: carole (French) and dan (English); Clinique has none."""
    dan = UserFactory(
        email="dan@finances.test",
        full_name="Dan Smith",
        organisation=desk.finances,
        is_organisation_contact=True,
        language="en",
    )
    return desk.person("carole"), dan


def test_a_round_goes_to_the_contacts_in_their_language_once_per_window(desk, contacts):
    carole, dan = contacts

    assert send_due_rounds(now=MARCH) == 1
    assert send_due_rounds(now=MARCH + timedelta(days=30)) == 0  # same window: never twice

    survey = RelationshipSurvey.objects.get()
    assert (survey.organisation, survey.round_start) == (desk.finances, date(2026, 1, 1))
    answers = {a.person: a for a in RelationshipAnswer.objects.all()}
    assert set(answers) == {carole, dan}  # alice and bob are not contacts
    assert answers[carole].language == "fr-ca"
    assert answers[dan].language == "en"
    mails = {m.recipient: m for m in OutboundMessage.objects.filter(kind="relationship_survey")}
    assert set(mails) == {carole, dan}
    assert "Finances" in mails[dan].subject
    assert (mails[dan].language, mails[carole].language) == ("en", "fr-ca")
    assert "recommend" in mails[dan].text_body
    assert mails[dan].text_body.startswith("Hello Dan")
    assert mails[carole].text_body.startswith("Bonjour Carole")
    links = [m.group(2) for m in PAGE.finditer(mails[dan].text_body)]
    assert [link for link in links if link] == [f"?score={n}" for n in range(11)]
    assert mails[dan].ticket is None


def test_the_next_window_sends_the_next_round(desk, contacts):
    send_due_rounds(now=MARCH)
    assert send_due_rounds(now=MARCH.replace(month=7)) == 1
    assert RelationshipSurvey.objects.count() == 2
    assert RelationshipAnswer.objects.count() == 4


def test_the_schedule_follows_the_setting(desk, contacts):
    SurveySettings.objects.update_or_create(pk=1, defaults={"relationship_every_months": 0})
    assert send_due_rounds(now=MARCH) == 0

    SurveySettings.objects.filter(pk=1).update(relationship_every_months=1)
    clear_reference_cache()  # an update() sends no signal: the cached settings would stay
    assert send_due_rounds(now=MARCH) == 1
    assert send_due_rounds(now=MARCH + timedelta(days=31)) == 1  # April: a new window


def test_an_organisation_without_an_active_contact_gets_no_round(desk):
    carole = desk.person("carole")
    carole.is_active = False
    carole.save()

    assert send_due_rounds(now=MARCH) == 0
    assert not RelationshipSurvey.objects.exists()
    assert not OutboundMessage.objects.filter(kind="relationship_survey").exists()


def test_the_database_refuses_a_second_round_for_the_same_window(desk, contacts):
    send_due_rounds(now=MARCH)

    with pytest.raises(IntegrityError), transaction.atomic():
        RelationshipSurvey.objects.create(
            organisation=desk.finances, round_start=date(2026, 1, 1), sent_at=MARCH
        )


# --- Answering --------------------------------------------------------------------------------


@pytest.fixture
def answer(desk):
    send_due_rounds(now=MARCH)
    return RelationshipAnswer.objects.get(person=desk.carole)


def test_an_answer_is_recorded_then_changed_within_the_window(answer):
    answer_relationship(answer, score="9", comment="Très bon suivi", now=MARCH)
    answer_relationship(answer, score=10, now=MARCH + timedelta(hours=70))

    answer.refresh_from_db()
    assert (answer.score, answer.comment, answer.low) == (10, "", False)
    assert answer.first_answered_at == MARCH
    assert answer.answered_at == MARCH + timedelta(hours=70)
    assert not FollowUp.objects.exists()


def test_after_the_window_the_answer_is_refused(answer):
    answer_relationship(answer, score=9, now=MARCH)

    with pytest.raises(RelationshipServiceError) as refused:
        answer_relationship(answer, score=2, now=MARCH + timedelta(hours=73))

    assert refused.value.code == "window_closed"
    answer.refresh_from_db()
    assert answer.score == 9


@pytest.mark.parametrize(
    ("score", "code"),
    [(None, "missing"), ("", "missing"), ("11", "out_of_range"), (-1, "out_of_range"),
     ("dix", "not_a_number"), (True, "not_a_number")],
)  # fmt: skip
def test_a_missing_or_out_of_range_score_is_refused_with_a_message(answer, score, code):
    with pytest.raises(RelationshipServiceError) as refused:
        answer_relationship(answer, score=score, now=MARCH)

    assert (refused.value.code, refused.value.field) == (code, "nps")
    assert "0 to 10" in refused.value.message or "0 à 10" in refused.value.message
    answer.refresh_from_db()
    assert answer.answered_at is None


def test_a_too_long_comment_is_refused(answer):
    with pytest.raises(RelationshipServiceError) as refused:
        answer_relationship(answer, score=8, comment="x" * 2001, now=MARCH)
    assert refused.value.field == "comment"


@pytest.mark.parametrize(
    ("score", "comment", "low"),
    [
        (6, "", True),
        (0, "", True),
        (7, "", False),
        (10, "", False),
        (9, "Service inacceptable", True),
    ],
)
def test_low_is_nps_zero_to_six_or_a_negative_comment(answer, score, comment, low):
    answer_relationship(answer, score=score, comment=comment, now=MARCH)

    answer.refresh_from_db()
    assert answer.low is low
    assert FollowUp.objects.filter(relationship_answer=answer).exists() is low


def test_the_low_threshold_follows_the_setting(answer):
    SurveySettings.objects.update_or_create(pk=1, defaults={"nps_low_at_most": 4})

    answer_relationship(answer, score=5, now=MARCH)

    answer.refresh_from_db()
    assert answer.low is False


# --- The follow-up of a low answer ------------------------------------------------------------


@pytest.fixture
def account_manager(desk):
    person = UserFactory(
        email="gilles@desk.test",
        full_name="Gilles Roy",
        organisation=None,
        roles=[Role.ACCOUNT_MANAGER, Role.TEAM_LEAD],
    )
    desk.finances.account_manager = person
    desk.finances.save()
    return person


def test_a_low_answer_opens_one_follow_up_for_the_account_manager(desk, answer, account_manager):
    answer_relationship(answer, score=3, comment="Trop lent", now=MARCH)
    answer_relationship(answer, score=2, now=MARCH + timedelta(hours=1))  # changed: still one

    follow_up = FollowUp.objects.get()
    assert follow_up.relationship_answer == answer
    assert follow_up.survey is None
    assert follow_up.ticket is None
    assert follow_up.assigned_to == account_manager
    assert follow_up.due_at == MARCH + timedelta(hours=48)
    [mail] = OutboundMessage.objects.filter(kind="follow_up")
    assert mail.recipient == account_manager
    assert "Finances" in mail.subject
    assert "Trop lent" in mail.text_body
    assert "3" in mail.text_body


def test_an_account_manager_who_leads_no_team_sees_and_closes_their_follow_ups(
    client, desk, answer
):
    person = UserFactory(
        email="ines@desk.test", full_name="Inès Roy", organisation=None,
        roles=[Role.ACCOUNT_MANAGER],
    )  # fmt: skip
    desk.finances.account_manager = person
    desk.finances.save()
    answer_relationship(answer, score=2, now=MARCH)
    follow_up = FollowUp.objects.get()
    client.force_login(person)

    assert "Finances" in client.get(reverse("voice:follow_ups")).content.decode()
    response = client.post(
        reverse("voice:follow_up_close"),
        {"follow_up": follow_up.pk, "call_made": "Appel", "learned": "Délais", "action": "Suivi"},
    )
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.state == "closed"
    # Another organisation's account manager sees nothing of it.
    other = UserFactory(email="zoe@desk.test", organisation=None, roles=[Role.ACCOUNT_MANAGER])
    client.force_login(other)
    assert "Finances" not in client.get(reverse("voice:follow_ups")).content.decode()


def test_without_an_account_manager_a_serving_lead_is_assigned(desk, answer):
    answer_relationship(answer, score=1, now=MARCH)
    assert FollowUp.objects.get().assigned_to == desk.person("lea")


def test_the_database_refuses_a_follow_up_with_two_origins_or_none(desk, answer):
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUp.objects.create(opened_at=MARCH, due_at=MARCH)


def test_scenario_low_nps_through_the_email_opens_escalates_and_closes(
    client, desk, account_manager
):
    manager = UserFactory(email="marc@desk.test", full_name="Marc Roy", roles=[Role.MANAGER])
    carole = desk.person("carole")
    send_due_rounds()

    # Carole answers through the emailed one-click link: GET, then POST.
    message = OutboundMessage.objects.get(kind="relationship_survey", recipient=carole)
    link = next(m for m in PAGE.finditer(message.text_body) if m.group(2) == "?score=4")
    path = link.group(1) + link.group(2)
    page = client.get(path)
    assert page.status_code == 200
    assert 'name="score" value="4" required checked' in page.content.decode()
    assert not FollowUp.objects.exists()  # a GET never changes anything
    response = client.post(path, {"score": "4", "comment": "Aucune nouvelle pendant des jours"})
    assert response.status_code == 302

    # The follow-up opens for the account manager, who sees it in the queue.
    follow_up = FollowUp.objects.get(relationship_answer__person=carole)
    assert follow_up.assigned_to == account_manager
    client.force_login(account_manager)
    queue = client.get(reverse("voice:follow_ups")).content.decode()
    assert "Finances" in queue
    assert "4/10" in queue

    # Overdue: escalated once to the managers.
    late = follow_up.due_at + timedelta(minutes=1)
    assert escalate_overdue(now=late) == 1
    assert escalate_overdue(now=late + timedelta(minutes=5)) == 0
    [escalated] = OutboundMessage.objects.filter(kind="follow_up_escalated")
    assert escalated.recipient == manager
    assert "Finances" in escalated.subject

    # Closed through the queue, telling carole what changed.
    response = client.post(
        reverse("voice:follow_up_close"),
        {
            "follow_up": follow_up.pk,
            "call_made": "Appel à Carole",
            "learned": "Les suivis manquaient",
            "action": "Un point mensuel avec Finances.",
            "tell_requester": "on",
        },
    )
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert (follow_up.state, follow_up.requester_told) == ("closed", True)
    [told] = OutboundMessage.objects.filter(kind="follow_up_outcome")
    assert told.recipient == carole
    assert "Un point mensuel avec Finances." in told.text_body
    assert "Les suivis manquaient" not in told.text_body
    assert not TimelineEvent.objects.filter(data__follow_up__isnull=False).exists()


def test_the_queue_reads_relationship_follow_ups_in_a_fixed_number_of_queries(client, desk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from allie.sla.calendars import clear_calendar_cache

    admin = desk.person("admin")
    client.force_login(admin)

    def count(extra: int) -> int:
        for _n in range(extra):
            person = UserFactory(organisation=desk.finances, is_organisation_contact=True)
            assert person.pk
        RelationshipSurvey.objects.all().delete()
        send_due_rounds(now=MARCH)
        for answer in RelationshipAnswer.objects.filter(answered_at__isnull=True):
            answer_relationship(answer, score=2, now=MARCH)
        clear_calendar_cache()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("voice:follow_ups"))
        assert response.status_code == 200
        return len(queries)

    few = count(1)
    assert FollowUp.objects.count() == 2
    many = count(6)
    assert FollowUp.objects.count() == 8
    assert few == many
