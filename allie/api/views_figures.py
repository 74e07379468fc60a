"""REST API v1: outcome figures per service, team or agent over a period.

For team leads (the teams they lead), managers, executives and administrators; anyone else
gets 404, as on the web. Rates are fractions from 0 to 1, or null when there is nothing to
count. See docs/outcomes.md for each figure's definition.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from allie.api.serializers import ErrorSerializer
from allie.core.dates import validate_year
from allie.core.reports import DEFAULT_PERIOD_DAYS, MAX_PERIOD_DAYS, period_bounds
from allie.voice import figures
from allie.voice.domain.outcomes import OutcomeTally


class OutcomeQuerySerializer(serializers.Serializer):
    by = serializers.ChoiceField(
        choices=figures.BY, default="team", help_text=_("Group per service, team or agent.")
    )
    start = serializers.DateField(
        required=False,
        help_text=_("First day of the period (default: 30 days before its end)."),
        validators=[validate_year],
    )
    end = serializers.DateField(
        required=False,
        help_text=_("Last day of the period, included (default: today)."),
        validators=[validate_year],
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        end = attrs.get("end") or timezone.localdate()
        start = attrs.get("start") or end - timedelta(days=DEFAULT_PERIOD_DAYS)
        if start > end:
            raise serializers.ValidationError(
                {"start": [_("The start of the period must come before its end.")]}
            )
        if (end - start).days > MAX_PERIOD_DAYS:
            message = _("Choose a period of at most %(days)d days.") % {"days": MAX_PERIOD_DAYS}
            raise serializers.ValidationError({"start": [message]})
        attrs["start"], attrs["end"] = start, end
        return attrs


class OutcomeRowSerializer(serializers.Serializer):
    key = serializers.IntegerField(
        allow_null=True, help_text=_("Id of the service, team or agent; null: none set.")
    )
    name = serializers.CharField()
    resolved = serializers.IntegerField(help_text=_("Requests resolved in the period."))
    first_contact = serializers.IntegerField(help_text=_("Of those, resolved at first contact."))
    fcr_rate = serializers.FloatField(allow_null=True)
    reopened = serializers.IntegerField()
    reopen_rate = serializers.FloatField(allow_null=True)
    handoffs = serializers.IntegerField()
    handoffs_per_ticket = serializers.FloatField(allow_null=True)
    surveys_sent = serializers.IntegerField()
    surveys_answered = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True)
    csat = serializers.FloatField(
        allow_null=True, help_text=_("Share of satisfied answers (4 or 5 out of 5).")
    )
    ces = serializers.FloatField(allow_null=True, help_text=_("Mean ease answer, 1 to 5."))
    follow_ups_closed = serializers.IntegerField()
    follow_ups_on_time = serializers.IntegerField()
    follow_ups_on_time_rate = serializers.FloatField(allow_null=True)
    commitments_kept = serializers.IntegerField()
    commitments_renegotiated = serializers.IntegerField()
    commitments_broken = serializers.IntegerField()
    commitments_kept_rate = serializers.FloatField(allow_null=True)


class NpsRowSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(help_text=_("Id of the client organisation."))
    name = serializers.CharField()
    answered = serializers.IntegerField(help_text=_("Relationship answers given in the period."))
    promoters = serializers.IntegerField()
    passives = serializers.IntegerField()
    detractors = serializers.IntegerField()
    nps = serializers.FloatField(
        allow_null=True,
        help_text=_("Share of promoters minus share of detractors, in points from -100 to 100."),
    )


class OutcomeFiguresSerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=figures.BY)
    start = serializers.DateField()
    end = serializers.DateField()
    rows = OutcomeRowSerializer(many=True)
    nps = NpsRowSerializer(many=True, help_text=_("NPS per client organisation."))


def row_data(key: int | None, name: str, tally: OutcomeTally) -> dict[str, Any]:
    """The API's representation of one row of figures."""
    return {
        "key": key,
        "name": name,
        "resolved": tally.resolved,
        "first_contact": tally.first_contact,
        "fcr_rate": tally.fcr_rate,
        "reopened": tally.reopened,
        "reopen_rate": tally.reopen_rate,
        "handoffs": tally.handoffs,
        "handoffs_per_ticket": tally.handoffs_per_ticket,
        "surveys_sent": tally.surveys_sent,
        "surveys_answered": tally.surveys_answered,
        "response_rate": tally.response_rate,
        "csat": tally.csat,
        "ces": tally.ces,
        "follow_ups_closed": tally.follow_ups_closed,
        "follow_ups_on_time": tally.follow_ups_on_time,
        "follow_ups_on_time_rate": tally.follow_ups_on_time_rate,
        "commitments_kept": tally.commitments.kept,
        "commitments_renegotiated": tally.commitments.renegotiated,
        "commitments_broken": tally.commitments.broken,
        "commitments_kept_rate": tally.commitments_kept_rate,
    }


def nps_data(row: figures.NpsRow) -> dict[str, Any]:
    """The API's representation of one organisation's NPS."""
    return {
        "organisation": row.key,
        "name": row.name,
        "answered": row.tally.answered,
        "promoters": row.tally.promoters,
        "passives": row.tally.passives,
        "detractors": row.tally.detractors,
        "nps": row.tally.nps,
    }


class OutcomeFiguresView(APIView):
    pagination_class = None

    @extend_schema(
        summary="Outcome figures per service, team or agent over a period",
        parameters=[OutcomeQuerySerializer],
        responses={
            200: OutcomeFiguresSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Invalid input."),
            404: OpenApiResponse(ErrorSerializer, description="Not allowed to see figures."),
        },
    )
    def get(self, request: Request) -> Response:
        if not figures.may_see_figures(request.user):
            raise Http404
        query = OutcomeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end, by = (query.validated_data[name] for name in ("start", "end", "by"))
        bounds, team_ids = period_bounds(start, end), figures.scoped_team_ids(request.user)
        rows = figures.outcome_figures(*bounds, by=by, team_ids=team_ids, now=timezone.now())
        data = {
            "by": by,
            "start": start,
            "end": end,
            "rows": [row_data(row.key, row.name, row.tally) for row in rows],
            "nps": [nps_data(row) for row in figures.nps_figures(*bounds, team_ids=team_ids)],
        }
        return Response(OutcomeFiguresSerializer(data).data)
