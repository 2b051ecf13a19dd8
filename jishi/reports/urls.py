"""The console's report pages (统计与通报)."""

from django.urls import path

from jishi.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("definitions/", views.definitions, name="definitions"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("bulletins/", views.bulletins, name="bulletins"),
    path("bulletins/<int:pk>/", views.bulletin_detail, name="bulletin"),
    path("bulletins/<int:pk>/bulletin.pdf", views.bulletin_pdf, name="bulletin_pdf"),
    path("bulletins/<int:pk>/bulletin.xlsx", views.bulletin_xlsx, name="bulletin_xlsx"),
    path("bulletins/<int:pk>/issue/", views.bulletin_issue, name="bulletin_issue"),
    path("bulletins/<int:pk>/correct/", views.bulletin_correct, name="bulletin_correct"),
]
