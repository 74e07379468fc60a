"""`GET /api/v1/search/`: the same search as the pages, as JSON (registered in allie.api.urls).

Offset pagination: ranked results have no stable cursor. The page size is capped (100).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from allie.api.serializers import ErrorSerializer, NamedRefSerializer, PersonRefSerializer
from allie.core.database import MAX_ID
from allie.search.domain.query import MAX_QUERY_LENGTH
from allie.search.services import SearchFilters, SearchHit, search_tickets
from allie.search.services.searching import DEFAULT_LIMIT, MAX_LIMIT, STATUS_GROUPS
from allie.tickets.models import Status


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=MAX_QUERY_LENGTH,
        help_text=_(
            'Words (all must match), "quoted phrases", `or` between alternatives, -word to '
            "exclude. Accents and case do not matter."
        ),
    )
    status = serializers.CharField(
        required=False,
        default="",
        help_text=_("A status, or `open` or `closed` for a group of them."),
    )
    service = serializers.CharField(
        required=False, default="", max_length=60, help_text=_("The service's code.")
    )
    # An organisation's key: a larger number overflowed the database's integer (a 500).
    organisation = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID
    )
    limit = serializers.IntegerField(
        required=False, default=DEFAULT_LIMIT, min_value=1, max_value=MAX_LIMIT
    )
    offset = serializers.IntegerField(required=False, default=0, min_value=0, max_value=10_000)

    def validate_status(self, value: str) -> str:
        if value and value not in STATUS_GROUPS and value not in Status.values:
            raise serializers.ValidationError(_("Unknown status."))
        return value


class SearchHitSerializer(serializers.Serializer):
    """One ticket found. `title_html` and `snippet_html` are escaped HTML with <mark> tags."""

    reference = serializers.CharField(source="ticket.reference")
    title = serializers.CharField(source="ticket.title")
    status = serializers.CharField(source="ticket.status")
    priority = serializers.CharField(source="ticket.priority")
    service = serializers.CharField(source="ticket.service.code", allow_null=True, default=None)
    organisation = NamedRefSerializer(source="ticket.organisation")
    requester = PersonRefSerializer(source="ticket.requester")
    created_at = serializers.DateTimeField(source="ticket.created_at")
    updated_at = serializers.DateTimeField(source="ticket.updated_at")
    rank = serializers.FloatField()
    title_html = serializers.CharField()
    snippet_html = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_url(self, hit: SearchHit) -> str:
        path = reverse("api:ticket", kwargs={"reference": hit.ticket.reference})
        return self.context["request"].build_absolute_uri(path)


class SearchPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text=_("How many tickets match (ranked ones)."))
    capped = serializers.BooleanField(
        help_text=_("More tickets match: only the most recent ones were ranked.")
    )
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SearchHitSerializer(many=True)


class SearchView(APIView):
    """Search the tickets you may see: ranked, with highlighted snippets."""

    @extend_schema(
        summary="Search the tickets you may see",
        parameters=[SearchQuerySerializer],
        responses={
            200: SearchPageSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Invalid input."),
        },
    )
    def get(self, request: Request) -> Response:
        form = SearchQuerySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        data: dict[str, Any] = form.validated_data
        results = search_tickets(
            request.user,
            data["q"],
            filters=SearchFilters(
                status=data["status"],
                service_code=data["service"],
                organisation_id=data["organisation"],
            ),
            limit=data["limit"],
            offset=data["offset"],
        )
        end = results.offset + len(results.hits)
        payload = {
            "count": results.total,
            "capped": results.capped,
            "next": self._link(request, end, results.limit) if end < results.total else None,
            "previous": (
                self._link(request, max(results.offset - results.limit, 0), results.limit)
                if results.offset > 0
                else None
            ),
            "results": SearchHitSerializer(
                results.hits, many=True, context={"request": request}
            ).data,
        }
        return Response(payload)

    @staticmethod
    def _link(request: Request, offset: int, limit: int) -> str:
        params = request.query_params.copy()
        params["offset"] = str(offset)
        params["limit"] = str(limit)
        return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
