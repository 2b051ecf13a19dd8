"""Field and hall intake: door-to-door visits, the hall desk, survey campaigns."""

from django.urls import URLPattern

app_name = "intake"
urlpatterns: list[URLPattern] = []
