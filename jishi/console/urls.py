"""What staff see, under ``/console/`` in the ``console`` namespace: my work, the dispatch
queue, the case page, 台账 and its exports, the routing statistics and hotspots."""

from __future__ import annotations

from django.urls import URLPattern, path

from jishi.console import views, views_adopt, views_ledger, views_routing, views_shell

app_name = "console"
urlpatterns: list[URLPattern] = [
    path("", views.my_work, name="home"),
    path("ui/", views_shell.ui_components, name="ui_components"),
    # the dispatch queue and the case page
    path("dispatch/", views.dispatch_queue, name="dispatch"),
    path("dispatch/<str:code>/", views.dispatch_row, name="dispatch_row"),
    path("dispatch/<str:code>/more/", views.dispatch_more, name="dispatch_more"),
    path("cases/<str:code>/", views.case_detail, name="detail"),
    path("cases/<str:code>/act/<slug:name>/", views.case_action, name="act"),
    path("cases/<str:code>/reveal/", views.case_reveal, name="reveal"),
    path("cases/<str:code>/files/<int:pk>/", views.attachment_file, name="attachment"),
    # 台账 and its Excel exports
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
    # the router's figures, hotspots, likely duplicates of a case
    path("routing/", views_routing.stats, name="routing_stats"),
    path("routing/hotspots/", views_routing.hotspots, name="hotspots"),
    path("routing/hotspots/refresh/", views_routing.hotspots_refresh, name="hotspots_refresh"),
    path("routing/duplicates/<str:code>/", views_routing.duplicates, name="duplicates"),
    # a survey campaign's suggestion adopted as a practical-matters project (办实事)
    path(
        "suggestions/<int:pk>/project/",
        views_adopt.suggestion_project,
        name="suggestion_project",
    ),
]
