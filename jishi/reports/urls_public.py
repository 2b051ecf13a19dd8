"""The citizens' statistics page (no login, no personal data)."""

from django.urls import path

from jishi.reports import views

app_name = "stats"
urlpatterns = [path("", views.public_stats, name="public")]
