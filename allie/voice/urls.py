from __future__ import annotations

from django.urls import path

from allie.voice import (
    views,
    views_figures,
    views_followups,
    views_relationship,
    views_surveys,
    views_themes,
)

app_name = "voice"

urlpatterns = [
    path("commitments/", views.figures, name="commitments"),
    path("ticket/<str:reference>/commitments/", views.add_view, name="commitment_add"),
    path("ticket/<str:reference>/commitments/settle/", views.settle_view, name="commitment_settle"),
    path("follow-ups/", views_followups.queue, name="follow_ups"),
    path("follow-ups/close/", views_followups.close, name="follow_up_close"),
    path("survey/<str:token>/", views_surveys.survey_view, name="survey"),
    path("nps/<str:token>/", views_relationship.relationship_view, name="relationship"),
    path("themes/", views_themes.themes, name="themes"),
    path("team/", views_figures.team_page, name="team"),
    path("outcomes/", views_figures.outcomes_page, name="outcomes"),
]
