"""Forms of the agent workspace: queue filters and the actions on a ticket."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import groupby
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from allie.accounts.models import STAFF_ROLES, Organisation, Team, User
from allie.catalog.models import ImpactChoices, Service, UrgencyChoices
from allie.core.database import MAX_ID
from allie.core.folding import Folded, folded
from allie.core.forms import FastModelChoiceField
from allie.tickets.models import Channel, Priority, Status, Ticket
from allie.tickets.selectors import SORTS, served_organisation_ids

SORT_CHOICES = [
    ("newest", _("Newest first")),
    ("oldest", _("Oldest first")),
    ("priority", _("Priority")),
    ("updated", _("Recently updated")),
]
assert {key for key, _label in SORT_CHOICES} == set(SORTS)  # one list of sorts, two places

# Lifecycle commands an agent may ask for by button; cancel belongs to requesters only.
AGENT_COMMANDS = (
    "acknowledge",
    "start",
    "wait_on_requester",
    "wait_on_third_party",
    "resume",
    "resolve",
    "close",
    "reopen",
    "decline",
)
COMMAND_LABELS = {
    "acknowledge": _("Take charge"),
    "start": _("Start work"),
    "wait_on_requester": _("Wait on requester"),
    "wait_on_third_party": _("Wait on a third party"),
    "resume": _("Resume"),
    "resolve": _("Resolve"),
    "close": _("Close"),
    "reopen": _("Reopen"),
    "decline": _("Decline"),
}


def offer_rows(field: forms.ModelChoiceField, rows: Iterable[Any]) -> None:
    """Offer rows already read (the field's queryset, evaluated) without reading them again.

    The choices are those the field's iterator would give (the empty label, then each row's
    key and label); validation still goes through the queryset.
    """
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    field.choices = [
        *empty,
        *((field.prepare_value(row), field.label_from_instance(row)) for row in rows),
    ]


def served_organisations(user: User) -> QuerySet[Organisation]:
    """Return the organisations this agent serves (administrators: all)."""
    if user.is_administrator:
        return Organisation.objects.all()
    return Organisation.objects.filter(pk__in=served_organisation_ids(user))


class QueueFilterForm(forms.Form):
    """Filters and sort of a queue; invalid values are dropped, never trusted."""

    text = forms.CharField(label=_("Reference or words"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Status.choices],
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        required=False,
        choices=[("", _("Any priority")), *Priority.choices],
    )
    service = FastModelChoiceField(
        label=_("Service"),
        required=False,
        queryset=Service.objects.none(),
        empty_label=None,
    )
    organisation = FastModelChoiceField(
        label=_("Organisation"),
        required=False,
        queryset=Organisation.objects.none(),
        empty_label=None,
    )
    team = FastModelChoiceField(
        label=_("Team"),
        required=False,
        queryset=Team.objects.none(),
        empty_label=None,
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["service"].queryset = Service.objects.order_by("position", "name_fr")
        fields["service"].empty_label = _("Any service")
        fields["organisation"].queryset = served_organisations(user).order_by("name")
        fields["organisation"].empty_label = _("Any organisation")
        teams = Team.objects.all()
        if not user.is_administrator:
            teams = teams.filter(
                Q(members=user) | Q(serves__in=served_organisation_ids(user))
            ).distinct()
        fields["team"].queryset = teams.order_by("name")
        fields["team"].empty_label = _("Any team")

    def value(self, name: str) -> Any:
        """Return the cleaned value of a field, or None when it was missing or invalid."""
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name) if name not in self.errors else None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that accepts several files at once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Message"), required=False, widget=forms.Textarea)
    internal = forms.BooleanField(label=_("Internal note (only agents see it)"), required=False)
    files = MultipleFileField(label=_("Attach files"), required=False)


class TransitionForm(forms.Form):
    command = forms.ChoiceField(choices=[(name, name) for name in AGENT_COMMANDS])
    reason = forms.CharField(label=_("Reason for declining"), required=False, widget=forms.Textarea)
    alternative = forms.CharField(
        label=_("Where the requester can go instead"), required=False, widget=forms.Textarea
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("command") == "decline":
            # Declining respectfully means saying why and where to go instead.
            if not (cleaned.get("reason") or "").strip():
                self.add_error("reason", _("Please give the reason for declining."))
            if not (cleaned.get("alternative") or "").strip():
                self.add_error(
                    "alternative", _("Please tell the requester what they can do instead.")
                )
        return cleaned


class HandoffForm(forms.Form):
    ACTIONS = ("propose", "accept", "decline", "withdraw")

    action = forms.ChoiceField(choices=[(name, name) for name in ACTIONS])
    to_person = FastModelChoiceField(
        label=_("To a person"), required=False, queryset=User.objects.none()
    )
    to_team = FastModelChoiceField(
        label=_("Or to a team"), required=False, queryset=Team.objects.none()
    )
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea)

    def __init__(
        self, *args: Any, ticket: Ticket, teams: Sequence[Team] | None = None, **kwargs: Any
    ) -> None:
        """`teams`: the teams serving the ticket's organisation when the caller has read them."""
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["to_person"].queryset = (
            User.objects.filter(
                is_active=True,
                teams__serves=ticket.organisation_id,
                role_grants__role__in=STAFF_ROLES,
            )
            .exclude(pk=ticket.owner_id)
            .distinct()
            .order_by("full_name")
        )
        fields["to_person"].empty_label = _("Choose a person")
        fields["to_team"].queryset = Team.objects.filter(serves=ticket.organisation_id).order_by(
            "name"
        )
        fields["to_team"].empty_label = _("Choose a team")
        if teams is not None:
            offer_rows(fields["to_team"], teams)


