from __future__ import annotations

app_name = "workspace"
urlpatterns: list = []
