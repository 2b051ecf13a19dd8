"""Field and hall intake: door-to-door visits, the hall desk, survey campaigns."""

from django.urls import path

from jishi.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.index, name="index"),
    path("visits/", views.visit_log, name="visit_log"),
    path("visits/new/", views.visit_new, name="visit_new"),
    path("visits/new/item/", views.visit_item_row, name="visit_item"),
    path("hall/", views.hall_desk, name="hall"),
    path("hall/record/", views.hall_record, name="hall_record"),
    path("hall/roster/", views.roster_add, name="roster_add"),
    path("hall/roster/<int:pk>/remove/", views.roster_remove, name="roster_remove"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/suggest/", views.campaign_suggest, name="campaign_suggest"),
    path("suggestions/<int:pk>/adopt/", views.suggestion_adopt, name="suggestion_adopt"),
]
