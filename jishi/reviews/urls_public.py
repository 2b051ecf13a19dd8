"""What citizens open from a window's QR code, the kiosk, and the public disclosure."""

from django.urls import path

from jishi.reviews import views_public as views

app_name = "rate"
urlpatterns = [
    path("", views.windows, name="windows"),
    path("public/", views.disclosure, name="disclosure"),
    path("f/<str:token>/", views.follow_up, name="thanks"),
    path("k/<str:token>/", views.kiosk, name="kiosk"),
    path("<str:token>/", views.rate, name="rate"),
    path("<str:token>/report/", views.report, name="report"),
]
