"""The agent workspace: queues, the ticket page and its actions, logging a call or visit.

Only agents get here; anyone else gets a 404, as for anything they may not see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from allie.accounts.models import Team, User
from allie.catalog.models import FormField, Service
from allie.core.pagination import BoundedPaginator
from allie.mail.selectors import originals_by_event
from allie.mail.services import intake, review
from allie.tickets import selectors
from allie.tickets.models import DeskSettings, Ticket, TimelineEvent
from allie.tickets.selectors import QUEUE_NAMES, QueueFilters
from allie.tickets.services import (
    ServiceError,
    accept_handoff,
    available_actions,
    decline_handoff,
    log_contact,
    propose_handoff,
    remove_copy,
    reply,
    transition,
    update_ticket_fields,
    withdraw_handoff,
)
from allie.tickets.services.attachments import from_django_files
from allie.tickets.services.copies import copies_of
from allie.tickets.services.errors import CONFLICT, FORBIDDEN
from allie.workspace.forms import (
    AGENT_COMMANDS,
    COMMAND_LABELS,
    EditFieldsForm,
    HandoffForm,
    LogContactForm,
    QueueFilterForm,
    ReplyForm,
    TransitionForm,
)

PAGE_SIZE = 25

QUEUE_LABELS = {
    "mine": _("Mine"),
    "teams": _("My teams"),
    "needs_owner": _("Needs an owner"),
    "waiting": _("Waiting on requester"),
    "handoffs": _("Handoffs to me"),
    "at_risk": _("At risk"),
    "all": _("Everything I may see"),
}

View = Callable[..., HttpResponse]


def agent_required(view: View) -> View:
    """Let signed-in agents through; everyone else gets a 404, never a hint."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_agent:  # type: ignore[union-attr]
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


# --- Queues ---------------------------------------------------------------------------------


@require_GET
@agent_required
def queue(request: HttpRequest, name: str = "mine") -> HttpResponse:
    """Show one of the agent's queues, filtered, sorted and paginated."""
    if name not in QUEUE_NAMES:
        raise Http404
    user: User = request.user  # type: ignore[assignment]
    form = QueueFilterForm(request.GET or None, user=user)
    service = form.value("service")
    organisation = form.value("organisation")
    team = form.value("team")
    filters = QueueFilters(
        status=form.value("status") or "",
        priority=form.value("priority") or "",
        service_id=service.pk if service else None,
        organisation_id=organisation.pk if organisation else None,
        team_id=team.pk if team else None,
        text=form.value("text") or "",
        sort=form.value("sort") or "newest",
    )
    tickets = selectors.queue(
        user,
        name,
        filters=filters,
        now=timezone.now(),
        needs_owner_after=timedelta(minutes=DeskSettings.current().needs_owner_after_minutes),
    )
    page = BoundedPaginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "name": name,
        "label": QUEUE_LABELS[name],
        "tabs": [(key, QUEUE_LABELS[key]) for key in QUEUE_NAMES],
        "form": form,
        "page": page,
        "queue_url": request.path,
    }
    template = "workspace/queue.html#results" if request.htmx else "workspace/queue.html"  # type: ignore[attr-defined]
    return render(request, template, context)


# --- The ticket page ------------------------------------------------------------------------


def _workable_ticket(request: HttpRequest, reference: str) -> Ticket:
    """Return the ticket if this agent may see and work on it, else raise Http404."""
    ticket = selectors.get_visible_ticket(request.user, reference)
    if not selectors.may_work_on(request.user, ticket):
        raise Http404
    return ticket


def _timeline_lookups(
    events: list[TimelineEvent], *, people: Iterable[Any] = (), teams: Iterable[Any] = ()
) -> dict[str, dict[int, Any]]:
    """Return the people, teams and services the timeline mentions by id, one query each.

    `people` and `teams`: rows the page has already read (the events' authors, the owner, the
    serving teams...); only the others are read, so an agent taking the ticket costs no query.
    """
    person_ids: set[int] = set()
    team_ids: set[int] = set()
    service_ids: set[int] = set()
    for event in events:
        data = event.data or {}
        if event.kind == TimelineEvent.Kind.OWNER_CHANGE:
            person_ids.update(v for v in (data.get("from"), data.get("to")) if isinstance(v, int))
        elif event.kind == TimelineEvent.Kind.HANDOFF:
            if isinstance(data.get("to_person"), int):
                person_ids.add(data["to_person"])
            if isinstance(data.get("to_team"), int):
                team_ids.add(data["to_team"])
        elif event.kind == TimelineEvent.Kind.FIELD_CHANGE:
            for value in (data.get("changes") or {}).get("service") or ():
                if isinstance(value, int):
                    service_ids.add(value)
        elif data.get("copies") and isinstance(data.get("person"), int):
            person_ids.add(data["person"])
    known_people = {person.pk: person for person in people if person is not None}
    known_teams = {team.pk: team for team in teams if team is not None}
    return {
        "people": _with_missing(User, person_ids, known_people),
        "teams": _with_missing(Team, team_ids, known_teams),
        "services": Service.objects.in_bulk(service_ids) if service_ids else {},
    }


