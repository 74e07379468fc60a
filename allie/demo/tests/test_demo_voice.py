"""The demo shows the voice of the client: surveys, NPS round, themes, follow-ups, commitments."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone, translation

from allie.accounts.models import User
from allie.demo import data
from allie.demo.builder import email_for
from allie.mail.models import OutboundMessage
from allie.voice.models import (
    CommentTheme,
    Commitment,
    FollowUp,
    RelationshipAnswer,
    RelationshipSurvey,
    Survey,
)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo once for the module, inside a transaction rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def lead() -> User:
    name = next(name for role, name, _domain in data.DEMO_LOGINS if "team lead" in role)
    return User.objects.get(email=email_for(name, data.STAFF_DOMAIN))


def test_demo_surveys_are_mostly_satisfied_and_not_all_answered(demo, db):
    answered = Survey.objects.filter(answered_at__isnull=False)

    assert answered.count() >= 20
    assert Survey.objects.filter(answered_at__isnull=True).exists()  # response rate < 100 %
    satisfied = answered.filter(csat__gte=4).count()
    assert satisfied / answered.count() >= 0.6
    assert answered.filter(csat__lte=2).exists()
    assert set(answered.values_list("language", flat=True)) >= {"fr-ca", "en"}
    assert answered.exclude(comment="").filter(language="en").exists()
    assert answered.exclude(comment="").filter(language="fr-ca").exists()


def test_demo_comments_are_classified_in_several_themes(demo, db):
    found = CommentTheme.objects.all()

    assert found.filter(survey__isnull=False).exists()
    assert found.filter(relationship_answer__isnull=False).exists()
    assert len(set(found.values_list("theme__code", flat=True))) >= 4
    low_with_comment = Survey.objects.filter(low=True).exclude(comment="")
    assert CommentTheme.objects.filter(survey__in=low_with_comment).exists()


def test_every_low_demo_answer_has_its_follow_up(demo, db):
    low = Survey.objects.filter(low=True)

    assert low.exists()
    assert not low.filter(follow_up__isnull=True).exists()
    assert not RelationshipAnswer.objects.filter(low=True, follow_up__isnull=True).exists()


def test_demo_follow_ups_are_open_overdue_and_closed_with_the_call(demo, db):
    now = timezone.now()
    follow_ups = FollowUp.objects.all()

    overdue = follow_ups.filter(state=FollowUp.State.OPEN, due_at__lt=now)
    assert overdue.count() == 1
    assert overdue.get().escalated_at is not None
    assert follow_ups.filter(state=FollowUp.State.OPEN, due_at__gte=now).exists()
    closed = follow_ups.filter(state=FollowUp.State.CLOSED)
    assert closed.filter(survey__isnull=False).exists()
    assert closed.filter(relationship_answer__isnull=False).exists()
    assert not closed.filter(call_made="").exists()
    assert not closed.filter(learned="").exists()
    assert not closed.filter(action="").exists()
    assert not closed.filter(closed_at__gt=now).exists()


def test_demo_relationship_round_has_promoters_passives_and_detractors(demo, db):
    rounds = RelationshipSurvey.objects.all()
    answers = RelationshipAnswer.objects.filter(score__isnull=False)

    assert rounds.count() == 4  # each client organisation with contacts, once this window
    assert RelationshipAnswer.objects.filter(score__isnull=True).exists()
    assert answers.filter(score__gte=9).exists()
    assert answers.filter(score__in=[7, 8]).exists()
    detractors = answers.filter(score__lte=6)
    assert detractors.count() >= 2
    assert not detractors.filter(comment="").exists()


def test_demo_commitments_are_kept_renegotiated_broken_and_open_due_soon(demo, db):
    now = timezone.now()
    states = set(Commitment.objects.values_list("state", flat=True))

    assert states == set(Commitment.State.values)
    assert Commitment.objects.filter(renegotiations__isnull=False).exists()
    open_ones = Commitment.objects.filter(state=Commitment.State.OPEN)
    assert open_ones.exists()
    assert not open_ones.filter(due_at__lte=now).exists()  # past due would be broken
    assert open_ones.filter(due_at__lte=now + timedelta(days=2)).exists()


def test_the_demo_past_writes_no_mail_to_send_today(demo, db):
    assert OutboundMessage.objects.filter(kind="survey", status="sent").exists()
    assert not OutboundMessage.objects.filter(status=OutboundMessage.Status.PENDING).exists()


def test_the_demo_team_lead_sees_figures_charts_and_follow_ups(demo, db, client, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client.force_login(lead())

    with translation.override("en"):
        team = client.get("/voice/team/", HTTP_ACCEPT_LANGUAGE="en")
        queue = client.get("/voice/follow-ups/", HTTP_ACCEPT_LANGUAGE="en")
        outcomes = client.get("/voice/outcomes/", HTTP_ACCEPT_LANGUAGE="en")
        themes = client.get("/voice/themes/", HTTP_ACCEPT_LANGUAGE="en")

    assert team.status_code == queue.status_code == outcomes.status_code == 200
    assert themes.status_code == 200
    page = team.content.decode()
    assert "<svg" in page
    # The lead's team over the last 30 days: every voice figure has something to count.
    tally = team.context["team_rows"][0].tally
    assert tally.csat is not None
    assert tally.ces is not None
    assert 0 < tally.response_rate < 1
    assert tally.follow_ups_on_time_rate is not None
    assert tally.commitments_kept_rate is not None
    assert team.context["nps_rows"]
    months_with_answers = [t for _month, t in team.context["trend"] if t.csat is not None]
    assert len(months_with_answers) >= 2
    follow_up = FollowUp.objects.filter(state="open", ticket__team__lead=lead()).first()
    assert follow_up is not None
    assert follow_up.ticket.reference in page
    assert follow_up.ticket.reference in queue.content.decode()
