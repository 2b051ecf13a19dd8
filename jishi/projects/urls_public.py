"""What citizens see of the supervised projects (mounted under /portal/projects/)."""

from django.urls import path

from jishi.projects import views_public as views

app_name = "projects_public"
urlpatterns = [
    path("", views.index, name="index"),
    path("following/", views.following, name="following"),
    path("lists/<int:pk>/", views.list_page, name="list"),
    path("p/<str:code>/", views.project_page, name="project"),
    path("p/<str:code>/follow/", views.follow, name="follow"),
]