def _with_missing(model: Any, ids: set[int], known: dict[int, Any]) -> dict[int, Any]:
    """Return the rows with these ids: those known, and the others read in one query."""
    found = {pk: known[pk] for pk in ids if pk in known}
    missing = ids - found.keys()
    if missing:
        found.update(model.objects.in_bulk(missing))
    return found


def _form_answers(ticket: Ticket) -> list[tuple[str, Any]]:
    """Return the ticket's form answers as (label, value), labelled by the service's form."""
    answers = ticket.form_answers or {}
    if not answers:
        return []
    labels: dict[str, str] = {}
    if ticket.service_id:
        labels = {
            field.key: field.label
            for field in FormField.objects.filter(service_id=ticket.service_id)
        }
    return [(labels.get(key, key), value) for key, value in answers.items()]


def _ticket_context(request: HttpRequest, ticket: Ticket, **forms: Any) -> dict[str, Any]:
    """Return everything the ticket page shows; bound forms with errors may be passed in."""
    user = request.user
    # The page lists every file of the ticket anyway: read them once and hand each event its
    # own, instead of a second query prefetching the events' files.
    events = list(selectors.visible_timeline(ticket, user).prefetch_related(None))
    attachments = list(ticket.attachments.all())
    files_of: dict[int, list[Any]] = {}
    for attachment in attachments:
        if attachment.event_id is not None:
            files_of.setdefault(attachment.event_id, []).append(attachment)
    originals = originals_by_event(ticket)
    for event in events:  # an event made from an email links to the message as received
        event.original_pk = originals.get(event.pk)  # type: ignore[attr-defined]
        event.files = files_of.get(event.pk, [])  # type: ignore[attr-defined]
    handoff = selectors.pending_handoff(ticket)
    actions = available_actions(ticket, user, pending=handoff)
    commands = [name for name in AGENT_COMMANDS if name in actions]
    # The handoff and escalation forms offer the same teams (those serving the organisation):
    # read them once, when either form is shown (escalating: open tickets).
    teams = None
    if ticket.is_open or "propose_handoff" in actions:
        teams = list(Team.objects.filter(serves=ticket.organisation_id).order_by("name"))
    return {
        "ticket": ticket,
        "events": events,
        "lookups": _timeline_lookups(
            events,
            people=[
                user,
                ticket.owner,
                ticket.requester,
                *(event.actor for event in events),
                *((handoff.proposed_by, handoff.to_person) if handoff else ()),
            ],
            teams=[*(teams or ()), ticket.team, handoff.to_team if handoff else None],
        ),
        "attachments": attachments,
        "serving_teams": teams,
        "form_answers": _form_answers(ticket),
        "handoff": handoff,
        "buttons": [(name, COMMAND_LABELS[name]) for name in commands if name != "decline"],
        "may_decline": "decline" in commands,
        "may_propose": "propose_handoff" in actions,
        "may_answer_handoff": "accept_handoff" in actions,
        "may_withdraw": "withdraw_handoff" in actions,
        "may_edit": ticket.is_open,
        "reply_form": forms.get("reply_form") or ReplyForm(),
        "decline_form": forms.get("decline_form") or TransitionForm(initial={"command": "decline"}),
        "handoff_form": forms.get("handoff_form") or HandoffForm(ticket=ticket, teams=teams),
        "edit_form": forms.get("edit_form") or EditFieldsForm(ticket=ticket),
        # Mail pointing at this ticket from someone who may not write on it (one query).
        "held_mail": review.held_messages(ticket),
        # People copied on the ticket, who may write on it by mail (one query).
        "copies": copies_of(ticket),
        "action_error": forms.get("action_error"),
        "open_section": forms.get("open_section", ""),
    }


@require_GET
@agent_required
def ticket_page(request: HttpRequest, reference: str) -> HttpResponse:
    """Show a ticket with its facts, full timeline and the actions this agent may take."""
    ticket = _workable_ticket(request, reference)
    template = "workspace/ticket.html#ticket-body" if request.htmx else "workspace/ticket.html"  # type: ignore[attr-defined]
    return render(request, template, _ticket_context(request, ticket))


def _status_for(error: ServiceError) -> int:
    return {CONFLICT: 409, FORBIDDEN: 404}.get(error.kind, 400)


