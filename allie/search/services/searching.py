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
from django.db import connection, transaction
from django.utils.safestring import SafeString, mark_safe

from allie.search.domain import query as search_query
from allie.search.models import TicketSearchEntry
from allie.tickets.models import OPEN_STATUSES, Status, Ticket
from allie.tickets.selectors import visibility

DEFAULT_LIMIT = 20
# Ranking reads every candidate's document: only the most recent matches are ranked, so a
# common word costs the same at a thousand tickets as at a million (see docs/search.md).
CANDIDATES = 1_000
# PostgreSQL reads the matches newest first by windows of recency buckets (RECENCY_BUCKET
# ticket ids each), the first FIRST_WINDOW buckets wide, each next one WINDOW_GROWTH times
# the one before, and stops once CANDIDATES are found: a common word visits the matches of the
# latest tickets only, not every match of the table (see `recency_windows`). The bucket is a
# column of the GIN index (migration 0003): changing RECENCY_BUCKET needs a new index.
RECENCY_BUCKET = 10_000
FIRST_WINDOW = 2
WINDOW_GROWTH = 2
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
    filters = filters or SearchFilters()
    candidates = _candidates(user, filters)
    try:
        scope_sql, scope_params = candidates.order_by().values("id").query.sql_with_params()
    except EmptyResultSet:
        return empty
    # Nothing to narrow (an administrator, no filter): skip the IN, the index alone answers.
    scope = (scope_sql, list(scope_params)) if candidates.query.where else None
    if connection.vendor != "postgresql":
        rows = _search_sqlite(query, scope, limit, offset)
    elif not (text := search_query.websearch_text(query)):
        rows = []  # operators only: no word to look for
    elif user.is_agent or user.is_administrator:
        rows = _search_postgresql(text, _recent_branches(text, user, filters), limit, offset)
    else:
        # A requester sees few tickets: PostgreSQL starts from those (the ticket table's
        # requester and organisation indexes) and checks each one's entry.
        rows = _search_postgresql(text, _scoped_branch(text, scope), limit, offset)
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
    tickets = _ticket_filters(Ticket.objects.visible_to(user), filters)
    if filters.organisation_id is not None:
        tickets = tickets.filter(organisation_id=filters.organisation_id)
    return tickets


def _ticket_filters(tickets: Any, filters: SearchFilters) -> Any:
    """Narrow `tickets` by the filters on the ticket's own state: status and service."""
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
    return tickets


def _best(texts: Sequence[str]) -> SafeString:
    """Return the text with the most marked matches, escaped then marked (first on a tie)."""
    chosen = max(texts, key=search_query.mark_count)
    # Safe: `mark` escapes the whole text before adding our own <mark> tags.
    return mark_safe(search_query.mark(chosen))


# The query in both configurations (one parameter each: the text typed).
TSQUERY_FR, TSQUERY_EN = (
    "websearch_to_tsquery('allie_fr', %s)",
    "websearch_to_tsquery('allie_en', %s)",
)
MATCH = f"document @@ ({TSQUERY_FR} || {TSQUERY_EN})"
# For the windowed search: bitmap scans only (the planner, which thinks `@@` costs nothing,
# would otherwise walk the primary key newest first and test every row's document), no
# parallel workers (their rows come back out of order), nested loops when a filter needs the
# ticket (not a hash of every ticket of the window). Reset after the statement.
PLANNER_SET = "SET LOCAL enable_indexscan = off; SET LOCAL max_parallel_workers_per_gather = 0; "
PLANNER_SET += "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off"
PLANNER_RESET = "RESET enable_indexscan; RESET max_parallel_workers_per_gather; "
PLANNER_RESET += "RESET enable_hashjoin; RESET enable_mergejoin"


@dataclass(frozen=True)
class _Branches:
    """The SQL giving the candidate matches newest first (`ticket_id`, `document`)."""

    sql: str
    params: list[Any]
    windowed: bool = False


def _scoped_branch(query: str, scope: tuple[str, list[Any]] | None) -> _Branches:
    entry = connection.ops.quote_name(TicketSearchEntry._meta.db_table)
    where, params = "", [query, query]
    if scope is not None:
        where = f"AND e.ticket_id IN ({scope[0]})"
        params += scope[1]
    sql = (
        f"SELECT e.ticket_id, e.document FROM {entry} e WHERE e.{MATCH} {where} "  # noqa: S608
        f"ORDER BY e.ticket_id DESC LIMIT {CANDIDATES}"
    )
    return _Branches(sql, params)


