"""The voice of the client's rows: the commitments ledger and its reminders, surveys."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from allie.core.models import SingletonSettings
from allie.voice.domain.commitments import State as DomainState
from allie.voice.domain.relationship import SCHEDULES


class CommitmentState(models.TextChoices):
    OPEN = DomainState.OPEN.value, _("Open")
    KEPT = DomainState.KEPT.value, _("Kept")
    RENEGOTIATED = DomainState.RENEGOTIATED.value, _("Renegotiated")
    BROKEN = DomainState.BROKEN.value, _("Broken")


class CommitmentQuerySet(models.QuerySet["Commitment"]):
    def visible_to(self, user: Any) -> CommitmentQuerySet:
        """The one scoping rule: see `allie.voice.selectors.scope_commitments`."""
        from allie.voice.selectors import scope_commitments

        return scope_commitments(self, user)

    def open(self) -> CommitmentQuerySet:
        return self.filter(state=CommitmentState.OPEN)


class Commitment(models.Model):
    """A promise made to a client, on a ticket or an organisation, due at a given time."""

    State = CommitmentState

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("request"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="commitments",
        db_index=False,  # served by the index commitment_by_ticket, which starts with it
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="commitments",
        db_index=False,  # served by the index commitment_by_organisation, which starts with it
    )
    # The team it counts for in the figures, fixed when the promise is made.
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commitments",
    )
    what = models.CharField(_("what was promised"), max_length=500)
    to_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to whom"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commitments_received",
    )
    to_name = models.CharField(_("to whom (name)"), max_length=200, blank=True)
    due_at = models.DateTimeField(_("due"))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        on_delete=models.PROTECT,
        related_name="commitments_made",
        db_index=False,  # served by the index commitment_by_promiser, which starts with it
    )
    made_at = models.DateTimeField(_("made"))
    is_public = models.BooleanField(_("shown to the requester"), default=False)
    state = models.CharField(
        _("state"), max_length=20, choices=CommitmentState.choices, default=CommitmentState.OPEN
    )
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("settled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    # Never looked up by it (nothing reads a commitment's renegotiations), and commitments are
    # never deleted: no index.
    renegotiated_from = models.ForeignKey(
        "self",
        verbose_name=_("renegotiated from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renegotiations",
        db_index=False,
    )
    client_told = models.BooleanField(_("client told"), default=False)
    client_told_at = models.DateTimeField(_("client told at"), null=True, blank=True)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        indexes = [
            # The sweep that breaks overdue commitments reads only the open ones by due time.
            models.Index(
                fields=["due_at"], condition=Q(state="open"), name="commitment_open_by_due"
            ),
            models.Index(fields=["ticket", "due_at"], name="commitment_by_ticket"),
            models.Index(fields=["organisation", "due_at"], name="commitment_by_organisation"),
            models.Index(fields=["made_by", "due_at"], name="commitment_by_promiser"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=CommitmentState.values), name="commitment_known_state"
            ),
            models.CheckConstraint(
                condition=Q(state="open") | Q(settled_at__isnull=False),
                name="commitment_settled_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.what

    @property
    def to_whom(self) -> str:
        """The person the promise was made to, by name."""
        if self.to_person_id is not None:
            return str(self.to_person)
        return self.to_name


class CommitmentReminder(models.Model):
    """One reminder to the promiser before the due time; sent once (`sent_at` records it)."""

    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.CASCADE,
        related_name="reminders",
        db_index=False,  # served by the unique commitment_reminder_once, which starts with it
    )
    remind_at = models.DateTimeField(_("remind at"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["remind_at", "id"]
        verbose_name = _("commitment reminder")
        verbose_name_plural = _("commitment reminders")
        indexes = [
            models.Index(
                fields=["remind_at"],
                condition=Q(sent_at__isnull=True),
                name="commitment_reminder_pending",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "remind_at"], name="commitment_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.commitment_id} @ {self.remind_at:%Y-%m-%d %H:%M}"


# --- Satisfaction surveys after resolution (issue 5, point 1) ---------------------------------


class SurveySettings(SingletonSettings):
    """When satisfaction surveys are sent and how long their links and answers stay open."""

    fatigue_days = models.PositiveIntegerField(
        _("days between two surveys to one person"),
        default=30,
        help_text=_("A person gets at most one survey in this many days (0: no limit)."),
    )
    answer_window_hours = models.PositiveIntegerField(
        _("hours to change an answer"),
        default=72,
        help_text=_("An answer can be changed for this many hours after it was first given."),
    )
    link_lifetime_days = models.PositiveIntegerField(
        _("link lifetime (days)"),
        default=30,
        help_text=_("A survey link stops working after this many days."),
    )
    include_declined_and_cancelled = models.BooleanField(
        _("also survey declined and cancelled requests"), default=False
    )
    follow_up_hours = models.PositiveIntegerField(
        _("hours to follow up a low answer"),
        default=48,
        help_text=_("A follow-up opened by a low answer is due this many hours later."),
    )
    relationship_every_months = models.PositiveIntegerField(
        _("months between two relationship surveys"),
        default=6,
        choices=[(n, str(n) if n else _("Never")) for n in SCHEDULES],
        help_text=_(
            "Each client organisation's contacts are asked once per window of this many months "
            "(6: January and July; 0: never)."
        ),
    )
    nps_low_at_most = models.PositiveSmallIntegerField(
        _("low relationship score (at most)"),
        default=6,
        validators=[MaxValueValidator(10)],
        help_text=_("A relationship score from 0 to this opens a follow-up."),
    )

    class Meta:
        verbose_name = _("survey settings")
        verbose_name_plural = _("survey settings")

    def __str__(self) -> str:
        return str(_("Survey settings"))


class Survey(models.Model):
    """The satisfaction survey sent to a ticket's requester once it is resolved (one per ticket).

    Its link is signed (`allie.voice.links`) and names the survey and its `nonce`; the answer
    (CSAT, CES, comment) may be changed within the answer window after it was first given.
    """

    ticket = models.OneToOneField(
        "tickets.Ticket",
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="survey",
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="surveys",
        db_index=False,  # served by the index survey_by_requester, which starts with it
    )
    sent_at = models.DateTimeField(_("sent"))
    nonce = models.CharField(max_length=64)
    language = models.CharField(_("language"), max_length=8)
    first_answered_at = models.DateTimeField(_("first answered"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    csat = models.PositiveSmallIntegerField(_("satisfaction (1 to 5)"), null=True, blank=True)
    ces = models.PositiveSmallIntegerField(_("ease (1 to 5)"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    low = models.BooleanField(_("low answer"), default=False)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        indexes = [
            # The fatigue rule reads a person's latest survey.
            models.Index(fields=["requester", "sent_at"], name="survey_by_requester"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(csat__isnull=True) | Q(csat__gte=1, csat__lte=5),
                name="survey_csat_on_scale",
            ),
            models.CheckConstraint(
                condition=Q(ces__isnull=True) | Q(ces__gte=1, ces__lte=5),
                name="survey_ces_on_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} @ {self.sent_at:%Y-%m-%d}"

    def ticket_state(self) -> dict[str, Any]:
        """The copy of this survey's state its ticket carries for the figures
        (`Ticket.survey_sent`...): the survey services write it, the volume seeder too."""
        answered = self.answered_at is not None
        return {
            "survey_sent": True,
            "survey_answered": answered,
            "survey_csat": self.csat if answered else None,
            "survey_ces": self.ces if answered else None,
        }


# --- Closing the loop on low answers (issue 5, point 3) ---------------------------------------


class FollowUpState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class FollowUpManager(models.Manager["FollowUp"]):
    """Every read of follow-ups carries what opened it (one join, never a query per row)."""

    def get_queryset(self) -> models.QuerySet[FollowUp]:
        return (
            super()
            .get_queryset()
            .select_related("relationship_answer__organisation", "relationship_answer__person")
        )


class FollowUp(models.Model):
    """The follow-up a low survey answer opens: a call to the client, due at a given time.

    A low satisfaction answer: assigned to the ticket team's lead (else a lead of a team serving
    the organisation, else an administrator). A low relationship answer: to the organisation's
    account manager (else a lead of a team serving it, else an administrator). Escalated to the
    managers once when overdue; closed with the call made, what was learned and the action
    taken. See docs/followups.md and docs/relationship-survey.md.
    """

    State = FollowUpState

    # What opened it: a satisfaction survey (about a ticket) or a relationship answer (about
    # the organisation, no ticket). Exactly one of the two is set.
    survey = models.OneToOneField(
        Survey,
        verbose_name=_("survey"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follow_up",
    )
    relationship_answer = models.OneToOneField(
        "voice.RelationshipAnswer",
        verbose_name=_("relationship answer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follow_up",
    )
    # Only joined to its ticket, never looked up by it, and tickets are never deleted: no index.
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("request"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follow_ups",
        db_index=False,
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
    )
    opened_at = models.DateTimeField(_("opened"))
    due_at = models.DateTimeField(_("due"))
    state = models.CharField(
        _("state"), max_length=10, choices=FollowUpState.choices, default=FollowUpState.OPEN
    )
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    call_made = models.TextField(_("call made"), blank=True)
    learned = models.TextField(_("what was learned"), blank=True)
    action = models.TextField(_("action taken"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    requester_told = models.BooleanField(_("requester told"), default=False)

    objects = FollowUpManager()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            # The escalation sweep and the queue read only the open ones by due time.
            models.Index(
                fields=["due_at"], condition=Q(state="open"), name="follow_up_open_by_due"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=FollowUpState.values), name="follow_up_known_state"
            ),
            models.CheckConstraint(
                condition=Q(state="open") | Q(closed_at__isnull=False),
                name="follow_up_closed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(survey__isnull=False, relationship_answer__isnull=True)
                | Q(survey__isnull=True, relationship_answer__isnull=False),
                name="follow_up_one_origin",
            ),
        ]

    def __str__(self) -> str:
        subject = self.ticket_id or f"nps-{self.relationship_answer_id}"
        return f"{subject} @ {self.due_at:%Y-%m-%d %H:%M}"


# --- Relationship survey (NPS) per client organisation (issue 5, point 2) ----------------------


class RelationshipSurvey(models.Model):
    """One round of the relationship survey sent to an organisation's contacts.

    `round_start` is the first day of the schedule's window (`allie.voice.domain.relationship`):
    unique per organisation, so a round is never sent twice.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="relationship_surveys",
    )
    round_start = models.DateField(_("round"))
    sent_at = models.DateTimeField(_("sent"))

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("relationship survey")
        verbose_name_plural = _("relationship surveys")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "round_start"], name="relationship_round_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} @ {self.round_start:%Y-%m}"


