"""台账 (the ledger list) and its Excel exports, under /console/ in the ``cases`` namespace."""

from django.urls import URLPattern, path

from jishi.cases import views_ledger

urlpatterns: list[URLPattern] = [
    path("ledger/", views_ledger.ledger, name="ledger"),
    path("ledger/export/", views_ledger.ledger_export, name="ledger_export"),
    path(
        "ledger/exports/<int:pk>/",
        views_ledger.ledger_export_status,
        name="ledger_export_status",
    ),
    path(
        "ledger/exports/<int:pk>/download/",
        views_ledger.ledger_export_download,
        name="ledger_export_download",
    ),
]
