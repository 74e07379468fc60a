from __future__ import annotations

from django.urls import path

from allie.sla import views

app_name = "sla"

urlpatterns = [
    path("compliance/", views.compliance, name="compliance"),
]
