from django.urls import path

from jishi.routing import views

app_name = "routing"
urlpatterns = [path("", views.stats, name="stats")]
