"""URLs of the requester portal, mounted under /portal/."""

from __future__ import annotations

from django.urls import path

from allie.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("new/", views.new_ticket, name="new_triage"),
    path("new/<slug:code>/", views.new_ticket, name="new"),
    path("requests/<str:reference>/", views.ticket_detail, name="ticket"),
    path("requests/<str:reference>/reply/", views.reply_to_ticket, name="reply"),
    path("requests/<str:reference>/cancel/", views.cancel_ticket, name="cancel"),
    path("requests/<str:reference>/reopen/", views.reopen_ticket, name="reopen"),
]