def _done(request: HttpRequest, reference: str, message: Any = None) -> HttpResponse:
    """Answer a successful action: the fresh ticket body for htmx, else redirect (PRG)."""
    if not request.htmx:  # type: ignore[attr-defined]
        if message:
            messages.success(request, message)
        return redirect("workspace:ticket", reference=reference)
    ticket = selectors.get_visible_ticket(request.user, reference)
    if not selectors.may_work_on(request.user, ticket):
        # The agent no longer works on it (rare): send the browser back to their queue.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("workspace:queue")
        return response
    return render(request, "workspace/ticket.html#ticket-body", _ticket_context(request, ticket))


def _action_refused(request: HttpRequest, ticket: Ticket, error: ServiceError) -> HttpResponse:
    """Answer a refused action whose only form is its button: the error beside the actions."""
    status = _status_for(error)
    return _refused(
        request, ticket, status=status, errors=[error.message], action_error=error.message
    )


def _refused(
    request: HttpRequest,
    ticket: Ticket,
    *,
    status: int,
    errors: list[str],
    **forms: Any,
) -> HttpResponse:
    """Answer a refused action: the ticket body with the errors for htmx, else redirect."""
    if status == 404:
        raise Http404
    if not request.htmx:  # type: ignore[attr-defined]
        for error in errors:
            messages.error(request, error)
        return redirect("workspace:ticket", reference=ticket.reference)
    context = _ticket_context(request, ticket, **forms)
    return render(request, "workspace/ticket.html#ticket-body", context, status=status)


def _form_errors(form: Any) -> list[str]:
    return [str(message) for messages_ in form.errors.values() for message in messages_]


