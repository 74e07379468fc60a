"""Input and output shapes of the REST API v1.

Input serializers validate what a caller sends and never write; the views hand the validated
data to one service. Output serializers only read rows the view already scoped and loaded.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from allie.accounts.models import Organisation, Team, User
from allie.accounts.selectors import visible_people
from allie.catalog.models import FormField, ImpactChoices, Service, UrgencyChoices
from allie.catalog.questions import clean_answers
from allie.core.database import MAX_ID
from allie.sla.models import TicketSla
from allie.sla.presenters import clock_statuses
from allie.tickets.models import Attachment, Handoff, Ticket, TimelineEvent
from allie.tickets.selectors import may_work_on, pending_handoff, served_organisation_ids
from allie.tickets.services import TRANSITION_COMMANDS, available_actions

# --- Small references to related rows ----------------------------------------------------------


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    full_name = serializers.CharField(read_only=True)


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


# --- Tickets ------------------------------------------------------------------------------------


class SlaClockSerializer(serializers.Serializer):
    state = serializers.CharField(read_only=True)
    due = serializers.DateTimeField(read_only=True, allow_null=True)
    target_seconds = serializers.FloatField(read_only=True)
    elapsed_seconds = serializers.FloatField(read_only=True)
    remaining_seconds = serializers.FloatField(
        read_only=True, help_text=_("Business seconds left now; negative once breached.")
    )


class SlaNextUpdateSerializer(SlaClockSerializer):
    breaches = serializers.IntegerField(read_only=True)


class SlaSerializer(serializers.Serializer):
    first_response = SlaClockSerializer(read_only=True)
    next_update = SlaNextUpdateSerializer(read_only=True)
    resolution = SlaClockSerializer(read_only=True)
    next_breach_at = serializers.DateTimeField(read_only=True, allow_null=True)


# One field instance of each kind, reused for every value: building a serializer per row (or
# per SLA summary) deep-copies its fields each time, which cost most of a list's time.
_DATETIME = serializers.DateTimeField(read_only=True)


def _datetime(value: Any) -> str | None:
    return None if value is None else _DATETIME.to_representation(value)


def sla_data(ticket: Ticket) -> dict[str, Any] | None:
    """The ticket's SLA clocks as of now, in business seconds (None before any is computed).

    The shape of `SlaSerializer`, built as plain dicts (the serializer documents the schema).
    """
    try:
        sla = ticket.sla
    except TicketSla.DoesNotExist:
        return None
    clocks: dict[str, dict[str, Any]] = {}
    for status in clock_statuses(sla, timezone.now()):
        clocks[status.clock] = {
            "state": str(status.state),
            "due": _datetime(status.due_at),
            "target_seconds": float(status.target_seconds),
            "elapsed_seconds": float(status.elapsed_seconds),
            "remaining_seconds": float(status.remaining_seconds),
        }
    clocks["next_update"]["breaches"] = int(sla.next_update_breaches)
    return {
        "first_response": clocks["first_response"],
        "next_update": clocks["next_update"],
        "resolution": clocks["resolution"],
        "next_breach_at": _datetime(sla.next_breach_at),
    }


def _person_ref(person: User | None) -> dict[str, Any] | None:
    return None if person is None else {"id": person.pk, "full_name": str(person.full_name)}


def _named_ref(row: Any) -> dict[str, Any] | None:
    return None if row is None else {"id": row.pk, "name": str(row.name)}


def _annotated_ref(ticket: Ticket, relation: str) -> dict[str, Any] | None:
    """The {id, name} of a related row, from the list's `<relation>_name` annotation if any."""
    annotated = ticket.__dict__
    key = f"{relation}_name"
    if key not in annotated:
        return _named_ref(getattr(ticket, relation))
    pk = annotated[f"{relation}_id"]
    return None if pk is None else {"id": pk, "name": annotated[key]}


def ticket_data(ticket: Ticket, user: Any) -> dict[str, Any]:
    """A ticket as `TicketSerializer` shows it to `user`, built directly (the hot list path).

    Reads the related rows the view loaded (select_related, or the list's annotations of the
    organisation's and team's names and the service's code); no query of its own.
    """
    if "service_code" in ticket.__dict__:
        service_code = ticket.__dict__["service_code"]
    else:
        service_code = None if ticket.service is None else ticket.service.code
    return {
        "reference": ticket.reference,
        "title": ticket.title,
        "description": ticket.description,
        "kind": ticket.kind,
        "channel": ticket.channel,
        "status": ticket.status,
        "priority": ticket.priority,
        "impact": ticket.impact,
        "urgency": ticket.urgency,
        "service": service_code,
        "organisation": _annotated_ref(ticket, "organisation"),
        "requester": _person_ref(ticket.requester),
        "owner": _person_ref(ticket.owner),
        "team": _annotated_ref(ticket, "team"),
        "next_step": ticket.next_step,
        "form_answers": ticket.form_answers,
        "decline_reason": ticket.decline_reason,
        "decline_alternative": ticket.decline_alternative,
        "handoff_count": ticket.handoff_count,
        "reopen_count": ticket.reopen_count,
        "created_at": _datetime(ticket.created_at),
        "updated_at": _datetime(ticket.updated_at),
        "acknowledged_at": _datetime(ticket.acknowledged_at),
        "first_response_at": _datetime(ticket.first_response_at),
        "resolved_at": _datetime(ticket.resolved_at),
        "closed_at": _datetime(ticket.closed_at),
        # Targets and breaches are the desk's internal measures: agents working on it only.
        "sla": sla_data(ticket) if may_work_on(user, ticket) else None,
    }


