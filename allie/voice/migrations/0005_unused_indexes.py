"""Drop the voice tables' indexes that no query uses (docs/indexes.md, issue 6).

Foreign keys whose lookups an index starting with the same column serves:
- a commitment's `ticket_id`, `organisation_id` and `made_by_id`: commitment_by_ticket,
  commitment_by_organisation and commitment_by_promiser (each column, then `due_at`);
- a reminder's `commitment_id`: the unique commitment_reminder_once (commitment, remind_at);
- a survey's `requester_id`: survey_by_requester (requester, sent_at);
- a relationship answer's `survey_id` and `organisation_id`: the unique
  relationship_answer_once (survey, person) and nps_by_organisation (organisation,
  answered_at);
- a found theme's `theme_id`: the unique comment_theme_once_survey (theme, survey).

Foreign keys nothing looks up, whose rows are never deleted:
- a commitment's `renegotiated_from_id`: nothing reads a commitment's renegotiations, and
  commitments are never deleted;
- a follow-up's `ticket_id`: follow-ups are only joined to their ticket, and tickets are never
  deleted.

Indexes only, by name: an AlterField would copy the whole table on SQLite to drop them.
"""

from __future__ import annotations

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DROPPED = {
    "voice_commitment_ticket_id_80ab0471": ("voice_commitment", "ticket_id"),
    "voice_commitment_organisation_id_25bb015e": ("voice_commitment", "organisation_id"),
    "voice_commitment_made_by_id_7299da2d": ("voice_commitment", "made_by_id"),
    "voice_commitment_renegotiated_from_id_a11442f7": ("voice_commitment", "renegotiated_from_id"),
    "voice_commitmentreminder_commitment_id_8d6a2923": (
        "voice_commitmentreminder",
        "commitment_id",
    ),
    "voice_survey_requester_id_e17ee65b": ("voice_survey", "requester_id"),
    "voice_followup_ticket_id_94ff4f77": ("voice_followup", "ticket_id"),
    "voice_relationshipanswer_survey_id_1ee14ac3": ("voice_relationshipanswer", "survey_id"),
    "voice_relationshipanswer_organisation_id_24aeb072": (
        "voice_relationshipanswer",
        "organisation_id",
    ),
    "voice_commenttheme_theme_id_2e63d1af": ("voice_commenttheme", "theme_id"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_contacts_index"),
        ("tickets", "0005_unused_indexes"),
        ("voice", "0004_listening"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="commenttheme",
                    name="theme",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="comments",
                        to="voice.theme",
                        verbose_name="theme",
                    ),
                ),
                migrations.AlterField(
                    model_name="commitment",
                    name="made_by",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="commitments_made",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="made by",
                    ),
                ),
                migrations.AlterField(
                    model_name="commitment",
                    name="organisation",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="commitments",
                        to="accounts.organisation",
                        verbose_name="organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="commitment",
                    name="renegotiated_from",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="renegotiations",
                        to="voice.commitment",
                        verbose_name="renegotiated from",
                    ),
                ),
                migrations.AlterField(
                    model_name="commitment",
                    name="ticket",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="commitments",
                        to="tickets.ticket",
                        verbose_name="request",
                    ),
                ),
                migrations.AlterField(
                    model_name="commitmentreminder",
                    name="commitment",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reminders",
                        to="voice.commitment",
                    ),
                ),
                migrations.AlterField(
                    model_name="followup",
                    name="ticket",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="follow_ups",
                        to="tickets.ticket",
                        verbose_name="request",
                    ),
                ),
                migrations.AlterField(
                    model_name="relationshipanswer",
                    name="organisation",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="relationship_answers",
                        to="accounts.organisation",
                        verbose_name="organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="relationshipanswer",
                    name="survey",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="answers",
                        to="voice.relationshipsurvey",
                        verbose_name="relationship survey",
                    ),
                ),
                migrations.AlterField(
                    model_name="survey",
                    name="requester",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="surveys",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="requester",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for name, (table, column) in DROPPED.items()
            ],
        ),
    ]
