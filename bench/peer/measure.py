"""Prepare the peer's load test and count its SQL queries per page, in one JSON document.

Run by bench/run.py with the peer's own interpreter, from bench/peer/ (PEER_DATABASE_URL set):
creates a logged-in session for the staff user `staff01` (as the team's mksession.py does),
picks a ticket in the middle of the id range, builds the URLs under load (the staff ticket
list's data XHR, a ticket page, the list's search, the public submit form, the REST API's
ticket creation) and counts the SQL queries of each with Django's test client (as the team's
count_queries.py does). Prints
{"session": ..., "queue": ..., "urls": {...}, "queries": {...}} on standard output.
"""

from __future__ import annotations

import json
import os
import sys
from urllib.parse import quote

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerdesk.settings")
django.setup()

from django.contrib.auth import (  # noqa: E402
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from helpdesk.models import Queue, Ticket  # noqa: E402
from helpdesk.query import query_to_base64  # noqa: E402

SEARCH_WORD = os.environ.get("PEER_SEARCH_WORD", "vpn")
CSRF = "benchcsrftoken0123456789abcdefgh"


def main() -> dict[str, object]:
    setup_test_environment()
    user = get_user_model().objects.get(username="staff01")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    middle = Ticket.objects.filter(id__gte=Ticket.objects.count() // 2).order_by("id").first()
    queue = Queue.objects.order_by("id").first()
    assert middle is not None
    assert queue is not None
    # The data the staff ticket list page fetches over XHR (its default: open and reopened).
    listing = {
        "filtering": {"status__in": [1, 2]},
        "sorting": "created",
        "search_string": "",
        "sortreverse": False,
    }
    search = {
        "filtering": {},
        "filtering_null": {},
        "sorting": "created",
        "search_string": SEARCH_WORD,
        "sortreverse": None,
    }
    table = (
        "?draw=1&start=0&length=25&"
        + quote("order[0][column]")
        + "=5&"
        + quote("order[0][dir]")
        + "=desc&"
        + quote("search[value]")
        + "="
    )
    urls = {
        "ticket_list_json": "/datatables_ticket_list/" + query_to_base64(listing) + table,
        "ticket_view": f"/tickets/{middle.id}/",
        "search_json": "/datatables_ticket_list/" + query_to_base64(search) + table,
        "public_submit_post": "/tickets/submit/",
        "api_create_rest": "/api/tickets/",
    }
    staff = Client()
    staff.cookies["sessionid"] = session.session_key
    queries: dict[str, dict[str, object]] = {}
    for name in ("ticket_list_json", "ticket_view", "search_json"):
        staff.get(urls[name])  # warm
        with CaptureQueriesContext(connection) as captured:
            response = staff.get(urls[name])
        queries[name] = {"status": response.status_code, "queries": len(captured)}
    anonymous = Client()
    form = {
        "queue": str(queue.id),
        "title": "Printer jammed (bench count)",
        "body": "The printer on floor 2 shows a paper jam.",
        "priority": "3",
        "submitter_email": "user00001@client.example",
    }
    with CaptureQueriesContext(connection) as captured:
        response = anonymous.post(urls["public_submit_post"], form)
    queries["public_submit_post"] = {"status": response.status_code, "queries": len(captured)}
    # The REST API's creation, as the staff user (the API is for staff; session and CSRF).
    rest = {key: value for key, value in form.items() if key != "body"}
    rest.update(description=form["body"], title="Printer jammed (bench count, API)")
    with CaptureQueriesContext(connection) as captured:
        response = staff.post(urls["api_create_rest"], rest, content_type="application/json")
    queries["api_create_rest"] = {"status": response.status_code, "queries": len(captured)}
    return {
        "session": session.session_key,
        "csrf": CSRF,
        "queue": queue.id,
        "urls": urls,
        "queries": queries,
    }


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.exit(0)