class TicketSerializer(serializers.ModelSerializer):
    """A ticket as listed: every field a client needs, related rows loaded by select_related."""

    service = serializers.SlugRelatedField(slug_field="code", read_only=True)
    organisation = NamedRefSerializer(read_only=True)
    requester = PersonRefSerializer(read_only=True)
    owner = PersonRefSerializer(read_only=True, allow_null=True)
    team = NamedRefSerializer(read_only=True, allow_null=True)
    sla = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "reference",
            "title",
            "description",
            "kind",
            "channel",
            "status",
            "priority",
            "impact",
            "urgency",
            "service",
            "organisation",
            "requester",
            "owner",
            "team",
            "next_step",
            "form_answers",
            "decline_reason",
            "decline_alternative",
            "handoff_count",
            "reopen_count",
            "created_at",
            "updated_at",
            "acknowledged_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "sla",
        ]
        read_only_fields = fields

    @extend_schema_field(SlaSerializer(allow_null=True))
    def get_sla(self, ticket: Ticket) -> dict[str, Any] | None:
        # Targets and breaches are the desk's internal measures: agents working on it only.
        if not may_work_on(self.context["request"].user, ticket):
            return None
        return sla_data(ticket)

    def to_representation(self, instance: Ticket) -> dict[str, Any]:
        # The fields above document the shape (schema); `ticket_data` builds it without
        # DRF's per-field machinery. A test checks both give the same output.
        data = ticket_data(instance, self.context["request"].user)
        extra = [name for name in self.Meta.fields if name not in data]
        if extra:  # a subclass's own fields (the detail's actions and handoff)
            fields = self.fields
            for name in extra:
                field = fields[name]
                data[name] = field.to_representation(field.get_attribute(instance))
        return data


class HandoffSerializer(serializers.ModelSerializer):
    proposed_by = PersonRefSerializer(read_only=True)
    to_person = PersonRefSerializer(read_only=True, allow_null=True)
    to_team = NamedRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Handoff
        fields = ["id", "proposed_by", "to_person", "to_team", "reason", "created_at"]
        read_only_fields = fields


class TicketDetailSerializer(TicketSerializer):
    """One ticket, with what the reader may do on it now and the pending handoff (agents)."""

    actions = serializers.SerializerMethodField()
    pending_handoff = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "actions", "pending_handoff"]
        read_only_fields = fields

    def to_representation(self, instance: Ticket) -> dict[str, Any]:
        # Plain dicts, as for the list: touching `self.fields` would build and deep-copy every
        # field of the model serializer on each call (a third of a creation's answer). The
        # pending handoff is read once, for both the actions and the block below (not at all
        # for a ticket opened in this request). A test checks the output equals DRF's.
        user = self.context["request"].user
        data = ticket_data(instance, user)
        pending = None if self.context.get("just_opened") else pending_handoff(instance)
        data["actions"] = available_actions(instance, user, pending=pending)
        shown = pending is not None and may_work_on(user, instance)
        data["pending_handoff"] = HandoffSerializer(pending).data if shown else None
        return data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, ticket: Ticket) -> list[str]:
        return available_actions(ticket, self.context["request"].user)

    @extend_schema_field(HandoffSerializer(allow_null=True))
    def get_pending_handoff(self, ticket: Ticket) -> dict[str, Any] | None:
        # Handoffs are internal: only the agents working on the ticket see them.
        if not may_work_on(self.context["request"].user, ticket):
            return None
        if self.context.get("just_opened"):
            return None  # a ticket opened in this request has no handoff yet
        pending = pending_handoff(ticket)
        return HandoffSerializer(pending).data if pending is not None else None


# The relation fields below build their queryset when they look a value up, rather than take
# one as an argument: DRF deep-copies every declared field's arguments for each serializer it
# makes, and copying a queryset (its whole query) was most of the cost of parsing a creation.


class KeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A row by its key: a whole number, or a string of digits, that a key can hold.

    DRF hands the value to the lookup as sent, and Django's integer lookup truncates it: 1.5
    (or 1.0) named row 1 instead of being refused.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and data.isascii() and data.isdigit():
            data = int(data)
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.INT)  # the schema's type came from the queryset argument
class VisiblePersonField(KeyRelatedField):
    """A person's id, looked up among the people the caller may see.

    An id the caller may not see is answered like one that does not exist.
    """

    def get_queryset(self) -> QuerySet[User]:
        return visible_people(self.context["request"].user)


