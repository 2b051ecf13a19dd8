from django.urls import path

from jishi.routing import views

app_name = "routing"
urlpatterns = [
    path("", views.stats, name="stats"),
    path("hotspots/", views.hotspots, name="hotspots"),
    path("duplicates/<str:code>/", views.duplicates, name="duplicates"),
    path("hotspots/refresh/", views.hotspots_refresh, name="hotspots_refresh"),
]