class RelationshipAnswer(models.Model):
    """One contact's answer to a round: NPS 0 to 10 (empty until answered) and a comment.

    Opened by a signed link (`allie.voice.links`, its own salt) naming the answer and its
    `nonce`; changeable within `SurveySettings.answer_window_hours` after it was first given.
    """

    survey = models.ForeignKey(
        RelationshipSurvey,
        verbose_name=_("relationship survey"),
        on_delete=models.CASCADE,
        related_name="answers",
        db_index=False,  # served by the unique relationship_answer_once, which starts with it
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="relationship_answers",
        db_index=False,  # served by the index nps_by_organisation, which starts with it
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="relationship_answers",
    )
    nonce = models.CharField(max_length=64)
    language = models.CharField(_("language"), max_length=8)
    score = models.PositiveSmallIntegerField(_("recommendation (0 to 10)"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    first_answered_at = models.DateTimeField(_("first answered"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    low = models.BooleanField(_("low answer"), default=False)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("relationship answer")
        verbose_name_plural = _("relationship answers")
        indexes = [
            models.Index(fields=["organisation", "answered_at"], name="nps_by_organisation"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["survey", "person"], name="relationship_answer_once"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=10),
                name="relationship_score_on_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} · {self.person_id}"


# --- Comment themes (issue 5, point 4) --------------------------------------------------------


class Theme(models.Model):
    """A theme survey comments are grouped into, found by keywords in French and English.

    Keywords are written one per line (or separated by commas); matching ignores case and
    accents, a keyword ending in "*" matches the words it begins. See docs/themes.md.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    keywords_fr = models.TextField(_("keywords (French)"), blank=True)
    keywords_en = models.TextField(_("keywords (English)"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("comment theme")
        verbose_name_plural = _("comment themes")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        from allie.catalog.models import in_language

        return in_language(self, "name")


class CommentTheme(models.Model):
    """A theme found in one answered comment (CSAT survey or relationship answer)."""

    theme = models.ForeignKey(
        Theme,
        verbose_name=_("theme"),
        on_delete=models.CASCADE,
        related_name="comments",
        db_index=False,  # served by the unique comment_theme_once_survey, which starts with it
    )
    survey = models.ForeignKey(
        Survey, null=True, blank=True, on_delete=models.CASCADE, related_name="themes"
    )
    relationship_answer = models.ForeignKey(
        RelationshipAnswer, null=True, blank=True, on_delete=models.CASCADE, related_name="themes"
    )
    # Copied from the answer so the report reads a period through one index.
    answered_at = models.DateTimeField(_("answered"))

    class Meta:
        ordering = ["answered_at", "id"]
        verbose_name = _("comment theme found")
        verbose_name_plural = _("comment themes found")
        indexes = [models.Index(fields=["answered_at"], name="comment_theme_by_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(survey__isnull=False, relationship_answer__isnull=True)
                | Q(survey__isnull=True, relationship_answer__isnull=False),
                name="comment_theme_one_origin",
            ),
            models.UniqueConstraint(fields=["theme", "survey"], name="comment_theme_once_survey"),
            models.UniqueConstraint(
                fields=["theme", "relationship_answer"], name="comment_theme_once_answer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.theme_id} @ {self.answered_at:%Y-%m-%d}"
