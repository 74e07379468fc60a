"""REST API v1: thin views. Validate with a serializer, call one service, serialize the result.

Every read goes through a scoping function (`Ticket.objects.visible_to`, `visible_people`,
`visible_organisations`), so another organisation's object answers 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from allie.accounts.models import Organisation, Team, User
from allie.accounts.selectors import visible_organisations, visible_people
from allie.api.filters import TicketFilter
from allie.api.pagination import (
    NamePagination,
    ServicePagination,
    TicketCursorPagination,
    TimelinePagination,
)
from allie.api.serializers import (
    ErrorSerializer,
    HandoffActionSerializer,
    OrganisationSerializer,
    PersonSerializer,
    ReplyCreateSerializer,
    ServiceSerializer,
    TicketCreateSerializer,
    TicketDetailSerializer,
    TicketSerializer,
    TimelineEventSerializer,
    TransitionSerializer,
)
from allie.catalog.models import Service
from allie.tickets.models import Channel, Ticket, TimelineEvent
from allie.tickets.selectors import get_visible_ticket, visible_timeline
from allie.tickets.services import (
    accept_handoff,
    decline_handoff,
    open_ticket,
    propose_handoff,
    reply,
    transition,
    withdraw_handoff,
)

LIST_RELATED = ("requester", "owner", "sla")


def _name_of(model: type[Organisation] | type[Team], column: str) -> Subquery:
    return Subquery(model.objects.filter(pk=OuterRef(column)).values("name")[:1])


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input."),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed."),
    404: OpenApiResponse(ErrorSerializer, description="Not found or not visible."),
    409: OpenApiResponse(ErrorSerializer, description="Not possible in the current state."),
}


def _detail(request: Request, reference: str, *, status_code: int = status.HTTP_200_OK) -> Response:
    """Return the ticket's read representation, freshly read as `request.user` sees it."""
    ticket = get_visible_ticket(request.user, reference)
    data = TicketDetailSerializer(ticket, context={"request": request}).data
    return Response(data, status=status_code)


# --- Tickets ------------------------------------------------------------------------------------


