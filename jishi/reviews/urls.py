"""The console's review pages (好差评)."""

from django.urls import path

from jishi.reviews import views

app_name = "reviews"
urlpatterns = [
    path("", views.index, name="index"),
    path("shift/end/", views.shift_end, name="shift_end"),
    path("roster/", views.roster, name="roster"),
    path("points/<int:pk>/", views.point_detail, name="point"),
    path("points/<int:pk>/shift/", views.shift_start, name="shift_start"),
    path("points/<int:pk>/done/", views.occasion_done, name="occasion_done"),
    path("points/<int:pk>/reissue/", views.point_reissue, name="point_reissue"),
    path("points/<int:pk>/kiosks/", views.kiosk_register, name="kiosk_register"),
    path("points/<int:pk>/poster.pdf", views.poster, name="poster"),
    path("halls/<int:unit_id>/posters.pdf", views.hall_posters, name="hall_posters"),
    path("kiosks/<int:pk>/revoke/", views.kiosk_revoke, name="kiosk_revoke"),
    path("figures/", views.figures, name="figures"),
    path("ratings/", views.ratings, name="ratings"),
    path("ratings/<int:pk>/", views.rating_detail, name="rating"),
    path("appeals/<int:pk>/decide/", views.appeal_decide, name="appeal_decide"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/reveal/", views.report_reveal, name="report_reveal"),
    path("themes/", views.comment_themes, name="themes"),
]
