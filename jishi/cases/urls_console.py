"""The staff console's case pages, under the ``cases`` namespace (``/console/…``).

``/console/`` itself (我的工作, ``console_home``) is routed in ``jishi.common.urls``.
"""

from django.urls import URLPattern, path

from jishi.cases import views_console as views

urlpatterns: list[URLPattern] = [
    path("dispatch/", views.dispatch_queue, name="dispatch"),
    path("dispatch/<str:code>/", views.dispatch_row, name="dispatch_row"),
    path("dispatch/<str:code>/more/", views.dispatch_more, name="dispatch_more"),
    path("cases/<str:code>/", views.case_detail, name="detail"),
    path("cases/<str:code>/act/<slug:name>/", views.case_action, name="act"),
    path("cases/<str:code>/reveal/", views.case_reveal, name="reveal"),
    path("cases/<str:code>/files/<int:pk>/", views.attachment_file, name="attachment"),
]