def _recent_branches(query: str, user: Any, filters: SearchFilters) -> _Branches | None:
    """One branch per recency window, the reader's scope checked on the entry's own columns.

    PostgreSQL runs a UNION ALL's branches one after the other and stops pulling rows once the
    outer LIMIT is reached, so older windows are not even read when the newer ones hold enough
    matches. A filter on the ticket (status, service) reads the tickets of its window only.
    """
    entry_table = TicketSearchEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(ticket_id) FROM {connection.ops.quote_name(entry_table)}")  # noqa: S608
        newest = cursor.fetchone()[0]
    if newest is None:
        return None
    entries = TicketSearchEntry.objects.all()
    condition = visibility(user)
    if condition is not None:
        entries = entries.filter(condition)
    if filters.organisation_id is not None:
        entries = entries.filter(organisation_id=filters.organisation_id)
    tickets = _ticket_filters(Ticket.objects.all(), filters)
    branches, params = [], []
    bucket = f"(ticket_id / {RECENCY_BUCKET})"
    for buckets in recency_windows(newest):
        window = entries
        if tickets.query.where:  # only this window's tickets, read through their primary key
            low, high = buckets[-1] * RECENCY_BUCKET, (buckets[0] + 1) * RECENCY_BUCKET
            ids = tickets.filter(pk__gte=low, pk__lt=high).order_by().values("id")
            window = window.filter(ticket_id__in=ids)
        query_ = window.query
        where_sql, where_params = (
            query_.get_compiler(connection=connection).compile(query_.where)
            if query_.where
            else ("TRUE", ())
        )
        # `= ANY` of the bucket numbers, not a range: each bucket is one key of the index, whose
        # posting list GIN intersects with the words' (a range would gather every key's rows).
        branches.append(
            f"(SELECT ticket_id, document FROM {entry_table} "  # noqa: S608 (our names)
            f"WHERE {MATCH} AND {bucket} = ANY(%s::bigint[]) AND {where_sql} "
            f"ORDER BY ticket_id DESC LIMIT {CANDIDATES})"
        )
        params += [query, query, buckets, *where_params]
    sql = f"SELECT w.ticket_id, w.document FROM ({' UNION ALL '.join(branches)}) w"  # noqa: S608
    return _Branches(sql, params, windowed=True)


def recency_windows(newest: int) -> list[list[int]]:
    """Return the recency buckets to search in turn, newest first, down to bucket 0.

    A ticket id's bucket is `id // RECENCY_BUCKET`. The first window holds the FIRST_WINDOW
    newest buckets, each next one WINDOW_GROWTH times as many; together they hold every bucket
    up to `newest`'s, once each, so reading them in order yields matches newest first.
    """
    windows: list[list[int]] = []
    high, size = newest // RECENCY_BUCKET, FIRST_WINDOW
    while high >= 0:
        low = max(0, high - size + 1)
        windows.append(list(range(high, low - 1, -1)))
        high, size = low - 1, size * WINDOW_GROWTH
    return windows


def _search_postgresql(
    query: str, branches: _Branches | None, limit: int, offset: int
) -> list[_Row]:
    """Rank the newest CANDIDATES matches given by `branches`; snippets for the page only."""
    if branches is None:
        return []
    entry = connection.ops.quote_name(TicketSearchEntry._meta.db_table)
    # The tsqueries are written inline (not in a CTE) so the planner sees constants: it can
    # then use the GIN index and estimate how many rows match.
    fr, en = TSQUERY_FR, TSQUERY_EN
    body = "e.description || E'\\n\\n' || e.replies"
    sql = f"""
        WITH candidates AS (
            SELECT c.ticket_id, c.document FROM ({branches.sql}) c LIMIT {CANDIDATES}
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
    params = [*branches.params, query, query, limit, offset]
    params += [query, HEADLINE_TITLE, query, HEADLINE_TITLE]
    params += [query, HEADLINE_BODY, query, HEADLINE_BODY]
    if branches.windowed:
        found = _fetch_with_planner_settings(sql, params)
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
    return [
        _Row(ticket_id, float(rank), total, (title_fr, title_en), (body_fr, body_en))
        for ticket_id, rank, total, title_fr, title_en, body_fr, body_en in found
    ]


def _fetch_with_planner_settings(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run `sql` under PLANNER_SET, in a transaction of its own (or the caller's, then reset)."""
    nested = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(PLANNER_SET)
        try:
            cursor.execute(sql, params)
            return cursor.fetchall()
        finally:
            if nested:  # SET LOCAL would outlive this search in the caller's transaction
                cursor.execute(PLANNER_RESET)


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
