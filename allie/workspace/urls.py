"""URLs of the agent workspace, under /desk/."""

from __future__ import annotations

from django.urls import path

from allie.workspace import views

app_name = "workspace"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("queues/<slug:name>/", views.queue, name="queue_named"),
    path("tickets/<str:reference>/", views.ticket_page, name="ticket"),
    path("tickets/<str:reference>/reply/", views.reply_view, name="reply"),
    path("tickets/<str:reference>/status/", views.transition_view, name="transition"),
    path("tickets/<str:reference>/handoff/", views.handoff_view, name="handoff"),
    path("tickets/<str:reference>/edit/", views.edit_view, name="edit"),
    path("tickets/<str:reference>/held/<int:pk>/", views.held_mail_view, name="held_mail"),
    path(
        "tickets/<str:reference>/copies/<int:person_pk>/remove/",
        views.remove_copy_view,
        name="remove_copy",
    ),
    path("contact/", views.log_contact_view, name="log_contact"),
]
