"""The REST API (v1), its schema and docs, and the personal tokens page; included at /api/."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from allie.api import tokens, views, views_figures
from allie.search.api import SearchView

app_name = "api"

v1 = [
    path("tickets/", views.TicketListView.as_view(), name="tickets"),
    path("tickets/<str:reference>/", views.TicketDetailView.as_view(), name="ticket"),
    path(
        "tickets/<str:reference>/timeline/",
        views.TicketTimelineView.as_view(),
        name="ticket_timeline",
    ),
    path(
        "tickets/<str:reference>/replies/", views.TicketReplyView.as_view(), name="ticket_replies"
    ),
    path(
        "tickets/<str:reference>/transitions/",
        views.TicketTransitionView.as_view(),
        name="ticket_transitions",
    ),
    path(
        "tickets/<str:reference>/handoff/",
        views.TicketHandoffView.as_view(),
        name="ticket_handoff",
    ),
    path("services/", views.ServiceListView.as_view(), name="services"),
    path("services/<slug:code>/", views.ServiceDetailView.as_view(), name="service"),
    path("organisations/", views.OrganisationListView.as_view(), name="organisations"),
    path("organisations/<int:pk>/", views.OrganisationDetailView.as_view(), name="organisation"),
    path("people/", views.PersonListView.as_view(), name="people"),
    path("people/<int:pk>/", views.PersonDetailView.as_view(), name="person"),
    path("search/", SearchView.as_view(), name="search"),
    path("figures/outcomes/", views_figures.OutcomeFiguresView.as_view(), name="figures_outcomes"),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    path("tokens/", tokens.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", tokens.revoke, name="token_revoke"),
]
