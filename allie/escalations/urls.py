from __future__ import annotations

from django.urls import path

from allie.escalations import views

app_name = "escalations"

urlpatterns = [
    path("", views.active, name="active"),
    path("ticket/<str:reference>/raise/", views.raise_view, name="raise"),
    path("ticket/<str:reference>/ask/", views.requester_view, name="ask"),
    path("<int:pk>/acknowledge/", views.acknowledge_view, name="acknowledge"),
    path("<int:pk>/close/", views.close_view, name="close"),
]
