"""Comment themes: classified when answered, managed by administrators, reported per month."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from allie.sla.calendars import clear_calendar_cache
from allie.tickets.services import open_ticket
from allie.voice.models import CommentTheme, RelationshipAnswer, SurveySettings, Theme
from allie.voice.services.relationship import answer_relationship, send_due_rounds
from allie.voice.services.surveys import answer_survey, send_survey_for
from allie.voice.services.themes import reclassify_all
from tests.factories import UserFactory

MONTREAL = ZoneInfo("America/Toronto")
MARCH = datetime(2026, 3, 10, 10, 0, tzinfo=MONTREAL)
APRIL = datetime(2026, 4, 14, 10, 0, tzinfo=MONTREAL)
REPORT = "voice:themes"
PERIOD = {"start": "2026-02-15", "end": "2026-04-30"}


@pytest.fixture(autouse=True)
def _no_fatigue(db):
    SurveySettings.objects.update_or_create(pk=1, defaults={"fatigue_days": 0})


def answered(requester, comment: str, *, at: datetime = MARCH, csat: int = 2, service=None):
    ticket = open_ticket(requester=requester, title="Demande", service=service, now=at)
    survey = send_survey_for(ticket, now=at)
    assert survey is not None
    return answer_survey(survey, csat=csat, comment=comment, now=at)


def codes(answer) -> set[str]:
    return set(answer.themes.values_list("theme__code", flat=True))


def test_the_built_in_themes_are_seeded_by_the_migration(db):
    assert set(Theme.objects.values_list("code", flat=True)) >= {
        "speed",
        "communication",
        "competence",
        "courtesy",
        "outcome",
    }
    speed = Theme.objects.get(code="speed")
    assert (speed.name_fr, speed.name_en) == ("Rapidité", "Speed")
    assert "lent*" in speed.keywords_fr
    assert "slow*" in speed.keywords_en


def test_a_comment_is_classified_when_answered_and_again_when_changed(desk):
    survey = answered(desk.person("alice"), "Très LENT, et l’agent était impoli")
    assert codes(survey) == {"speed", "courtesy"}

    survey = answer_survey(survey, csat=5, comment="Finally fixed, thank you", now=MARCH)
    assert codes(survey) == {"outcome"}

    survey = answer_survey(survey, csat=5, comment="", now=MARCH)
    assert codes(survey) == set()


def test_a_relationship_comment_is_classified(desk):
    send_due_rounds(now=MARCH)
    answer = RelationshipAnswer.objects.get(person=desk.carole)

    answer = answer_relationship(
        answer, score=8, comment="Les explications sont claires", now=MARCH
    )

    assert codes(answer) == {"communication"}
    assert answer.themes.get().answered_at == MARCH


def test_a_theme_added_by_an_administrator_is_used_and_reclassifies_old_comments(desk):
    old = answered(desk.person("alice"), "Le coût de la licence est trop élevé")
    assert codes(old) == set()

    Theme.objects.create(
        code="price",
        name_fr="Prix",
        name_en="Price",
        keywords_fr="coût*\nprix",
        keywords_en="cost*",
    )
    new = answered(desk.person("bob"), "Licence costs too much")
    Theme.objects.filter(code="speed").update(is_active=False)
    slow = answered(desk.person("bob"), "Lent")

    assert codes(new) == {"price"}
    assert codes(slow) == set()  # an inactive theme finds nothing
    assert reclassify_all() == 3
    assert codes(old) == {"price"}


# --- The report -------------------------------------------------------------------------------


@pytest.fixture
def clinic_person(desk):
    return UserFactory(email="zoe@clinique.test", full_name="Zoé Lavoie", organisation=desk.clinic)


def test_the_report_counts_themes_per_service_and_month(client, settings, desk, clinic_person):
    alice, bob = desk.person("alice"), desk.person("bob")
    answered(alice, "Trop lent", service=desk.service)
    answered(bob, "Lent et impoli", service=desk.service)
    answered(alice, "Délai inacceptable", at=APRIL, service=desk.service)
    answered(alice, "Rapide", at=datetime(2026, 1, 5, tzinfo=MONTREAL))  # before the period
    answered(clinic_person, "Trop lent", at=APRIL)  # no service; another organisation
    send_due_rounds(now=MARCH)
    nps = RelationshipAnswer.objects.get(person=desk.carole)
    answer_relationship(nps, score=3, comment="Aucune réponse, trop lent", now=APRIL)
    client.force_login(desk.person("admin"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(reverse(REPORT), {**PERIOD, "by": "service"})

    assert response.status_code == 200
    report = response.context["report"]
    assert [m.month for m in report.months] == [2, 3, 4]
    table = {(label, row.theme_code): row.counts for label, row in response.context["rows"]}
    assert table == {
        ("Laptop", "speed"): (0, 2, 1),
        ("Laptop", "courtesy"): (0, 1, 0),
        ("—", "speed"): (0, 0, 1),
        ("Relationship survey", "speed"): (0, 0, 1),
        ("Relationship survey", "communication"): (0, 0, 1),
    }
    page = response.content.decode()
    assert "Speed" in page
    assert "Courtesy" in page

    # A team lead sees the clients their teams serve only (Support serves Finances).
    client.force_login(desk.person("lea"))
    rows = client.get(reverse(REPORT), {**PERIOD, "by": "team"}).context["rows"]
    seen = {(label, row.theme_code): row.total for label, row in rows}
    assert seen[("Soutien", "speed")] == 3
    assert ("—", "speed") not in seen  # the clinic's comment
    assert sum(seen.values()) == 3 + 1 + 2  # Finances: 3 speed + 1 courtesy, NPS: 2


@pytest.mark.parametrize("name", ["agathe", "chloe", "alice"])
def test_the_report_is_for_leads_only(client, desk, name):
    client.force_login(desk.person(name))
    assert client.get(reverse(REPORT)).status_code == 404


def test_a_bad_period_is_refused_with_a_message(client, desk):
    client.force_login(desk.person("admin"))
    response = client.get(reverse(REPORT), {"start": "2026-04-30", "end": "2026-01-01"})
    assert response.status_code == 400
    assert response.context["form"].errors


def test_the_csv_export_neutralises_formulas(client, desk):
    desk.service.name_fr = '=HYPERLINK("http://x")'
    desk.service.save()
    Theme.objects.create(code="evil", name_fr="+cmd", name_en="+cmd", keywords_fr="piège")
    answered(desk.person("alice"), "Un piège, et lent", service=desk.service)
    client.force_login(desk.person("admin"))

    response = client.get(reverse(REPORT), {**PERIOD, "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows[0]) == 2 + 3 + 1  # group, theme, three months, total
    assert ['\'=HYPERLINK("http://x")', "'+cmd", "0", "1", "0", "1"] in rows
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


@pytest.mark.parametrize("by", ["service", "team"])
def test_the_report_runs_a_fixed_number_of_queries(client, desk, by):
    lead = desk.person("lea")

    def measure(extra: int) -> int:
        for index in range(extra):
            person = UserFactory(organisation=desk.finances)
            answered(person, f"Lent et impoli {index}", service=desk.service, at=APRIL)
        send_due_rounds(now=MARCH)
        for answer in RelationshipAnswer.objects.filter(answered_at__isnull=True):
            answer_relationship(answer, score=9, comment="Rapide", now=APRIL)
        client.force_login(lead)
        clear_calendar_cache()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(REPORT), {**PERIOD, "by": by})
        assert response.status_code == 200
        return len(queries)

    few = measure(2)
    small = CommentTheme.objects.count()
    many = measure(12)
    assert CommentTheme.objects.count() > small
    assert few == many


def test_administrators_manage_themes_in_the_admin(client, desk):
    old = answered(desk.person("alice"), "Le coût est trop élevé")
    client.force_login(desk.person("admin"))

    assert client.get(reverse("admin:voice_theme_changelist")).status_code == 200
    assert client.get(reverse("admin:voice_relationshipanswer_changelist")).status_code == 200
    assert client.get(reverse("admin:voice_relationshipsurvey_changelist")).status_code == 200
    response = client.post(
        reverse("admin:voice_theme_add"),
        {
            "code": "price",
            "name_fr": "Prix",
            "name_en": "Price",
            "keywords_fr": "coût*",
            "keywords_en": "cost*",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    price = Theme.objects.get(code="price")
    response = client.post(
        reverse("admin:voice_theme_changelist"),
        {"action": "reclassify", "_selected_action": [price.pk]},
    )
    assert response.status_code == 302
    assert codes(old) == {"price"}
