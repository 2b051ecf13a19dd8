"""The console's report pages (统计与通报)."""

from django.urls import path

from jishi.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("definitions/", views.definitions, name="definitions"),
]
