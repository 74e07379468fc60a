"""Pages of the email channel."""

from __future__ import annotations

from django.urls import path

from allie.mail.views import original, preferences

app_name = "mail"
urlpatterns: list = [
    path("preferences/", preferences.preferences, name="preferences"),
    path("messages/<int:pk>/", original.original, name="original"),
]
