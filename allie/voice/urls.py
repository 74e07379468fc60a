from __future__ import annotations

from django.urls import path

from allie.voice import views, views_followups, views_surveys

app_name = "voice"

urlpatterns = [
    path("commitments/", views.figures, name="commitments"),
    path("ticket/<str:reference>/commitments/", views.add_view, name="commitment_add"),
    path("ticket/<str:reference>/commitments/settle/", views.settle_view, name="commitment_settle"),
    path("follow-ups/", views_followups.queue, name="follow_ups"),
    path("follow-ups/close/", views_followups.close, name="follow_up_close"),
    path("survey/<str:token>/", views_surveys.survey_view, name="survey"),
]
