"""Search pages: /desk/search/ for agents, /portal/search/ for everyone signed in."""

from __future__ import annotations

from django.urls import path

from allie.search import views

app_name = "search"
urlpatterns = [
    path("desk/search/", views.desk_search, name="desk"),
    path("portal/search/", views.portal_search, name="portal"),
]