def _service_error(form: Any, error: ServiceError) -> None:
    """Put a service's refusal on the form: on its field when the form has it."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


@require_POST
@agent_required
def reply_view(request: HttpRequest, reference: str) -> HttpResponse:
    """Add a public reply or an internal note, with optional files."""
    ticket = _workable_ticket(request, reference)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _refused(request, ticket, status=400, errors=_form_errors(form), reply_form=form)
    internal = form.cleaned_data["internal"]
    try:
        reply(
            ticket,
            by=request.user,
            body=form.cleaned_data["body"],
            public=not internal,
            files=from_django_files(form.cleaned_data["files"]),
        )
    except ServiceError as error:
        _service_error(form, error)
        return _refused(
            request, ticket, status=_status_for(error), errors=[error.message], reply_form=form
        )
    return _done(request, reference, _("Internal note added.") if internal else _("Reply sent."))


@require_POST
@agent_required
def transition_view(request: HttpRequest, reference: str) -> HttpResponse:
    """Run one lifecycle command (take charge, start, wait, resolve, decline, ...)."""
    ticket = _workable_ticket(request, reference)
    form = TransitionForm(request.POST)
    declining = request.POST.get("command") == "decline"
    extra = {"decline_form": form, "open_section": "decline"} if declining else {}
    if not form.is_valid():
        errors = _form_errors(form)
        return _refused(request, ticket, status=400, errors=errors, action_error=errors[0], **extra)
    try:
        transition(
            ticket,
            by=request.user,
            command=form.cleaned_data["command"],
            reason=form.cleaned_data["reason"],
            alternative=form.cleaned_data["alternative"],
        )
    except ServiceError as error:
        if declining:
            _service_error(form, error)
        return _refused(
            request,
            ticket,
            status=_status_for(error),
            errors=[error.message],
            action_error=error.message,
            **extra,
        )
    return _done(
        request,
        reference,
        _("The request is now %(status)s.") % {"status": ticket.get_status_display().lower()},
    )


@require_POST
@agent_required
def handoff_view(request: HttpRequest, reference: str) -> HttpResponse:
    """Propose, accept, decline or withdraw a handoff."""
    ticket = _workable_ticket(request, reference)
    form = HandoffForm(request.POST, ticket=ticket)
    extra = {"handoff_form": form, "open_section": "handoff"}
    if not form.is_valid():
        return _refused(request, ticket, status=400, errors=_form_errors(form), **extra)
    action = form.cleaned_data["action"]
    reason = form.cleaned_data["reason"]
    try:
        if action == "propose":
            propose_handoff(
                ticket,
                by=request.user,
                reason=reason,
                to_person=form.cleaned_data["to_person"],
                to_team=form.cleaned_data["to_team"],
            )
            message = _("Handoff proposed; you stay the owner until it is accepted.")
        elif action == "accept":
            accept_handoff(ticket, by=request.user)
            message = _("You are now the owner of this request.")
        elif action == "decline":
            decline_handoff(ticket, by=request.user, reason=reason)
            message = _("Handoff declined.")
        else:
            withdraw_handoff(ticket, by=request.user)
            message = _("Handoff withdrawn.")
    except ServiceError as error:
        _service_error(form, error)
        return _refused(request, ticket, status=_status_for(error), errors=[error.message], **extra)
    return _done(request, reference, message)


@require_POST
@agent_required
def edit_view(request: HttpRequest, reference: str) -> HttpResponse:
    """Change impact, urgency, service or the next step."""
    ticket = _workable_ticket(request, reference)
    form = EditFieldsForm(request.POST, ticket=ticket)
    extra = {"edit_form": form, "open_section": "edit"}
    if not form.is_valid():
        return _refused(request, ticket, status=400, errors=_form_errors(form), **extra)
    try:
        update_ticket_fields(
            ticket,
            by=request.user,
            impact=form.cleaned_data["impact"],
            urgency=form.cleaned_data["urgency"],
            service=form.cleaned_data["service"],
            next_step=form.cleaned_data["next_step"],
        )
    except ServiceError as error:
        _service_error(form, error)
        return _refused(request, ticket, status=_status_for(error), errors=[error.message], **extra)
    return _done(request, reference, _("Changes saved."))


HELD_ACTIONS = ("add", "open", "discard")


@require_POST
@agent_required
def held_mail_view(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """Review a message held on this ticket: add it as a note, open a ticket from it, or
    discard it."""
    ticket = _workable_ticket(request, reference)
    action = request.POST.get("action", "")
    if action not in HELD_ACTIONS:
        error = str(_("Choose what to do with this message."))
        return _refused(request, ticket, status=400, errors=[error], action_error=error)
    try:
        if action == "add":
            review.add_held_to_ticket(ticket, message_pk=pk, by=request.user)
            message = _("The message was added to this request as an internal note.")
        elif action == "open":
            result = review.open_ticket_from_held(ticket, message_pk=pk, by=request.user)
            if result.ticket is not None:
                message = _("Request %(reference)s opened from the message.") % {
                    "reference": result.ticket.reference
                }
            elif result.reason == intake.DEACTIVATED:
                message = _("The sender's account is deactivated: no request was opened.")
            elif result.reason == intake.NO_ORGANISATION:
                message = _("The sender belongs to no organisation: no request was opened.")
            else:
                message = _(
                    "The sender is unknown and this mailbox refuses unknown senders: "
                    "no request was opened."
                )
        else:
            review.discard_held(ticket, message_pk=pk, by=request.user)
            message = _("The message was discarded.")
    except ServiceError as error:
        return _action_refused(request, ticket, error)
    return _done(request, reference, message)


@require_POST
@agent_required
def remove_copy_view(request: HttpRequest, reference: str, person_pk: int) -> HttpResponse:
    """Stop copying a person on this ticket: their mail then waits for review."""
    ticket = _workable_ticket(request, reference)
    try:
        remove_copy(ticket, person_pk=person_pk, by=request.user)
    except ServiceError as error:
        return _action_refused(request, ticket, error)
    return _done(request, reference, _("The person is no longer copied on this request."))


# --- Logging a phone call or a counter visit -------------------------------------------------


@require_http_methods(["GET", "POST"])
@agent_required
def log_contact_view(request: HttpRequest) -> HttpResponse:
    """Record a phone call or counter visit as a ticket the agent owns from the start."""
    user: User = request.user  # type: ignore[assignment]
    who = request.GET.get("who", "")
    form = LogContactForm(request.POST or None, user=user, who=who)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = log_contact(
                by=user,
                requester=data["requester"],
                channel=data["channel"],
                title=data["title"],
                description=data["description"],
                service=data["service"],
                impact=data["impact"] or None,
                urgency=data["urgency"] or None,
                resolved_now=data["resolved_now"],
                resolution=data["resolution"],
            )
        except ServiceError as error:
            if error.kind == FORBIDDEN:
                raise Http404 from error
            _service_error(form, error)
        else:
            if ticket.resolved_at_first_contact:
                messages.success(
                    request,
                    _("Request %(reference)s recorded and resolved.")
                    % {"reference": ticket.reference},
                )
            else:
                messages.success(
                    request,
                    _("Request %(reference)s recorded; you own it.")
                    % {"reference": ticket.reference},
                )
            return HttpResponseRedirect(reverse("workspace:ticket", args=[ticket.reference]))
    status = 400 if form.is_bound else 200
    template = "workspace/log_contact.html"
    if request.htmx and not form.is_bound:  # type: ignore[attr-defined]
        template += "#requester-choices"  # the finder, as the agent types
    return render(request, template, {"form": form}, status=status)
