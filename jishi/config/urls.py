from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from jishi.common import media

# A database outage outside a view is a 503 with a retry hint, like one inside a view.
handler500 = "jishi.common.middleware.server_error"

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    # set_language (POST): the 简体 / 繁體 / English switch on every page, cookie-based.
    path("i18n/", include("django.conf.urls.i18n")),
    path("console/", include("jishi.console.urls")),
    path("console/intake/", include("jishi.intake.urls")),
    path("console/calendar/", include("jishi.workdays.urls")),
    path("console/reviews/", include("jishi.reviews.urls")),
    path("console/projects/", include("jishi.projects.urls")),
    path("portal/projects/", include("jishi.projects.urls_public")),
    path("console/outreach/", include("jishi.outreach.urls")),
    path("console/reports/", include("jishi.reports.urls")),
    path("portal/", include("jishi.portal.urls")),
    path("r/", include("jishi.reviews.urls_public")),
    path("o/", include("jishi.outreach.urls_public")),
    path("stats/", include("jishi.reports.urls_public")),
    path("", include("jishi.console.urls_shell")),
]

# The public photos (``common.media``), in every mode.
urlpatterns += media.urlpatterns

if settings.DEBUG:
    # Static files are served by WhiteNoise (and runserver); uploads need this in development.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
