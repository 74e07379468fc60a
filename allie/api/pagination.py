"""API pagination: cursors, so deep pages cost the same as the first one."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.views import APIView


class CheckedCursorPagination(CursorPagination):
    """A cursor pagination whose forged position answers 404 "Invalid cursor", not a 500.

    DRF checks the cursor's offset and direction but filters on its position as given, so a
    position that is not a value of the ordering column (a word for a date, a NUL, year 1 that
    overflows on its way to UTC) failed inside the query.
    """

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: APIView | None = None
    ) -> list[Any] | None:
        self._queryset = queryset
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> Cursor | None:
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None:
            return cursor
        # `self.ordering` is set before DRF decodes the cursor; its first column is the filter.
        field = self._queryset.model._meta.get_field(self.ordering[0].lstrip("-"))
        connection = connections[self._queryset.db]
        try:
            field.get_db_prep_value(field.to_python(cursor.position), connection)
        except (ValidationError, ValueError, OverflowError):
            raise NotFound(self.invalid_cursor_message) from None
        return cursor


class TicketCursorPagination(CheckedCursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")


class NamePagination(CheckedCursorPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("id",)


class ServicePagination(CheckedCursorPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("position", "id")


class TimelinePagination(CheckedCursorPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("created_at", "id")
