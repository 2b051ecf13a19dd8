from django.urls import path

from jishi.workdays import views

app_name = "workdays"
urlpatterns = [
    path("", views.schedule, name="schedule"),
]
