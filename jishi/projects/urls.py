"""The console's project pages (重点项目)."""

from django.urls import path

from jishi.projects import views, views_policy

app_name = "projects"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("rules/", views.rules, name="rules"),
    path("lists/new/", views.list_create, name="list_create"),
    path("lists/<int:pk>/", views.list_detail, name="list"),
    path("lists/<int:pk>/edit/", views.list_edit, name="list_edit"),
    path("lists/<int:pk>/export.xlsx", views.list_export, name="list_export"),
    path("lists/<int:pk>/import/", views.list_import, name="list_import"),
    path("lists/<int:pk>/new/", views.project_create, name="project_create"),
    path("template.xlsx", views.import_template, name="import_template"),
    path("p/<int:pk>/", views.project_detail, name="project"),
    path("p/<int:pk>/report/", views.report_submit, name="report"),
    path("p/<int:pk>/complete/", views.project_complete, name="complete"),
    path("p/<int:pk>/close/", views.project_close, name="close"),
    path("p/<int:pk>/order/", views.order_issue, name="order_issue"),
    path("p/<int:pk>/planned/", views.planned_enter, name="planned"),
    path("p/<int:pk>/lead/", views.project_lead, name="lead"),
    path("p/<int:pk>/milestone/", views.milestone_move, name="milestone_move"),
    path("p/<int:pk>/edit/", views.project_edit, name="edit"),
    path("p/<int:pk>/milestones/add/", views.milestone_add, name="milestone_add"),
    path("p/<int:pk>/milestones/rename/", views.milestone_rename, name="milestone_rename"),
    path("p/<int:pk>/milestones/remove/", views.milestone_remove, name="milestone_remove"),
    path("reports/<int:pk>/sign-off/", views.report_sign_off, name="sign_off"),
    path("orders/", views.orders, name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("orders/<int:pk>/order.pdf", views.order_pdf, name="order_pdf"),
    path("rounds/open/", views.round_open, name="round_open"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("meeting/", views.meeting, name="meeting"),
    path("meeting/<int:pk>/", views.meeting, name="meeting_round"),
    path("decisions/", views.decisions, name="decisions"),
    path("inspections/", views.inspections, name="inspections"),
    path("inspections/groups/new/", views.group_create, name="group_create"),
    path("inspections/groups/<int:pk>/", views.group_detail, name="group"),
    path("inspections/groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("inspections/visits/<int:pk>/", views.visit_detail, name="visit"),
    path("findings/<int:pk>/recheck/", views.finding_recheck, name="recheck"),
    path("findings/<int:pk>/photos/<int:photo>/", views.finding_photo, name="finding_photo"),
    path("accountability/", views.accountability, name="accountability"),
    path("settings/", views_policy.settings_page, name="settings"),
]
