"""What anyone opens: sites, the talks to come, and the check-in pages of the QR codes."""

from django.urls import path

from jishi.outreach import views_public as views

app_name = "outreach_public"
urlpatterns = [
    path("", views.talks, name="talks"),
    path("sites/", views.sites, name="sites"),
    path("sites/<int:pk>/", views.site, name="site"),
    path("c/<str:token>/", views.checkin, name="checkin"),
    path("m/<str:token>/", views.remote, name="remote"),
]