class EditFieldsForm(forms.Form):
    impact = forms.ChoiceField(label=_("Impact"), choices=ImpactChoices.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=UrgencyChoices.choices)
    service = FastModelChoiceField(
        label=_("Service"), required=False, queryset=Service.objects.none()
    )
    next_step = forms.CharField(
        label=_("Next step (the requester sees it)"), required=False, max_length=300
    )

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "impact": ticket.impact,
                "urgency": ticket.urgency,
                "service": ticket.service_id,
                "next_step": ticket.next_step,
            },
        )
        super().__init__(*args, **kwargs)
        services = Service.objects.filter(is_active=True)
        if ticket.service_id:
            # A retired service stays selectable on the ticket that already has it.
            services = Service.objects.filter(Q(is_active=True) | Q(pk=ticket.service_id))
        fields: dict[str, Any] = self.fields
        fields["service"].queryset = services.order_by("position", "name_fr")
        fields["service"].empty_label = _("No service")


# The requester list of a phone call or visit: a desk serving thousands of people offers the
# first ones and a finder, not a select of every person (a page of megabytes).
PEOPLE_OFFERED = 50
WHO_MAX = 100


def _person_label(person: User) -> str:
    return f"{person.full_name} · {person.email}"


class LogContactForm(forms.Form):
    requester = forms.ChoiceField(label=_("Requester"))
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[(Channel.PHONE, Channel.PHONE.label), (Channel.COUNTER, Channel.COUNTER.label)],
        widget=forms.RadioSelect,
        initial=Channel.PHONE,
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    service = FastModelChoiceField(
        label=_("Service"), required=False, queryset=Service.objects.none()
    )
    impact = forms.ChoiceField(
        label=_("Impact"),
        required=False,
        choices=[("", _("The service's default")), *ImpactChoices.choices],
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        required=False,
        choices=[("", _("The service's default")), *UrgencyChoices.choices],
    )
    resolved_now = forms.BooleanField(label=_("Resolved during the contact"), required=False)
    resolution = forms.CharField(
        label=_("How it was resolved"), required=False, widget=forms.Textarea
    )

    def __init__(self, *args: Any, user: User, who: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = User.objects.filter(is_active=True, organisation__isnull=False)
        if not user.is_administrator:
            people = people.filter(organisation_id__in=served_organisation_ids(user))
        self.people = people.select_related("organisation").order_by(
            "organisation__name", "full_name", "pk"
        )
        self.who = who.strip()[:WHO_MAX]
        fields: dict[str, Any] = self.fields
        fields["requester"].choices = self._grouped_people
        fields["service"].queryset = Service.objects.filter(is_active=True).order_by(
            "position", "name_fr"
        )
        fields["service"].empty_label = _("No service")

    @cached_property
    def _offered(self) -> list[User]:
        """At most PEOPLE_OFFERED + 1 people matching the finder's text (one query): one more
        than shown says whether the finder should be narrowed."""
        found = self.people
        if self.who:
            text = folded(self.who)
            found = found.alias(
                name_folded=Folded("full_name"), email_folded=Folded("email")
            ).filter(Q(name_folded__contains=text) | Q(email_folded__contains=text))
        return list(found[: PEOPLE_OFFERED + 1])

    @cached_property
    def _chosen(self) -> User | None:
        """The person a bound form names, if they may be chosen (a query if not offered)."""
        chosen = str(self.data.get("requester") or "") if self.is_bound else ""
        if not (chosen.isascii() and chosen.isdigit() and int(chosen) <= MAX_ID):
            return None
        offered = next((person for person in self._offered if person.pk == int(chosen)), None)
        return offered or self.people.filter(pk=int(chosen)).first()

    @property
    def more_people(self) -> bool:
        """Whether more people match than are offered: type more of the name or email."""
        return len(self._offered) > PEOPLE_OFFERED

    def offered_people(self) -> list[tuple[str, str]]:
        """The (id, label) of the people offered, in the list's order."""
        return [(str(person.pk), _person_label(person)) for person in self._people_shown()]

    def _people_shown(self) -> list[User]:
        shown = self._offered[:PEOPLE_OFFERED]
        chosen = self._chosen
        if chosen is not None and all(person.pk != chosen.pk for person in shown):
            # A refused form keeps the person chosen, wherever the finder's list stops.
            shown = sorted([*shown, chosen], key=lambda p: (p.organisation.name, p.full_name, p.pk))
        return shown

    def _grouped_people(self) -> list[tuple[str, Any]]:
        # Called lazily by the field; the people are read once per form (see `_offered`).
        grouped: list[tuple[str, Any]] = [("", _("Choose the person"))]
        for organisation, people in groupby(self._people_shown(), key=lambda p: p.organisation):
            grouped.append(
                (organisation.name, [(str(person.pk), _person_label(person)) for person in people])
            )
        return grouped

    def clean_requester(self) -> User:
        person = self.people.filter(pk=self.cleaned_data["requester"]).first()
        if person is None:
            raise forms.ValidationError(_("Choose the person you are helping."))
        return person

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("resolved_now") and not (cleaned.get("resolution") or "").strip():
            self.add_error("resolution", _("Say how the problem was resolved."))
        return cleaned
