"""Searching tickets within what one person may see, ranked, with highlighted snippets.

One function for both databases. The candidate tickets are `Ticket.objects.visible_to(user)`
narrowed by the filters; the text match, ranking and snippets come from PostgreSQL's
`websearch_to_tsquery` (French and English) + `ts_rank_cd` + `ts_headline`, or from SQLite's
FTS5 + `bm25` + `snippet`. A search costs the same queries whatever the data: one for the
ranked page of hits with their snippets, one for those tickets' rows (plus, once per request,
the reader's roles and served organisations, which every scoped read needs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.utils.safestring import SafeString, mark_safe

from allie.search.domain import query as search_query
from allie.search.models import TicketSearchEntry
from allie.tickets.models import OPEN_STATUSES, Status, Ticket

DEFAULT_LIMIT = 20
# Ranking reads every candidate's document: only the most recent matches are ranked, so a
# common word costs the same at a thousand tickets as at a million (see docs/search.md).
CANDIDATES = 1_000
MAX_LIMIT = 100
STATUS_GROUPS = ("open", "closed")
FTS_TABLE = "search_ticketsearchentry_fts"
# bm25 weights per FTS5 column: reference, title, description, replies, requester name.
SQLITE_WEIGHTS = "10.0, 8.0, 3.0, 1.0, 4.0"
HEADLINE_TITLE = f"StartSel={search_query.START}, StopSel={search_query.STOP}, HighlightAll=true"
HEADLINE_BODY = (
    f"StartSel={search_query.START}, StopSel={search_query.STOP}, MaxFragments=2, "
    'MaxWords=24, MinWords=8, FragmentDelimiter=" … "'
)
SNIPPET_TOKENS = 24
TICKET_RELATED = ("requester", "organisation", "service", "owner")


@dataclass(frozen=True)
class SearchFilters:
    """Narrowing of a search: a status (or "open"/"closed"), a service, an organisation.

    The service is given by id (forms) or by code (the API); unknown values find nothing.
    """

    status: str = ""
    service_id: int | None = None
    service_code: str = ""
    organisation_id: int | None = None


@dataclass(frozen=True)
class SearchHit:
    """One ticket found: its row, its rank (higher is better) and marked-up HTML."""

    ticket: Ticket
    rank: float
    title_html: SafeString
    snippet_html: SafeString


@dataclass(frozen=True)
class SearchResults:
    """A page of hits; `total` counts the ranked candidates, `capped` when there were more."""

    query: str
    total: int
    limit: int
    offset: int
    hits: list[SearchHit] = field(default_factory=list)

    @property
    def capped(self) -> bool:
        return self.total >= CANDIDATES


@dataclass(frozen=True)
class _Row:
    ticket_id: int
    rank: float
    total: int
    titles: tuple[str, ...]
    snippets: tuple[str, ...]


def search_tickets(
    user: Any,
    query: str,
    *,
    filters: SearchFilters | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> SearchResults:
    """Return the page of tickets `user` may see that match `query`, best first.

    The most recent `CANDIDATES` matches are ranked; a narrower query or a filter reaches
    older tickets. Only public text is indexed (reference, title, description, public
    replies, requester's name), so internal notes are never matched nor shown, whoever searches.
    """
    query = (query or "").strip()[: search_query.MAX_QUERY_LENGTH]
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    empty = SearchResults(query=query, total=0, limit=limit, offset=offset)
    if not query:
        return empty
    candidates = _candidates(user, filters or SearchFilters())
    try:
        scope_sql, scope_params = candidates.order_by().values("id").query.sql_with_params()
    except EmptyResultSet:
        return empty
    # Nothing to narrow (an administrator, no filter): skip the IN, the index alone answers.
    scope = None if not candidates.query.where else (scope_sql, list(scope_params))
    if connection.vendor == "postgresql":
        rows = _search_postgresql(query, scope, limit, offset)
    else:
        rows = _search_sqlite(query, scope, limit, offset)
    if not rows:
        return empty
    ids = [row.ticket_id for row in rows]
    tickets = Ticket.objects.select_related(*TICKET_RELATED).in_bulk(ids)
    hits = [
        SearchHit(
            ticket=tickets[row.ticket_id],
            rank=row.rank,
            title_html=_best(row.titles),
            snippet_html=_best(row.snippets),
        )
        for row in rows
        if row.ticket_id in tickets
    ]
    return SearchResults(query=query, total=rows[0].total, limit=limit, offset=offset, hits=hits)


def _candidates(user: Any, filters: SearchFilters) -> Any:
    tickets = Ticket.objects.visible_to(user)
    if filters.status == "open":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif filters.status == "closed":
        tickets = tickets.exclude(status__in=OPEN_STATUSES)
    elif filters.status in Status.values:
        tickets = tickets.filter(status=filters.status)
    if filters.service_id is not None:
        tickets = tickets.filter(service_id=filters.service_id)
    if filters.service_code:
        tickets = tickets.filter(service__code=filters.service_code)
    if filters.organisation_id is not None:
        tickets = tickets.filter(organisation_id=filters.organisation_id)
    return tickets


def _best(texts: Sequence[str]) -> SafeString:
    """Return the text with the most marked matches, escaped then marked (first on a tie)."""
    chosen = max(texts, key=search_query.mark_count)
    # Safe: `mark` escapes the whole text before adding our own <mark> tags.
    return mark_safe(search_query.mark(chosen))


def _search_postgresql(
    query: str, scope: tuple[str, list[Any]] | None, limit: int, offset: int
) -> list[_Row]:
    entry = connection.ops.quote_name(TicketSearchEntry._meta.db_table)
    # The tsqueries are written inline (not in a CTE) so the planner sees constants: it can
    # then use the GIN index and estimate how many rows match.
    fr, en = "websearch_to_tsquery('allie_fr', %s)", "websearch_to_tsquery('allie_en', %s)"
    where, params = "", [query, query]
    if scope is not None:
        where = f"AND e.ticket_id IN ({scope[0]})"
        params += scope[1]
    body = "e.description || E'\\n\\n' || e.replies"
    sql = f"""
        WITH candidates AS (
            SELECT e.ticket_id, e.document
            FROM {entry} e
            WHERE e.document @@ ({fr} || {en}) {where}
            ORDER BY e.ticket_id DESC
            LIMIT {CANDIDATES}
        ), hits AS (
            SELECT c.ticket_id, ts_rank_cd(c.document, {fr} || {en}) AS rank,
                   count(*) OVER () AS total
            FROM candidates c
            ORDER BY rank DESC, c.ticket_id DESC
            LIMIT %s OFFSET %s
        )
        SELECT h.ticket_id, h.rank, h.total,
               ts_headline('allie_fr', e.title, {fr}, %s),
               ts_headline('allie_en', e.title, {en}, %s),
               ts_headline('allie_fr', {body}, {fr}, %s),
               ts_headline('allie_en', {body}, {en}, %s)
        FROM hits h JOIN {entry} e ON e.ticket_id = h.ticket_id
        ORDER BY h.rank DESC, h.ticket_id DESC
    """  # noqa: S608 (table names are ours; every value is a parameter)
    params += [query, query, limit, offset]
    params += [query, HEADLINE_TITLE, query, HEADLINE_TITLE]
    params += [query, HEADLINE_BODY, query, HEADLINE_BODY]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            _Row(ticket_id, float(rank), total, (title_fr, title_en), (body_fr, body_en))
            for ticket_id, rank, total, title_fr, title_en, body_fr, body_en in cursor.fetchall()
        ]


def _search_sqlite(
    query: str, scope: tuple[str, list[Any]] | None, limit: int, offset: int
) -> list[_Row]:
    match = search_query.fts5_query(query)
    if match is None:
        return []
    where, params = "", [match]
    if scope is not None:
        # `+` keeps the scope out of FTS5's plan: the text match runs once, then the scope filters.
        where = f"AND +f.rowid IN ({scope[0]})"
        params += scope[1]
    start, stop = search_query.START, search_query.STOP
    # bm25 is lower for better matches: negated, so that higher is better on both databases.
    sql = f"""
        WITH hits AS (
            SELECT f.rowid AS ticket_id, -bm25({FTS_TABLE}, {SQLITE_WEIGHTS}) AS rank
            FROM {FTS_TABLE} f
            WHERE {FTS_TABLE} MATCH %s {where}
            ORDER BY f.rowid DESC
            LIMIT {CANDIDATES}
        ), page AS (
            SELECT ticket_id, rank, count(*) OVER () AS total FROM hits
            ORDER BY rank DESC, ticket_id DESC LIMIT %s OFFSET %s
        )
        SELECT p.ticket_id, p.rank, p.total,
               highlight({FTS_TABLE}, 1, %s, %s),
               snippet({FTS_TABLE}, 2, %s, %s, '…', {SNIPPET_TOKENS}),
               snippet({FTS_TABLE}, 3, %s, %s, '…', {SNIPPET_TOKENS})
        FROM page p JOIN {FTS_TABLE} f ON f.rowid = p.ticket_id
        WHERE {FTS_TABLE} MATCH %s
        ORDER BY p.rank DESC, p.ticket_id DESC
    """  # noqa: S608 (table names are ours; every value is a parameter)
    params += [limit, offset, start, stop, start, stop, start, stop, match]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            _Row(ticket_id, float(rank), total, (title,), (description, replies))
            for ticket_id, rank, total, title, description, replies in cursor.fetchall()
        ]
