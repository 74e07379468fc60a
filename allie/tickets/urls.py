from __future__ import annotations

from django.urls import path

from allie.tickets import views

app_name = "tickets"
urlpatterns = [
    path("attachments/<int:pk>/", views.download_attachment, name="attachment"),
]