class TicketListView(generics.ListAPIView):
    """List the tickets the caller may see, or open one."""

    serializer_class = TicketSerializer
    filterset_class = TicketFilter
    pagination_class = TicketCursorPagination

    def get_queryset(self) -> QuerySet[Ticket]:
        # The small reference rows (organisation, team, service) come as scalar subqueries, not
        # joins: PostgreSQL plans a 7-table join in ~10 ms, longer than it runs it; with 4
        # tables and 3 sub-plans it plans in ~1 ms (docs/performance.md, "Pages and API").
        return (
            Ticket.objects.visible_to(self.request.user)
            .select_related(*LIST_RELATED)
            .annotate(
                organisation_name=_name_of(Organisation, "organisation_id"),
                team_name=_name_of(Team, "team_id"),
                service_code=Subquery(
                    Service.objects.filter(pk=OuterRef("service_id")).values("code")[:1]
                ),
            )
        )

    @extend_schema(
        summary="List the tickets you may see",
        responses={200: TicketSerializer(many=True), 400: ERRORS[400]},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Open a ticket",
        request=TicketCreateSerializer,
        responses={201: TicketDetailSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def post(self, request: Request) -> Response:
        form = TicketCreateSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        data = form.validated_data
        on_behalf = data.get("requester")
        ticket = open_ticket(
            requester=on_behalf or request.user,
            title=data["title"],
            description=data["description"],
            service=data.get("service"),
            impact=data.get("impact"),
            urgency=data.get("urgency"),
            form_answers=data["form_answers"],
            channel=Channel.API,
            opened_by=request.user if on_behalf else None,
        )
        # The creator always sees the ticket (its requester, or an agent serving the requester's
        # organisation: checked above), so the answer is built from the rows just written
        # instead of reading them back; a ticket just opened has no handoff yet.
        context = {"request": request, "just_opened": True}
        data = TicketDetailSerializer(ticket, context=context).data
        return Response(data, status=status.HTTP_201_CREATED)


class TicketDetailView(APIView):
    @extend_schema(
        summary="Read a ticket",
        responses={200: TicketDetailSerializer, 404: ERRORS[404]},
    )
    def get(self, request: Request, reference: str) -> Response:
        return _detail(request, reference)


class TicketTimelineView(generics.ListAPIView):
    """The ticket's timeline as the caller may read it (internal notes for its agents only)."""

    serializer_class = TimelineEventSerializer
    pagination_class = TimelinePagination
    filterset_class = None

    def get_queryset(self) -> QuerySet[TimelineEvent]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no ticket to read
            return TimelineEvent.objects.none()
        ticket = get_visible_ticket(self.request.user, self.kwargs["reference"])
        return visible_timeline(ticket, self.request.user)

    @extend_schema(
        summary="Read a ticket's timeline",
        responses={200: TimelineEventSerializer(many=True), 404: ERRORS[404]},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class TicketReplyView(APIView):
    @extend_schema(
        summary="Reply on a ticket, or write an internal note",
        request=ReplyCreateSerializer,
        responses={201: TimelineEventSerializer, **ERRORS},
    )
    def post(self, request: Request, reference: str) -> Response:
        ticket = get_visible_ticket(request.user, reference)
        form = ReplyCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        event = reply(
            ticket,
            by=request.user,
            body=form.validated_data["body"],
            public=form.validated_data["public"],
        )
        return Response(TimelineEventSerializer(event).data, status=status.HTTP_201_CREATED)


class TicketTransitionView(APIView):
    @extend_schema(
        summary="Move a ticket through its lifecycle",
        request=TransitionSerializer,
        responses={200: TicketDetailSerializer, **ERRORS},
    )
    def post(self, request: Request, reference: str) -> Response:
        ticket = get_visible_ticket(request.user, reference)
        form = TransitionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        transition(ticket, by=request.user, **form.validated_data)
        return _detail(request, reference)


class TicketHandoffView(APIView):
    @extend_schema(
        summary="Propose, accept, decline or withdraw a handoff",
        request=HandoffActionSerializer,
        responses={200: TicketDetailSerializer, **ERRORS},
    )
    def post(self, request: Request, reference: str) -> Response:
        ticket = get_visible_ticket(request.user, reference)
        form = HandoffActionSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        data = form.validated_data
        by = request.user
        action = data["action"]
        if action == "propose":
            propose_handoff(
                ticket,
                by=by,
                reason=data["reason"],
                to_person=data.get("to_person"),
                to_team=data.get("to_team"),
            )
        elif action == "accept":
            accept_handoff(ticket, by=by)
        elif action == "decline":
            decline_handoff(ticket, by=by, reason=data["reason"])
        else:
            withdraw_handoff(ticket, by=by)
        return _detail(request, reference)


# --- Catalogue ----------------------------------------------------------------------------------


def _active_services() -> QuerySet[Service]:
    return (
        Service.objects.filter(is_active=True)
        .select_related("owner_team")
        .prefetch_related("form_fields")
    )


class ServiceListView(generics.ListAPIView):
    """The active service catalogue, with each service's request form."""

    serializer_class = ServiceSerializer
    pagination_class = ServicePagination
    filterset_class = None

    def get_queryset(self) -> QuerySet[Service]:
        return _active_services()


class ServiceDetailView(generics.RetrieveAPIView):
    serializer_class = ServiceSerializer
    lookup_field = "code"

    def get_queryset(self) -> QuerySet[Service]:
        return _active_services()


# --- Organisations and people -------------------------------------------------------------------


class OrganisationListView(generics.ListAPIView):
    """The organisations you may see: those your teams serve, or your own."""

    serializer_class = OrganisationSerializer
    pagination_class = NamePagination
    filterset_class = None

    def get_queryset(self) -> QuerySet[Organisation]:
        return visible_organisations(self.request.user)


class OrganisationDetailView(generics.RetrieveAPIView):
    serializer_class = OrganisationSerializer

    def get_queryset(self) -> QuerySet[Organisation]:
        return visible_organisations(self.request.user)


class PersonListView(generics.ListAPIView):
    """The people you may see: those of the organisations you serve and the agents, or you."""

    serializer_class = PersonSerializer
    pagination_class = NamePagination
    filterset_class = None

    def get_queryset(self) -> QuerySet[User]:
        return visible_people(self.request.user).prefetch_related("role_grants")


class PersonDetailView(generics.RetrieveAPIView):
    serializer_class = PersonSerializer

    def get_queryset(self) -> QuerySet[User]:
        return visible_people(self.request.user).prefetch_related("role_grants")
