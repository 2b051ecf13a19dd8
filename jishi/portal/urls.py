"""What citizens see: the home page, submit, track, call back."""

from django.urls import path

from jishi.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("submit/", views.submit, name="submit"),
    path("submit/similar/", views.similar, name="similar"),
    path("submit/villages/", views.villages, name="villages"),
    path("submit/done/<str:code>/", views.submitted, name="submitted"),
    path("track/", views.track, name="track"),
    path("track/k/<str:token>/", views.track_link, name="track_link"),
    path("track/<str:code>/", views.track_detail, name="track_detail"),
    path("callback/<str:token>/", views.callback, name="callback"),
]