@extend_schema_field({"type": "string", "minLength": 1})
class ServiceCodeField(serializers.SlugRelatedField):
    """A service, by its code."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self) -> QuerySet[Service]:
        return Service.objects.all()

    def to_internal_value(self, data: Any) -> Service:
        # No code holds a NUL, and PostgreSQL refuses one in the lookup (a form-encoded body
        # reaches here unchecked by the JSON parser).
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.INT)
class TeamField(KeyRelatedField):
    """A team, by its id."""

    def get_queryset(self) -> QuerySet[Team]:
        return Team.objects.all()


class TicketCreateSerializer(serializers.Serializer):
    """What a caller sends to open a ticket."""

    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    service = ServiceCodeField(required=False, allow_null=True)
    impact = serializers.ChoiceField(choices=ImpactChoices.choices, required=False)
    urgency = serializers.ChoiceField(choices=UrgencyChoices.choices, required=False)
    form_answers = serializers.DictField(required=False, default=dict)
    requester = VisiblePersonField(
        required=False,
        allow_null=True,
        help_text=_("Agents only: the person the request is opened for."),
    )

    def validate_requester(self, requester: User | None) -> User | None:
        user = self.context["request"].user
        if requester is None or requester.pk == user.pk:
            return None
        if not user.is_agent:
            raise serializers.ValidationError(
                _("Only agents can open a request for someone else."), code="agent_required"
            )
        serves = user.is_administrator or requester.organisation_id in served_organisation_ids(user)
        if not serves:
            raise serializers.ValidationError(
                _("You do not serve this person's organisation."), code="not_served"
            )
        return requester

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        service = attrs.get("service")
        answers = attrs.get("form_answers") or {}
        if service is None:
            if answers:
                raise serializers.ValidationError(
                    {"form_answers": [_("Answers need a service with a form.")]}
                )
            return attrs
        stored, errors = clean_answers(service.form_fields.all(), answers)
        if errors:
            raise serializers.ValidationError({"form_answers": errors})
        attrs["form_answers"] = stored
        return attrs


class ReplyCreateSerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=False, trim_whitespace=True)
    public = serializers.BooleanField(
        required=False, default=True, help_text=_("False writes an internal note (agents only).")
    )


class TransitionSerializer(serializers.Serializer):
    command = serializers.ChoiceField(choices=sorted(TRANSITION_COMMANDS))
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    alternative = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("When declining: where the requester can go instead."),
    )


class HandoffActionSerializer(serializers.Serializer):
    ACTIONS = ("propose", "accept", "decline", "withdraw")

    action = serializers.ChoiceField(choices=ACTIONS)
    to_person = VisiblePersonField(required=False, allow_null=True)
    to_team = TeamField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


# --- Timeline -----------------------------------------------------------------------------------


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "url"]
        read_only_fields = fields

    def get_url(self, attachment: Attachment) -> str:
        return reverse("tickets:attachment", args=[attachment.pk])


class TimelineEventSerializer(serializers.ModelSerializer):
    actor = PersonRefSerializer(read_only=True, allow_null=True)
    public = serializers.BooleanField(source="is_public", read_only=True)
    data = serializers.JSONField(read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = TimelineEvent
        fields = ["id", "kind", "actor", "public", "body", "data", "attachments", "created_at"]
        read_only_fields = fields


# --- Catalogue ----------------------------------------------------------------------------------


class FormFieldChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label_fr = serializers.CharField()
    label_en = serializers.CharField()


class FormFieldSerializer(serializers.ModelSerializer):
    choices = serializers.SerializerMethodField()

    class Meta:
        model = FormField
        fields = [
            "key",
            "label_fr",
            "label_en",
            "help_fr",
            "help_en",
            "field_type",
            "required",
            "choices",
            "position",
        ]
        read_only_fields = fields

    @extend_schema_field(FormFieldChoiceSerializer(many=True))
    def get_choices(self, field: FormField) -> list[dict[str, str]]:
        french = field.choice_pairs("fr")
        english = dict(field.choice_pairs("en"))
        return [
            {"value": value, "label_fr": label, "label_en": english.get(value, label)}
            for value, label in french
        ]


class ServiceSerializer(serializers.ModelSerializer):
    owner_team = NamedRefSerializer(read_only=True)
    form_fields = FormFieldSerializer(many=True, read_only=True)

    class Meta:
        model = Service
        fields = [
            "code",
            "name_fr",
            "name_en",
            "description_fr",
            "description_en",
            "in_scope_fr",
            "in_scope_en",
            "out_of_scope_fr",
            "out_of_scope_en",
            "alternative_fr",
            "alternative_en",
            "default_kind",
            "default_impact",
            "default_urgency",
            "owner_team",
            "form_fields",
        ]
        read_only_fields = fields


# --- Organisations and people -------------------------------------------------------------------


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "language", "is_vip"]
        read_only_fields = fields


class PersonSerializer(serializers.ModelSerializer):
    """A person; never the password hash, never a token."""

    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "full_name",
            "email",
            "phone",
            "language",
            "organisation",
            "is_organisation_contact",
            "is_active",
            "roles",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_roles(self, person: User) -> list[str]:
        # Reads the prefetched grants: person.roles would cost a query per row.
        return sorted(grant.role for grant in person.role_grants.all())


# --- Errors -------------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """Every error: a stable code, a message in the caller's language, errors by field."""

    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
