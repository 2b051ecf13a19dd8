"""The console's outreach pages (宣讲)."""

from django.urls import path

from jishi.outreach import views

app_name = "outreach"
urlpatterns = [
    path("", views.index, name="index"),
    path("calendar/", views.talk_calendar, name="calendar"),
    path("talks/new/", views.talk_new, name="talk_new"),
    path("talks/<int:pk>/", views.talk_detail, name="talk"),
    path("talks/<int:pk>/edit/", views.talk_edit, name="talk_edit"),
    path("talks/<int:pk>/poster.pdf", views.talk_poster, name="poster"),
    path("talks/<int:pk>/reissue/", views.talk_reissue, name="talk_reissue"),
    path("talks/<int:pk>/cancel/", views.talk_cancel, name="talk_cancel"),
    path(
        "talks/<int:pk>/checkins/<int:checkin>/strike/",
        views.checkin_strike,
        name="checkin_strike",
    ),
    path("talks/<int:pk>/head-count/", views.head_count, name="head_count"),
    path("talks/<int:pk>/questions/", views.question_add, name="question_add"),
    path("import/", views.schedule_import, name="import"),
    path("figures/", views.figures, name="figures"),
    path("branches/", views.branch_list, name="branches"),
    path("branches/<int:pk>/", views.branch_detail, name="branch"),
    path("branches/<int:pk>/edit/", views.branch_edit, name="branch_edit"),
    path("members/<int:pk>/", views.member_detail, name="member"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/mark/", views.member_mark, name="member_mark"),
    path("sites/", views.site_list, name="sites"),
    path("sites/new/", views.site_edit, name="site_new"),
    path("sites/<int:pk>/", views.site_edit, name="site_edit"),
    path("sites/<int:pk>/visits/", views.site_visits, name="site_visits"),
    path("series/", views.series_list, name="series"),
    path("series/new/", views.series_edit, name="series_new"),
    path("series/<int:pk>/", views.series_edit, name="series_edit"),
]
